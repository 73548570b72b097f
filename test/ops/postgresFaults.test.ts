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

  // Two ways to meet the outage: in the access check every request starts with (the default), or, when
  // that check is skipped as fresh (a long sync interval), inside the authorization server's own storage.
  it.each([
    ["at the access check", {}],
    ["inside the authorization server", { GRANTLINE_SYNC_INTERVAL_MS: "60000" }],
  ])("answers OAuth's temporarily_unavailable (503, retry-after) on every OAuth endpoint while PostgreSQL cannot be reached (%s), and works again after", async (_where, extraEnv: Record<string, string>) => {
    const target = new URL(databaseUrl!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const proxied = new URL(databaseUrl!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const env = { ...hubEnv(proxied.toString()), ...extraEnv };
    const owner = await bootstrap(env);
    const { stdout } = await runGrantline(env, "apps", "create", "--business", owner.business_id, "--name", "Reporter", "--redirect-uri", "http://127.0.0.1:9/cb", "--scope", "ads_read", "--json");
    const app = JSON.parse(stdout) as { client_id: string; client_secret: string };
    hub = await startHubProcess(env);
    const url = hub.url;
    const basic = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString("base64")}`;
    const tokenRequest = () =>
      fetch(`${url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
        body: new URLSearchParams({ grant_type: "authorization_code", code: "no-such-code", redirect_uri: "http://127.0.0.1:9/cb", code_verifier: "x".repeat(43) }),
        signal: AbortSignal.timeout(10_000),
      });
    const authorizeUrl = `${url}/oauth/authorize?${new URLSearchParams({ client_id: app.client_id, response_type: "code", redirect_uri: "http://127.0.0.1:9/cb", scope: "ads_read", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256", state: "s1" })}`;

    // The store is away before the authorization server was first needed: it is made once the store is back.
    proxy.cut();
    const discovery = await fetch(`${url}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
    expect(discovery.status).toBe(503);
    expect(Number(discovery.headers.get("retry-after"))).toBeGreaterThan(0);
    proxy.restore();
    const deadline = Date.now() + 5000;
    while ((await fetch(`${url}/.well-known/openid-configuration`)).status !== 200) {
      if (Date.now() > deadline) throw new Error("discovery did not answer again within 5 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = await tokenRequest();
    expect(before.status).toBe(400);
    expect(((await before.json()) as { error: string }).error).toBe("invalid_grant");

    proxy.cut();
    // The token endpoint: JSON, RFC 6749's error word, never server_error.
    const token = await tokenRequest();
    expect(token.status).toBe(503);
    expect(Number(token.headers.get("retry-after"))).toBeGreaterThan(0);
    const tokenBody = (await token.json()) as { error: string; error_description: string };
    expect(tokenBody.error).toBe("temporarily_unavailable");
    expect(tokenBody.error_description).toContain("try again");
    expect(JSON.stringify(tokenBody)).not.toMatch(/ECONN|postgres|stack|at \//i);
    // Introspection and revocation likewise.
    for (const endpoint of ["introspect", "revoke"]) {
      const answer = await fetch(`${url}/oauth/${endpoint}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic },
        body: new URLSearchParams({ token: "no-such-token" }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(answer.status, endpoint).toBe(503);
      expect(((await answer.json()) as { error: string }).error, endpoint).toBe("temporarily_unavailable");
    }
    // A person's browser on the authorization endpoint: a page that says so, not a redirect or a stack.
    const page = await fetch(authorizeUrl, { headers: { accept: "text/html" }, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    expect(page.status).toBe(503);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    const html = await page.text();
    expect(html).toContain("Temporarily unavailable");
    expect(html).not.toContain("server_error");
    expect(hub.exited()).toBe(false);

    proxy.restore();
    const after = Date.now() + 5000;
    for (;;) {
      const answer = await tokenRequest();
      if (answer.status === 400) {
        expect(((await answer.json()) as { error: string }).error).toBe("invalid_grant");
        break;
      }
      if (Date.now() > after) throw new Error(`the token endpoint did not answer again within 5 s (last: ${answer.status})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const again = await fetch(authorizeUrl, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toContain("/oauth/interaction/");
  });
});
