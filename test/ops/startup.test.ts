import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { occupyPort, runToExit, startHubProcess, type HubProcess } from "../support/hubProcess.ts";

/**
 * Start-up as an operator meets it: a bad setting or a missing dependency ends `grantline serve`
 * with a non-zero exit and one line on stderr that names the problem (no stack trace), and nothing
 * keeps the process alive afterwards.
 */
describe("grantline serve at start-up", () => {
  let root: string;
  let dataDir: string;
  const running: HubProcess[] = [];
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-ops-"));
    dataDir = path.join(root, "data");
  });
  afterEach(async () => {
    for (const hub of running.splice(0)) await hub.kill();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const oneLine = (stderr: string) => {
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return lines[0]!;
  };

  it("refuses a missing data directory, naming it; `grantline init` creates the store, and then it starts", async () => {
    const refused = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "0" }, "serve");
    expect(refused.code).toBe(1);
    const line = oneLine(refused.stderr);
    expect(line).toContain(dataDir);
    expect(line).toContain("does not exist");
    expect(line).toContain("grantline init");
    expect(fs.existsSync(dataDir)).toBe(false);

    const init = await runToExit({ GRANTLINE_DATA_DIR: dataDir }, "init", "--json");
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ store: "sqlite", data_dir: dataDir, created: true });
    expect(JSON.parse(init.stdout).migrations_applied).toBeGreaterThan(0);
    // Again: nothing left to do.
    expect(JSON.parse((await runToExit({ GRANTLINE_DATA_DIR: dataDir }, "init", "--json")).stdout)).toMatchObject({ created: false, migrations_applied: 0 });

    const hub = await startHubProcess({ GRANTLINE_DATA_DIR: dataDir });
    running.push(hub);
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", store: "ok", redis: "not configured", migrations: "ok", disk: "ok" });
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toEqual({ status: "ok" });
  });

  it("bootstrap still creates a store where there is none", async () => {
    const result = await runToExit({ GRANTLINE_DATA_DIR: dataDir }, "bootstrap", "--business-name", "Fresh", "--json");
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout)).sort()).toEqual(["access_token", "business_id", "system_user_id"]);
  });

  it("names a store it cannot open", async () => {
    fs.mkdirSync(path.join(dataDir, "grantline.sqlite"), { recursive: true });
    const result = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "0" }, "serve");
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toContain(path.join(dataDir, "grantline.sqlite"));
  });

  it("exits with one line when PostgreSQL cannot be reached", async () => {
    const port = await occupyPort();
    try {
      // Something listens there, but it is not PostgreSQL: it hangs up at once.
      const result = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "0", DATABASE_URL: `postgres://grantline:secret@127.0.0.1:${port.port}/nowhere` }, "serve");
      expect(result.code).toBe(1);
      const line = oneLine(result.stderr);
      expect(line).toContain(`cannot open PostgreSQL at 127.0.0.1:${port.port}/nowhere`);
      expect(line).not.toContain("secret");
    } finally {
      await port.close();
    }
  });

  it("exits with one line when its port is taken", async () => {
    fs.mkdirSync(dataDir);
    const busy = await occupyPort();
    try {
      const result = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: String(busy.port) }, "serve");
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(`Error: port ${busy.port} on 127.0.0.1 is already in use (PORT); stop what uses it or choose another port`);
      // The metrics listener's port likewise.
      const metrics = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "0", GRANTLINE_METRICS_PORT: String(busy.port) }, "serve");
      expect(metrics.code).toBe(1);
      expect(oneLine(metrics.stderr)).toBe(`Error: the metrics listener cannot start: port ${busy.port} on 127.0.0.1 is already in use (GRANTLINE_METRICS_PORT); stop what uses it or choose another port`);
    } finally {
      await busy.close();
    }
  });

  it("starts the simulated shops only with the simulator, and says so in one line when their port is taken", async () => {
    fs.mkdirSync(dataDir);
    const busy = await occupyPort();
    try {
      // Without the simulator the shops' port does not matter.
      const hub = await startHubProcess({ GRANTLINE_DATA_DIR: dataDir, GRANTLINE_SIM_SITE_PORT: String(busy.port) });
      running.push(hub);
      expect(hub.stdout()).not.toContain("Simulated shops");
      hub.signal("SIGTERM");
      expect((await hub.exit).code).toBe(0);

      const withMarket = await runToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "0", GRANTLINE_SIM_SITE_PORT: String(busy.port), GRANTLINE_SIM_DAY_SECONDS: "60" }, "serve");
      expect(withMarket.code).toBe(1);
      expect(oneLine(withMarket.stderr)).toContain(`port ${busy.port} on 127.0.0.1 is already in use (GRANTLINE_SIM_SITE_PORT)`);

      // The demo, which needs its shops, takes another port instead.
      const demo = await startHubProcess({ GRANTLINE_DATA_DIR: path.join(root, "demo"), GRANTLINE_SIM_SITE_PORT: String(busy.port), GRANTLINE_AUTOPILOT_SCHEDULE: "off" }, "demo");
      running.push(demo);
      const shops = (await demo.waitForOutput(/Simulated shops: (http:\/\/[^\s]+)\//))[1]!;
      expect(shops).not.toContain(`:${busy.port}`);
      expect(demo.stderr()).toContain(`port ${busy.port} was busy`);
      expect((await fetch(`${shops}/`)).status).toBe(200);
      demo.signal("SIGTERM");
      expect((await demo.exit).code).toBe(0);
    } finally {
      await busy.close();
    }
  });
});
