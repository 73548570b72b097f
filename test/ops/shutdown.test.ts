import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runGrantline } from "../support/cli.ts";
import { startHubProcess, type HubProcess } from "../support/hubProcess.ts";

/**
 * SIGTERM (what a container runtime or systemd sends) stops `grantline serve` cleanly: it stops
 * accepting, answers the requests already under way, closes idle and never-used keep-alive
 * connections at once rather than waiting out their timeouts, and exits 0 within the grace
 * (exit 1 would mean the grace ran out with work unfinished).
 */
describe("grantline serve on SIGTERM", () => {
  let dataDir: string;
  let hub: HubProcess | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-ops-"));
  });
  afterEach(async () => {
    await hub?.kill();
    hub = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const connect = (url: string) =>
    new Promise<net.Socket>((resolve) => {
      const { hostname, port } = new URL(url);
      const socket = net.connect(Number(port), hostname, () => resolve(socket));
      socket.on("error", () => undefined);
    });

  it("closes idle keep-alive and unused connections at once and exits 0 within the grace", async () => {
    // Well within the test's time, far beyond what a clean stop takes: exit 0 proves nothing had
    // to be cut off, where waiting for the connections' own timeouts would take over a minute.
    hub = await startHubProcess({ GRANTLINE_DATA_DIR: dataDir, GRANTLINE_SHUTDOWN_GRACE_MS: "30000" });
    const agent = new http.Agent({ keepAlive: true });
    const keptAlive = await new Promise<net.Socket>((resolve, reject) => {
      const request = http.get(`${hub!.url}/healthz`, { agent }, (response) => {
        response.resume();
        response.on("end", () => resolve(request.socket!));
      });
      request.on("error", reject);
    });
    expect(keptAlive.destroyed).toBe(false);
    // Opened ahead of any request, as browsers and load balancers do.
    const unused = await connect(hub.url);
    const closed = [keptAlive, unused].map((socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve()))));

    hub.signal("SIGTERM");
    expect(await hub.exit).toEqual({ code: 0, signal: null });
    await Promise.all(closed);
    expect(hub.stdout()).toContain("Stopped.");
    // Standard output is the JSON log alone: no banner, one line per request.
    const lines = hub.logLines();
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["Grantline hub started", "request", "Stopped."]));
    expect(lines.find((line) => line.msg === "request")).toMatchObject({ method: "GET", route: "/healthz", status: 200 });
    expect(hub.stderr()).toBe("");
    agent.destroy();
  });

  it("answers a request under way before it exits", async () => {
    const owner = JSON.parse((await runGrantline({ GRANTLINE_DATA_DIR: dataDir }, "bootstrap", "--business-name", "Acme", "--json")).stdout) as { business_id: string; access_token: string };
    hub = await startHubProcess({ GRANTLINE_DATA_DIR: dataDir, GRANTLINE_SHUTDOWN_GRACE_MS: "30000" });
    // The request's head arrives, its body not yet: it is under way when SIGTERM comes.
    const body = `name=Main&currency=USD&timezone_id=1&access_token=${owner.access_token}`;
    const socket = await connect(hub.url);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    // "100 Continue" says the server has taken the request on and waits for its body.
    const accepted = new Promise<void>((resolve) => socket.on("data", () => answer.includes("100 Continue") && resolve()));
    socket.write(`POST /v24.0/${owner.business_id}/adaccount HTTP/1.1\r\nHost: hub\r\nExpect: 100-continue\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n`);
    await accepted;
    hub.signal("SIGTERM");
    await hub.waitForOutput(/Stopping \(SIGTERM\): finishing 1 request/);
    socket.write(body);
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(answer).toMatch(/"id":"act_\d+"/);
    expect(await hub.exit).toEqual({ code: 0, signal: null });
  });
});
