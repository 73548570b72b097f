import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SecurityAlertService } from "../../src/hub/alerts/securityAlert.service.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { operatorContext, type RequestContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { NotificationDispatcher } from "../../src/notify/notificationDispatcher.ts";
import { verifyGrantlineWebhook } from "../../src/notify/webhookChannel.ts";
import { adServicesOf, buildAdTree, buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { openNotifyHub } from "../notify/notifyHub.ts";

interface ReceivedAlert {
  kind: string;
  severity: string;
  title: string;
  body: string;
  fields: { name: string; value: string }[];
  audit_entries: number[];
  link: string | null;
}

const SETTINGS = { deniedBurst: 3, deniedWindowMs: 10 * 60_000, spendChangePercent: 50, publicUrl: "https://grantline.example" };

describe.each(DIALECTS)("security alerts on %s", (dialect) => {
  let store: TestStore;
  let key: Buffer;
  let clock: TestClock;
  let hub: Grantline;
  let receiver: WebhookReceiver;
  let signingSecret: string;
  let acme: TestBusiness;
  let agency: TestBusiness;
  let security: SecurityAlertService;
  const hubs: Grantline[] = [];

  /** Runs the poller and the dispatcher, and returns every alert the owner's webhook received so far, verified. */
  let verified = 0;
  const received = async (): Promise<ReceivedAlert[]> => {
    await security.drain();
    await new NotificationDispatcher(hub.notifications).runOnce(clock.now());
    // Each delivery is checked as its receiver would on arrival: signature and timestamp.
    for (const request of receiver.deliveries.slice(verified)) {
      const headers = { signature: request.headers["x-grantline-signature"] as string, timestamp: request.headers["x-grantline-timestamp"] as string };
      expect(verifyGrantlineWebhook(signingSecret, request.raw, headers, clock.now())).toBe(true);
    }
    verified = receiver.deliveries.length;
    const alerts = receiver.deliveries.flatMap((request) => (JSON.parse(request.raw.toString()) as { alerts: ReceivedAlert[] }).alerts);
    // Deliveries are sent concurrently; order them by the audit entry they rest on.
    return alerts.sort((a, b) => Math.max(...a.audit_entries) - Math.max(...b.audit_entries));
  };

  const field = (alert: ReceivedAlert, name: string) => alert.fields.find((f) => f.name === name)?.value;

  /** The audit entries an alert cites, as stored. */
  const evidence = (alert: ReceivedAlert) =>
    hub.store.db.selectFrom("audit_entries").select(["seq", "action", "outcome"]).where("seq", "in", alert.audit_entries).orderBy("seq").execute();

  beforeEach(async () => {
    store = makeTestStore(dialect);
    key = webhookTestKey();
    clock = new TestClock();
    receiver = await new WebhookReceiver().start();
    verified = 0;
    hub = await openNotifyHub(store, key, clock);
    hubs.push(hub);
    acme = await buildBusiness(hub, "Acme Outdoor");
    agency = await buildBusiness(hub, "Northwind Agency");
    const channel = await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "webhook", url: receiver.url });
    signingSecret = channel.signingSecret!;
    security = new SecurityAlertService(hub, SETTINGS);
  });

  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
    await receiver.close();
    await store.cleanup();
  });

  it("raises nothing for a clean world: the owner's own work, read-only apps, a refusal or two", async () => {
    const ads = adServicesOf(hub);
    const tree = await buildAdTree(hub, ads, acme);
    const analyst = await buildMember(hub, acme, "EMPLOYEE", "Ann Analyst");
    await hub.assignments.assign(acme.admin.ctx, { assetId: tree.account.id, principalId: analyst.id, tasks: ["ANALYZE", "AA_ANALYZE"] });
    // The owner's admin may triple a budget and lift the cap: that is their own money.
    await ads.adSets.updateAdSet(acme.admin.ctx, tree.adSet.id, { daily_budget: 15000 });
    await hub.assets.updateAdAccount(acme.admin.ctx, tree.account.id, { spendCap: 100_000 });
    await hub.assets.updateAdAccount(acme.admin.ctx, tree.account.id, { spendCap: 0 });
    const app = await hub.apps.createApp(agency.admin.ctx, agency.id, "Report Builder");
    await hub.apps.grant(acme.admin.ctx, { appId: app.id, scopes: ["ads_read"], assetIds: [tree.account.id] });
    // An offer that is still pending adds nobody.
    await hub.partners.offer(acme.admin.ctx, { assetId: tree.account.id, partnerBusinessId: agency.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    for (let i = 0; i < SETTINGS.deniedBurst - 1; i++) {
      await ads.adSets.updateAdSet(analyst.ctx, tree.adSet.id, { daily_budget: 1 }).catch(() => undefined);
    }
    const run = await security.drain();
    expect(run.processed).toBeGreaterThan(10);
    expect(run.raised).toBe(0);
    expect(await received()).toEqual([]);
    expect(await hub.store.db.selectFrom("notification_alerts").selectAll().execute()).toEqual([]);
  });

  it("reports a new partner, from an accepted offer and from an approved request", async () => {
    const main = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const page = await buildAsset(hub, acme, "page", "Acme Page");
    await buildShare(hub, acme, agency, main.id, "STANDARD");
    await hub.partners.acceptOrRequest(agency.admin.ctx, { partnerBusinessId: agency.id, assetId: page.id, tasks: presetTasks("page", "VIEW_ONLY") });
    await hub.partners.offer(acme.admin.ctx, { assetId: page.id, partnerBusinessId: agency.id, tasks: presetTasks("page", "VIEW_ONLY") });

    const alerts = await received();
    expect(alerts.map((a) => [a.kind, a.title])).toEqual([
      ["partner_added", "New partner Northwind Agency on Acme Main"],
      ["partner_added", "New partner Northwind Agency on Acme Page"],
    ]);
    const [accepted, approved] = alerts as [ReceivedAlert, ReceivedAlert];
    expect(accepted.body).toContain("with write tasks");
    expect(field(accepted, "Partner")).toBe(`Northwind Agency (Business ID ${agency.id})`);
    expect(field(accepted, "Asset")).toBe(`Acme Main (act_${main.id})`);
    expect(field(accepted, "By")).toContain("Northwind Agency Admin");
    expect(approved.body).toContain("with read-only tasks");
    expect(field(approved, "By")).toContain("Acme Outdoor Admin");
    expect(accepted.link).toBe(`https://grantline.example/v24.0/${acme.id}/alerts`);
    expect((await evidence(accepted)).map((e) => e.action)).toEqual(["share.accept"]);
    expect((await evidence(approved)).map((e) => e.action)).toEqual(["share.approve"]);
  });

  it("fits alerts about very long names into the notifier's limits", async () => {
    const longName = `Northwind ${"Very Long Agency Name ".repeat(8)}`.slice(0, 180);
    const long = await buildBusiness(hub, longName);
    const main = await buildAsset(hub, acme, "ad_account", `Acme ${"Main ".repeat(38)}`.slice(0, 190));
    await buildShare(hub, acme, long, main.id, "VIEW_ONLY");
    const [alert] = await received();
    expect(alert!.kind).toBe("partner_added");
    expect(alert!.title.length).toBeLessThanOrEqual(150);
    expect(alert!.title.endsWith("…")).toBe(true);
    expect(field(alert!, "Partner")).toBe(`${longName} (Business ID ${long.id})`);
  });

  it("reports a share raised to write access, not one lowered or changed within read", async () => {
    const main = await buildAsset(hub, acme, "ad_account", "Acme Main");
    await buildShare(hub, acme, agency, main.id, "ANALYTICS_VIEW");
    const offer = (level: "VIEW_ONLY" | "STANDARD" | "ANALYTICS_VIEW") =>
      hub.partners.offer(acme.admin.ctx, { assetId: main.id, partnerBusinessId: agency.id, tasks: presetTasks("ad_account", level) });
    await offer("VIEW_ONLY");
    await offer("STANDARD");
    await offer("ANALYTICS_VIEW");
    const alerts = (await received()).filter((a) => a.kind === "share_write_access");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.title).toBe("Northwind Agency was given write access to Acme Main");
    expect(alerts[0]!.body).toBe("The partner share on Acme Main gained ADVERTISE, DRAFT.");
    expect(field(alerts[0]!, "Tasks before")).toBe("ANALYZE, AA_ANALYZE");
    expect((await evidence(alerts[0]!)).map((e) => e.action)).toEqual(["share.change_tasks"]);
  });

  it("reports write scopes granted to apps, critically when the app's business is unverified", async () => {
    const main = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const toolmaker = await buildBusiness(hub, "Toolmaker");
    const verified = await buildBusiness(hub, "Verified Tools");
    await hub.businesses.updateBusiness(operatorContext(), verified.id, { verificationStatus: "verified" });
    const sketchy = await hub.apps.createApp(toolmaker.admin.ctx, toolmaker.id, "Sketchy Optimizer");
    const trusted = await hub.apps.createApp(verified.admin.ctx, verified.id, "Trusted Reports");
    const grant = async (appId: string, scopes: string[]) => {
      await hub.apps.grant(acme.admin.ctx, { appId, scopes, assetIds: [main.id] });
      clock.t += 60_000;
    };
    await grant(sketchy.id, ["ads_read", "ads_management"]);
    // Read first, then raised to write: the raise is what counts.
    await grant(trusted.id, ["ads_read"]);
    await grant(trusted.id, ["ads_read", "ads_management"]);
    // The same write scope again adds nothing new.
    await grant(trusted.id, ["ads_management"]);

    const alerts = await received();
    expect(alerts.map((a) => [a.kind, a.severity, a.title])).toEqual([
      ["unverified_app_write", "critical", "Unverified app Sketchy Optimizer was granted write scopes"],
      ["app_write_access", "warning", "App Trusted Reports was granted write access"],
    ]);
    expect(field(alerts[0]!, "App business")).toBe("Toolmaker (not_verified)");
    expect(field(alerts[0]!, "Write scopes gained")).toBe("ads_management");
    expect(field(alerts[0]!, "Assets")).toBe(`Acme Main (act_${main.id})`);
    expect((await evidence(alerts[1]!)).map((e) => e.action)).toEqual(["app.grant"]);
  });

  it("raises nothing when a person connects the hub's own verified app with write scopes; the hub's own app unverified, and another business's verified app, still raise theirs", async () => {
    const main = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const ownApp = async (name: string, verified: boolean) => {
      const business = await buildBusiness(hub, `${name} Co`);
      if (verified) await hub.businesses.updateBusiness(operatorContext(), business.id, { verificationStatus: "verified" });
      const { app } = await hub.appRegistry.register(operatorContext(), { businessId: business.id, name, redirectUris: ["https://hub.example/cb"], scopes: ["ads_read", "ads_management"], firstParty: true });
      if (verified) await hub.appRegistry.setReviewStatus(operatorContext(), app.id, "verified");
      return app;
    };
    const autopilot = await ownApp("Autopilot", true);
    const unreviewed = await ownApp("Half Registered", false);
    const vendor = await buildBusiness(hub, "Verified Tools");
    await hub.businesses.updateBusiness(operatorContext(), vendor.id, { verificationStatus: "verified" });
    const { app: thirdParty } = await hub.appRegistry.register(vendor.admin.ctx, { businessId: vendor.id, name: "Trusted Reports", redirectUris: ["https://tools.example/cb"] });
    await hub.appRegistry.setReviewStatus(operatorContext(), thirdParty.id, "verified");
    for (const app of [autopilot, unreviewed, thirdParty]) {
      await hub.apps.grant(acme.admin.ctx, { appId: app.id, scopes: ["ads_read", "ads_management"], assetIds: [main.id] });
      clock.t += 60_000;
    }

    const alerts = await received();
    expect(alerts.map((a) => [a.kind, a.severity, field(a, "App")])).toEqual([
      ["unverified_app_write", "critical", `Half Registered (App ID ${unreviewed.id})`],
      ["app_write_access", "warning", `Trusted Reports (App ID ${thirdParty.id})`],
    ]);
    // The grant of the hub's own app is on record all the same.
    const grants = await hub.store.db.selectFrom("audit_entries").select("target_id").where("action", "=", "app.grant").where("outcome", "=", "success").execute();
    expect(grants.map((g) => g.target_id)).toContain(autopilot.id);
  });

  it("reports a spend raise made through the hub's own verified app, as through any app", async () => {
    const verified = await buildBusiness(hub, "Autopilot");
    await hub.businesses.updateBusiness(operatorContext(), verified.id, { verificationStatus: "verified" });
    const { app } = await hub.appRegistry.register(operatorContext(), { businessId: verified.id, name: "Autopilot", redirectUris: ["https://hub.example/cb"], scopes: ["ads_read", "ads_management"], firstParty: true });
    await hub.appRegistry.setReviewStatus(operatorContext(), app.id, "verified");
    const ads = adServicesOf(hub);
    const tree = await buildAdTree(hub, ads, acme);
    await ads.adSets.updateAdSet(acme.admin.ctx, tree.adSet.id, { daily_budget: 10_000 });
    const grant = await hub.apps.grant(acme.admin.ctx, { appId: app.id, scopes: ["ads_read", "ads_management"], assetIds: [tree.account.id] });
    const viaApp: RequestContext = { ...acme.admin.ctx, appId: app.id, scopes: new Set(["ads_read", "ads_management"]), grantId: grant.id };
    await ads.adSets.updateAdSet(viaApp, tree.adSet.id, { daily_budget: 30_000 }); // +200%

    const alerts = await received();
    expect(alerts.map((a) => [a.kind, a.severity, a.title])).toEqual([
      ["spend_change", "warning", `An app raised spend on ad set ${tree.adSet.name} (${tree.adSet.id}) in ${tree.account.name} (act_${tree.account.id}) (+200%)`],
    ]);
    expect(field(alerts[0]!, "Changed by")).toContain(`through app ${app.id}`);
  });

  it("reports a burst of refused requests once, with the refusals as evidence", async () => {
    const ads = adServicesOf(hub);
    const tree = await buildAdTree(hub, ads, acme);
    const intruder = await buildMember(hub, acme, "EMPLOYEE", "Ivan Intruder");
    const refused = () => ads.adSets.updateAdSet(intruder.ctx, tree.adSet.id, { daily_budget: 99_999 }).catch(() => undefined);
    for (let i = 0; i < 5; i++) {
      await refused();
      clock.t += 60_000;
    }
    let alerts = await received();
    expect(alerts.map((a) => a.kind)).toEqual(["denied_burst"]);
    expect(alerts[0]!.title).toBe("Ivan Intruder was refused 3 times in 10 min");
    const cited = await evidence(alerts[0]!);
    expect(cited).toHaveLength(3);
    expect(cited.every((e) => e.outcome === "denied" && e.action === "adset.update")).toBe(true);
    // Refusals spread out over more than the window are not a burst.
    clock.t += 60 * 60_000;
    for (let i = 0; i < 4; i++) {
      await refused();
      clock.t += 6 * 60_000;
    }
    alerts = await received();
    expect(alerts).toHaveLength(1);
  });

  it("reports a spend raise over the threshold by a partner or through an app, not by the owner", async () => {
    const ads = adServicesOf(hub);
    const tree = await buildAdTree(hub, ads, acme);
    await buildShare(hub, acme, agency, tree.account.id, "STANDARD");
    const buyer = await buildMember(hub, agency, "EMPLOYEE", "Bea Buyer");
    await hub.assignments.assign(agency.admin.ctx, { businessId: agency.id, assetId: tree.account.id, principalId: buyer.id, tasks: ["ADVERTISE", "ANALYZE", "AA_ANALYZE"] });
    await ads.adSets.updateAdSet(buyer.ctx, tree.adSet.id, { daily_budget: 5500 }); // +10%: under the threshold
    await ads.adSets.updateAdSet(buyer.ctx, tree.adSet.id, { daily_budget: 11000 }); // +100%
    await ads.adSets.updateAdSet(acme.admin.ctx, tree.adSet.id, { daily_budget: 50000 }); // the owner's own
    const app = await hub.apps.createApp(agency.admin.ctx, agency.id, "Bid Bot");
    const grant = await hub.apps.grant(acme.admin.ctx, { appId: app.id, scopes: ["ads_management"], assetIds: [tree.account.id] });
    const viaApp: RequestContext = { ...acme.admin.ctx, appId: app.id, scopes: new Set(["ads_management"]), grantId: grant.id };
    await ads.campaigns.updateCampaign(viaApp, tree.campaign.id, { name: "Renamed by the bot" });
    await ads.adSets.updateAdSet(viaApp, tree.adSet.id, { daily_budget: 80000 }); // +60%

    const alerts = (await received()).filter((a) => a.kind === "spend_change");
    expect(alerts.map((a) => a.title)).toEqual([
      `A partner raised spend on ad set ${tree.adSet.name} (${tree.adSet.id}) in ${tree.account.name} (act_${tree.account.id}) (+100%)`,
      `An app raised spend on ad set ${tree.adSet.name} (${tree.adSet.id}) in ${tree.account.name} (act_${tree.account.id}) (+60%)`,
    ]);
    expect(field(alerts[0]!, "Daily budget")).toBe("55.00 → 110.00 (+100%)");
    expect(field(alerts[0]!, "Changed by")).toContain("Bea Buyer");
    expect(field(alerts[0]!, "Changed by")).toContain("Northwind Agency");
    expect(field(alerts[1]!, "Changed by")).toContain(`through app ${app.id}`);
    expect((await evidence(alerts[1]!)).map((e) => e.action)).toEqual(["adset.update"]);
  });

  it("judges each audit entry once with several instances polling the same store", async () => {
    const other = await openNotifyHub(store, key, clock);
    hubs.push(other);
    const second = new SecurityAlertService(other, { ...SETTINGS, batchSize: 3 });
    security = new SecurityAlertService(hub, { ...SETTINGS, batchSize: 3 });
    for (const name of ["A", "B", "C", "D"]) {
      const asset = await buildAsset(hub, acme, "ad_account", `Account ${name}`);
      await buildShare(hub, acme, agency, asset.id, "VIEW_ONLY");
    }
    // On PostgreSQL the two run at once and the cursor's row lock orders them. Two SQLite instances
    // in one process cannot: the driver is synchronous, so one waiting for the write lock would
    // block the other's event loop; there they take turns, as separate processes would.
    for (let i = 0; i < 6; i++) {
      if (dialect === "postgres") await Promise.all([security.runOnce(), second.runOnce()]);
      else {
        await security.runOnce();
        await second.runOnce();
      }
    }
    const rows = await hub.store.db.selectFrom("notification_alerts").select("title").execute();
    expect(rows.map((r) => r.title).sort()).toEqual(["A", "B", "C", "D"].map((n) => `New partner Northwind Agency on Account ${n}`));
    const alerts = await received();
    expect(alerts).toHaveLength(4);
  });
});
