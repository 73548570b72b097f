import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { registerAutopilotHostRoutes } from "../../src/app/autopilotHostRoutes.ts";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { registerAutopilotApp } from "../../src/autopilot/app/registration.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness, type BootstrapResult } from "../../src/hub/hub.ts";
import { buildServer, listeningUrl } from "../../src/http/server.ts";
import { runGrantline } from "../support/cli.ts";
import { startHubProcess, type HubProcess } from "../support/hubProcess.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

type Answer = { status: number; body: Record<string, unknown> & { error?: { code: number; message: string } } };

async function call(url: string, method: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

/**
 * `grantline autopilot serve --hub URL`: Autopilot's console routes in a process of their own, on a
 * store of their own, reaching a hub (here listening in the test's process) only over HTTP: the hub
 * authenticates and admits the console's caller, keeps the audit log, and refuses its Autopilot host
 * routes to every token but its own Autopilot app's.
 */
describe.each(DIALECTS)("Autopilot served apart from the hub (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let hubServer: FastifyInstance;
  let hubUrl: string;
  let dataDir: string;
  let autopilotProcess: HubProcess;
  let advertiser: BootstrapResult;
  let stranger: BootstrapResult;
  let hostToken: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    advertiser = await bootstrapBusiness(hub, "Acme Outdoor");
    stranger = await bootstrapBusiness(hub, "Stranger Co");
    hubServer = await buildServer(hub, { logLevel: "silent" });
    registerAutopilotHostRoutes(hubServer, hub, hostFromHub(hub));
    await hubServer.listen({ host: "127.0.0.1", port: 0 });
    hubUrl = listeningUrl(hubServer);
    // The hub's operator registers Autopilot as its own app and issues the token it presents.
    await registerAutopilotApp(hub, new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32) }), { hubUrl });
    hostToken = (JSON.parse((await runGrantline(store.env, "autopilot", "host-token", "--json")).stdout) as { access_token: string }).access_token;

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-autopilot-apart-"));
    autopilotProcess = await startHubProcess({ GRANTLINE_DATA_DIR: dataDir, GRANTLINE_AUTOPILOT_HUB_TOKEN: hostToken, GRANTLINE_AUTOPILOT_DAILY_HOUR: "3", GRANTLINE_AUTOPILOT_TIME_ZONE: "UTC" }, [
      "autopilot",
      "serve",
      "--hub",
      hubUrl,
      "--port",
      "0",
    ]);
  }, 120_000);

  afterAll(async () => {
    await autopilotProcess?.kill();
    await hubServer?.close();
    await store?.cleanup();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates a workspace and reads it back, audited in the hub's log as the caller; a stranger is refused", async () => {
    const ap = autopilotProcess.url;
    const created = await call(`${ap}/autopilot/businesses/${advertiser.business_id}/workspaces`, "POST", advertiser.access_token, { name: "Acme, run apart" });
    expect(created).toMatchObject({ status: 200, body: { name: "Acme, run apart", business_id: advertiser.business_id } });
    const workspaceId = String(created.body.id);

    const read = await call(`${ap}/autopilot/workspaces/${workspaceId}`, "GET", advertiser.access_token);
    expect(read).toMatchObject({ status: 200, body: { id: workspaceId, name: "Acme, run apart", business_id: advertiser.business_id } });

    // The entry is in the hub's audit log, as the advertiser's admin, with the request's id.
    const [entry] = await hub.audit.list({ businessId: advertiser.business_id, action: "autopilot.workspace" });
    expect(entry).toMatchObject({ actor_type: "system_user", actor_id: advertiser.system_user_id, target_type: "autopilot", target_id: workspaceId });

    // A stranger to the advertiser: the workspace does not exist, and the business is not theirs to manage.
    const peek = await call(`${ap}/autopilot/workspaces/${workspaceId}`, "GET", stranger.access_token);
    expect(peek.status).toBe(400);
    expect(peek.body.error).toMatchObject({ code: 200, message: "(#200) You cannot manage this Autopilot workspace." });
    const intrude = await call(`${ap}/autopilot/businesses/${advertiser.business_id}/workspaces`, "POST", stranger.access_token, { name: "Not mine" });
    expect(intrude.status).toBe(400);
    expect(intrude.body.error?.code).toBe(100);
    // No token, and a token the hub does not know: the hub's own answers.
    expect((await call(`${ap}/autopilot/workspaces/${workspaceId}`, "GET", undefined)).body.error?.code).toBe(104);
    expect((await call(`${ap}/autopilot/workspaces/${workspaceId}`, "GET", "not-a-token")).body.error?.code).toBe(190);
    expect(await hub.audit.list({ businessId: advertiser.business_id, action: "autopilot.workspace" })).toHaveLength(1);
  });

  it("answers its Autopilot host routes to the hub's own Autopilot app only, writing nothing for anyone else", async () => {
    const entry = { request_id: "r1", action: "autopilot.settings", business_id: stranger.business_id, target_id: "w1", caller_token: stranger.access_token };
    const before = await hub.audit.list({ businessId: stranger.business_id, action: "autopilot.settings" });

    const refused = await call(`${hubUrl}/autopilot_host/audit`, "POST", stranger.access_token, entry);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 200, message: "(#200) Only the hub's own Autopilot app may call the Autopilot host." });
    expect((await call(`${hubUrl}/autopilot_host/audit`, "POST", "not-a-token", entry)).body.error?.code).toBe(190);
    expect((await call(`${hubUrl}/autopilot_host/callers`, "POST", advertiser.access_token, { caller_token: stranger.access_token })).body.error?.code).toBe(200);

    // Even the app writes an entry in someone's name only for a business they manage.
    const forged = await call(`${hubUrl}/autopilot_host/audit`, "POST", hostToken, { ...entry, business_id: advertiser.business_id });
    expect(forged.status).toBe(400);
    expect(await hub.audit.list({ businessId: stranger.business_id, action: "autopilot.settings" })).toEqual(before);
    expect(await hub.audit.list({ businessId: advertiser.business_id, action: "autopilot.settings" })).toEqual([]);

    // The app itself is answered.
    const recorded = await call(`${hubUrl}/autopilot_host/audit`, "POST", hostToken, entry);
    expect(recorded).toEqual({ status: 200, body: { recorded: true } });
    expect(await hub.audit.list({ businessId: stranger.business_id, action: "autopilot.settings" })).toHaveLength(before.length + 1);
  });

  it("answers with the hub's security headers, its routes and unknown paths alike", async () => {
    for (const url of [`${autopilotProcess.url}/autopilot/workspaces/1`, `${autopilotProcess.url}/no/such/path`, `${autopilotProcess.url}/healthz`]) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${advertiser.access_token}` } });
      await response.arrayBuffer();
      expect(response.headers.get("x-frame-options"), url).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), url).toBe("no-referrer");
      expect(response.headers.get("content-security-policy"), url).toContain("frame-ancestors 'none'");
    }
  });

  it("starts its schedule as configured, logs no warning from it, and stops on SIGTERM", async () => {
    const started = autopilotProcess.logLines().find((line) => line.msg === "Autopilot started");
    expect(started).toMatchObject({ autopilot_schedule: { daily_hour: 3, time_zone: "UTC", monitor_minutes: 60 } });
    // A pass runs at start over this store's tables; the workspace made above has no connection, so it
    // runs no job and logs nothing, and a pass that failed would have logged an error.
    expect(autopilotProcess.logLines().filter((line) => line.level !== undefined && Number(line.level) >= 40)).toEqual([]);
    autopilotProcess.signal("SIGTERM");
    expect(await autopilotProcess.exit).toEqual({ code: 0, signal: null });
  });
});
