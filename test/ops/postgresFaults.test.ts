import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dropPostgresSchema } from "../../src/store/database.ts";
import { runGrantline } from "../support/cli.ts";
import { startHubProcess, startTcpProxy, type HubProcess } from "../support/hubProcess.ts";

const databaseUrl = process.env.DATABASE_URL;

/** The URL with one query parameter set (node-postgres reads `application_name` from it). */
function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

interface Answer {
  status: number | "no answer";
  retryAfter: string | null;
  code: number | undefined;
}

/**
 * PostgreSQL going away under a running hub: its connections ended by the server (an
 * administrator, a restart, a proxy dropping idle connections) or the server unreachable. The hub
 * never exits; requests meanwhile get Graph's "temporarily unavailable" (code 2, HTTP 503, with
 * retry-after), never a hang; and it serves again by itself once the server is back.
 *
 * Only the hub's own connections are touched: they carry an application_name of their own, and
 * only backends with that name are terminated. The shared server is never stopped.
 */
describe.runIf(databaseUrl)("grantline serve when PostgreSQL fails", () => {
  let schema: string;
  let appName: string;
  let dataDir: string;
  let admin: pg.Client;
  let hub: HubProcess | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    const suffix = crypto.randomBytes(5).toString("hex");
    schema = `ops_${suffix}`;
    appName = `grantline_ops_${suffix}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-ops-"));
    admin = new pg.Client({ connectionString: withParam(databaseUrl!, "application_name", `${appName}_test`) });
    await admin.connect();
  });
  afterEach(async () => {
    await hub?.kill();
    hub = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await admin.end();
    await dropPostgresSchema(databaseUrl!, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const hubEnv = (url: string) => ({
    DATABASE_URL: withParam(url, "application_name", appName),
    DATABASE_SCHEMA: schema,
    GRANTLINE_DATA_DIR: dataDir,
    GRANTLINE_DB_QUERY_TIMEOUT_MS: "2000",
    GRANTLINE_DB_CONNECT_TIMEOUT_MS: "1000",
    GRANTLINE_AUTOPILOT_SCHEDULE: "off",
  });

  /** A business with a token, made with the CLI on the hub's store. */
  async function bootstrap(env: Record<string, string>) {
    const { stdout } = await runGrantline(env, "bootstrap", "--business-name", "Acme", "--json");
    return JSON.parse(stdout) as { business_id: string; access_token: string };
  }

  /** One write through the Graph (it always reaches the store); a request with no answer within 10 s counts as a hang. */
  async function write(url: string, owner: { business_id: string; access_token: string }, n: number): Promise<Answer> {
    try {
      const response = await fetch(`${url}/v24.0/${owner.business_id}/adaccount`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${owner.access_token}` },
        body: JSON.stringify({ name: `Account ${n}`, currency: "USD", timezone_id: 1 }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { error?: { code: number } };
      return { status: response.status, retryAfter: response.headers.get("retry-after"), code: body.error?.code };
    } catch {
      return { status: "no answer", retryAfter: null, code: undefined };
    }
  }

  /** Writes until one succeeds; fails after `withinMs`. */
  async function untilServing(url: string, owner: { business_id: string; access_token: string }, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let n = 0; ; n++) {
      if ((await write(url, owner, 10_000 + n)).status === 200) return;
      if (Date.now() > deadline) throw new Error(`the hub did not serve again within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const expectUnavailable = (answers: Answer[]) => {
    for (const answer of answers) {
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.code).toBe(2);
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      }
    }
  };

  it("survives its connections being terminated mid-load, and serves again by itself", async () => {
    const env = hubEnv(databaseUrl!);
    const owner = await bootstrap(env);
    hub = await startHubProcess(env);
    const url = hub.url;

    let terminating = true;
    let terminated = 0;
    const killer = (async () => {
      while (terminating) {
        const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [appName]);
        terminated += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const answers: Answer[] = [];
    const workers = Array.from({ length: 4 }, async (_, worker) => {
      for (let n = 0; n < 25; n++) answers.push(await write(url, owner, worker * 100 + n));
    });
    await Promise.all(workers);
    terminating = false;
    await killer;

    expect(terminated).toBeGreaterThan(0);
    expect(hub.exited(), hub.stderr()).toBe(false);
    expectUnavailable(answers);
    await untilServing(url, owner, 5000);
    expect(hub.stderr()).not.toContain("Unhandled");
  });

  it("answers 503 while PostgreSQL cannot be reached, and serves again within seconds of its return", async () => {
    const target = new URL(databaseUrl!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const proxied = new URL(databaseUrl!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const env = hubEnv(proxied.toString());
    const owner = await bootstrap(env);
    hub = await startHubProcess(env);
    expect((await write(hub.url, owner, 1)).status).toBe(200);

    proxy.cut();
    const during: Answer[] = [];
    for (let n = 0; n < 5; n++) during.push(await write(hub.url, owner, 100 + n));
    expect(during.map((answer) => answer.status)).toEqual([503, 503, 503, 503, 503]);
    expectUnavailable(during);
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "not_ready", store: expect.stringContaining("store unavailable") });
    // Liveness is not readiness: the process is fine, only its store is away.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);

    proxy.restore();
    await untilServing(hub.url, owner, 5000);
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
    expect(hub.exited()).toBe(false);
  });
});
