import crypto from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { CALLBACK_PATH } from "../../src/autopilot/app/connect.service.ts";
import { ensureAutopilotApp } from "../../src/autopilot/app/registration.ts";
import { DEMO_PASSWORD, seedDemoWorld, type DemoWorld } from "../../src/demo/demoWorld.ts";
import { SecurityAlertService } from "../../src/hub/alerts/securityAlert.service.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildServer, listeningUrl } from "../../src/http/server.ts";
import { Browser } from "../auth/browser.ts";
import { connect, follow } from "../oauth/oauthWorld.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/**
 * The demo's world with Autopilot registered as `grantline demo` registers it, connected by the
 * advertiser's admin to Acme Main through the consent page: what the consent page, the access review
 * and the security alerts then say about the hub's own app.
 */
describe.each(DIALECTS)("the demo's own Autopilot app (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: FastifyInstance;
  let url: string;
  let demo: DemoWorld;
  let clientId: string;
  let consentPage: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), now: () => Date.now() });
    server = await buildServer(hub, { logLevel: "silent", autopilot: { autopilot, host: hostFromHub(hub) } });
    await server.listen({ host: "127.0.0.1", port: 0 });
    url = listeningUrl(server);
    autopilot.deps.http.trust(url);
    demo = await seedDemoWorld(hub, "http://127.0.0.1:9");
    clientId = (await ensureAutopilotApp(hub, autopilot, url)).client.client_id;

    const browser = new Browser(url);
    expect((await browser.post("/auth/login", { email: "alice@acme.example", password: DEMO_PASSWORD })).status).toBe(200);
    const auth = { authorization: `Bearer ${(await browser.get("/auth/session")).body.access_token as string}` };
    const workspace = await browser.post(`/autopilot/businesses/${demo.advertiser.id}/workspaces`, { name: "Acme" }, auth);
    const started = await browser.post(`/autopilot/workspaces/${workspace.body.id as string}/connect`, { return_to: `/console/b/${demo.advertiser.id}/autopilot` }, auth);
    const authorizationUrl = started.body.authorization_url as string;
    consentPage = (await follow(browser, authorizationUrl, CALLBACK_PATH)).response.text;
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    const result = await connect(browser, authorizationUrl, { email: "alice@acme.example", password: DEMO_PASSWORD, assets: [account.id], callbackPath: CALLBACK_PATH });
    expect((await browser.get(result.callback!.toString())).headers.get("location")).toBe(`/console/b/${demo.advertiser.id}/autopilot?connected=act_${account.id}`);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const alice = () => principalContext("person", demo.people.find((p) => p.email === "alice@acme.example")!.id);

  it("shows Autopilot as a verified partner on the consent page", () => {
    expect(consentPage).toContain("Verified partner");
    expect(consentPage).not.toContain("Not verified");
    expect(consentPage).not.toContain("has not reviewed");
  });

  it("lists Autopilot's grant once in the access review, as outside access the admin can remove, and raises nothing else against it", async () => {
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    const report = await hub.review.findings(alice(), demo.advertiser.id);
    const againstAutopilot = report.findings.filter((f) => f.principal?.id === clientId);
    expect(againstAutopilot.map((f) => [f.kind, f.asset?.name, f.path, f.fix.action])).toEqual([
      ["external", account.name, "Alice Advertiser connected the app Autopilot (of Autopilot) to Acme Main with ads_read, ads_management", "remove_app"],
    ]);
  });

  it("raises no security alert for connecting it; the demo's partner shares still raise theirs", async () => {
    await new SecurityAlertService(hub, { deniedBurst: 10, deniedWindowMs: 10 * 60_000, spendChangePercent: 50 }).drain();
    const alerts = await hub.notifications.listAlerts(alice(), demo.advertiser.id, 100);
    expect(alerts.map((a) => [a.kind, a.severity, a.title]).sort()).toEqual([
      ["partner_added", "warning", "New partner Northwind Media on Acme Main"],
      ["partner_added", "warning", "New partner Northwind Media on Acme Outdoor"],
    ]);
  });
});
