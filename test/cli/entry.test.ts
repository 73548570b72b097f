import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runGrantline, runGrantlineToExit } from "../support/cli.ts";
import { spawnToExit } from "../support/hubProcess.ts";

/**
 * The other CLI tests run `grantline` in-process through `main`. These check that the real entry,
 * `bin/grantline.mjs` in a process of its own, gives the same results (output and exit code), and
 * that an in-process run keeps to what it is given: its environment, its streams, no exit code or
 * handle left on the process.
 */
describe("grantline entry", () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-entry-"));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("bin/grantline.mjs in its own process answers as the in-process run does", async () => {
    const env = { GRANTLINE_DATA_DIR: dataDir, LOG_LEVEL: "warn" };
    // Each spawn transpiles the CLI again (seconds on a busy machine): few of them.
    const same = async (args: string[]) => {
      const spawned = await spawnToExit(env, ...args);
      const inProcess = await runGrantlineToExit(env, args);
      expect(inProcess, `grantline ${args.join(" ")}`).toEqual(spawned);
      return spawned;
    };

    // Pending migrations of an empty data directory: stdout and exit 1.
    const pending = await same(["migrate", "--check", "--json"]);
    expect(pending.code).toBe(1);
    expect((JSON.parse(pending.stdout) as { pending: string[] }).pending.length).toBeGreaterThan(0);
    // A missing option: commander's error and the command's help on stderr, exit 1.
    const missing = await same(["bootstrap", "--json"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toContain("error: required option '--business-name <name>' not specified");

    // The spawned command writes the store; an in-process run reads it back.
    const created = await spawnToExit(env, "bootstrap", "--business-name", "Acme", "--json");
    expect(created.code, created.stderr).toBe(0);
    const owner = JSON.parse(created.stdout) as { business_id: string };
    const verified = JSON.parse((await runGrantline(env, "audit", "verify", "--json")).stdout) as { ok: boolean; entries: number };
    expect(verified.ok).toBe(true);
    expect(verified.entries).toBeGreaterThan(0);
    const review = await runGrantline(env, "review", "--business", owner.business_id);
    expect(review.stdout).toContain(`Access review of business ${owner.business_id}`);
    // Commander's own output: the help on stdout, exit 0.
    const help = await same(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain("Usage: grantline [options] [command]");
  }, 180_000);

  it("says what is wrong with an argument, whether commander found it while parsing or the command's own action did", async () => {
    await runGrantline({ GRANTLINE_DATA_DIR: dataDir }, "init", "--json");
    // Found while parsing: commander prints it, once.
    const parsed = await runGrantlineToExit({ GRANTLINE_DATA_DIR: dataDir }, ["troubleshoot", "spend-spike", "--asset", "act_1", "--since", "not a date"]);
    expect(parsed.code).toBe(1);
    expect(parsed.stderr.match(/an ISO date or time/g)).toHaveLength(1);
    // Found by the action itself (options that only go together): printed as well, not a silent exit 1.
    const inAction = await runGrantlineToExit({ GRANTLINE_DATA_DIR: dataDir }, ["autopilot", "oauth-client", "--issuer", "https://hub.example"]);
    expect(inAction.code).toBe(1);
    expect(inAction.stderr).toContain("--issuer (or --login-dialog-url and --login-token-url), --client-id, --client-secret and --redirect-uri go together");
    expect(inAction.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  }, 180_000);

  it("an in-process run reads only the environment it is given and leaves the process as it found it", async () => {
    const before = process.env.PORT;
    const exitCode = process.exitCode;
    process.env.PORT = "eighty";
    try {
      // The process's own bad PORT is not read; the run's own is.
      const fine = await runGrantlineToExit({ GRANTLINE_DATA_DIR: dataDir }, ["init", "--json"]);
      expect(fine.code, fine.stderr).toBe(0);
      expect(JSON.parse(fine.stdout)).toMatchObject({ store: "sqlite", data_dir: dataDir, created: false });
      const refused = await runGrantlineToExit({ GRANTLINE_DATA_DIR: dataDir, PORT: "eighty" }, ["init"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("PORT");
    } finally {
      if (before === undefined) delete process.env.PORT;
      else process.env.PORT = before;
    }

    // A failing command returns its code; the process's exit code is untouched.
    const owner = JSON.parse((await runGrantline({ GRANTLINE_DATA_DIR: dataDir }, "bootstrap", "--business-name", "Owner", "--json")).stdout) as { system_user_id: string };
    const denied = await runGrantlineToExit({ GRANTLINE_DATA_DIR: dataDir }, ["explain", "--principal", owner.system_user_id, "--action", "read_insights", "--asset", "act_1"]);
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain("DENIED");
    expect(process.exitCode).toBe(exitCode);

    // Every store file a run opens is closed when it ends (file descriptors, read on Linux), and no
    // timer or socket it started is left running.
    const storeFiles = () =>
      fs.readdirSync("/proc/self/fd").flatMap((fd) => {
        try {
          const target = fs.readlinkSync(path.join("/proc/self/fd", fd));
          return target.startsWith(dataDir) ? [target] : [];
        } catch {
          return [];
        }
      });
    // A pending Immediate is one turn of the event loop (the suite's other files share this process), not something left running.
    const resources = () => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "Immediate").sort();
    const idle = resources();
    for (let i = 0; i < 3; i++) await runGrantline({ GRANTLINE_DATA_DIR: dataDir }, "audit", "verify", "--json");
    await new Promise((resolve) => setImmediate(resolve));
    if (fs.existsSync("/proc/self/fd")) expect(storeFiles()).toEqual([]);
    expect(resources()).toEqual(idle);
  });
});
