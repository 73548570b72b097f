import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runGrantline } from "../support/cli.ts";
import { freePort, startHubProcess, type HubProcess } from "../support/hubProcess.ts";

/** The tests run a Redis of their own, so they can kill and pause it; without the binary they are skipped. */
const redisServer = spawnSync("redis-server", ["--version"]).status === 0;

const clientOf = (port: number) => createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });

interface OwnRedis {
  child: ChildProcess;
  /** The test's own client, for looking at what the hub counted. */
  client: ReturnType<typeof clientOf>;
  stop(): Promise<void>;
}

async function startRedis(port: number): Promise<OwnRedis> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let attempt = 0; ; attempt++) {
    const client = clientOf(port);
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return {
        child,
        client,
        async stop() {
          await client.destroy();
          if (child.exitCode === null && child.signalCode === null) {
            process.kill(child.pid!, "SIGCONT");
            process.kill(child.pid!, "SIGKILL");
          }
          await exited;
        },
      };
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Points the hub has counted in this Redis, across every bucket. */
async function countedInRedis(redis: OwnRedis): Promise<number> {
  const keys = await redis.client.keys("grantline:rate:*:total");
  if (keys.length === 0) return 0;
  return (await redis.client.mGet(keys)).reduce((sum, value) => sum + Number(value ?? 0), 0);
}

interface Answer {
  status: number | "no answer";
  retryAfter: string | null;
  code: number | undefined;
}

/**
 * Redis (the shared rate limits) going away under a running hub: killed and restarted, or stalled
 * (SIGSTOP). The hub never exits and never hangs: while Redis is down it counts the limits in its
 * own memory and keeps answering; a call Redis does not answer in time gets a 503 (code 2) within
 * GRANTLINE_REDIS_TIMEOUT_MS; once Redis is back, the counting returns to it by itself.
 */
describe.runIf(redisServer)("grantline serve when Redis fails", () => {
  let dataDir: string;
  let hub: HubProcess | undefined;
  let redis: OwnRedis | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-ops-"));
  });
  afterEach(async () => {
    await hub?.kill();
    hub = undefined;
    await redis?.stop();
    redis = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start() {
    const port = await freePort();
    redis = await startRedis(port);
    const env = { GRANTLINE_DATA_DIR: dataDir, REDIS_URL: `redis://127.0.0.1:${port}`, GRANTLINE_REDIS_TIMEOUT_MS: "300", GRANTLINE_AUTOPILOT_SCHEDULE: "off" };
    const owner = JSON.parse((await runGrantline(env, "bootstrap", "--business-name", "Acme", "--json")).stdout) as { access_token: string };
    hub = await startHubProcess(env);
    const url = hub.url;
    const read = async (): Promise<Answer> => {
      try {
        const response = await fetch(`${url}/v24.0/me`, { headers: { authorization: `Bearer ${owner.access_token}` }, signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { error?: { code: number } };
        return { status: response.status, retryAfter: response.headers.get("retry-after"), code: body.error?.code };
      } catch {
        return { status: "no answer", retryAfter: null, code: undefined };
      }
    };
    return { port, read };
  }

  /** Reads until one is counted in Redis; fails after `withinMs`. */
  async function untilCountedInRedis(read: () => Promise<Answer>, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const before = await countedInRedis(redis!);
      expect((await read()).status).toBe(200);
      if ((await countedInRedis(redis!)) > before) return;
      if (Date.now() > deadline) throw new Error(`calls were not counted in Redis again within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("keeps answering while Redis is killed, and counts in Redis again once it is restarted", async () => {
    const { port, read } = await start();
    expect((await read()).status).toBe(200);
    expect(await countedInRedis(redis!)).toBeGreaterThan(0);

    await redis!.client.destroy();
    process.kill(redis!.child.pid!, "SIGKILL");
    await new Promise((resolve) => redis!.child.once("exit", resolve));
    const during: Answer[] = [];
    for (let n = 0; n < 10; n++) during.push(await read());
    // Counted in the instance's memory meanwhile: the API does not stop.
    expect(during.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(hub!.exited()).toBe(false);

    redis = await startRedis(port);
    await untilCountedInRedis(read, 5000);
    expect(hub!.exited()).toBe(false);
    const ready = (await (await fetch(`${hub!.url}/readyz`)).json()) as Record<string, string>;
    expect(ready.redis).toBe("ok");
  });

  it("answers 503 within the timeout while Redis is stalled, and resumes when it is", async () => {
    const { read } = await start();
    expect((await read()).status).toBe(200);

    process.kill(redis!.child.pid!, "SIGSTOP");
    try {
      const first = await read();
      expect(first).toEqual({ status: 503, retryAfter: "1", code: 2 });
      // The calls after it do not wait on the stalled Redis: they are counted in memory.
      const after: Answer[] = [];
      for (let n = 0; n < 5; n++) after.push(await read());
      expect(after.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      const ready = await fetch(`${hub!.url}/readyz`);
      // Reported, but not a reason to take the instance out of service: the API still answers.
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as Record<string, string>).redis).toContain("rate limits are counted per instance");
    } finally {
      process.kill(redis!.child.pid!, "SIGCONT");
    }
    await untilCountedInRedis(read, 5000);
    expect(hub!.exited()).toBe(false);
  });
});
