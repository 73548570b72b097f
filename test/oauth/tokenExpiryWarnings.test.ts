import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { systemContext } from "../../src/hub/context.ts";
import { WebhookDispatcher } from "../../src/hub/webhooks/webhookDispatcher.ts";
import { NotificationDispatcher } from "../../src/notify/notificationDispatcher.ts";
import { AppAccessService } from "../../src/hub/apps/appAccess.service.ts";
import { DEFAULT_WARNING_LEADS_MS } from "../../src/oauth/tokenExpiry.ts";
import { buildBusiness, buildMember, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { openWebhookHub, receiverAcceptsSignature, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { expectError } from "../support/expectError.ts";

const DAY = 24 * 3600 * 1000;

/** System-user token expiry warnings: a business webhook and an alert, once per lead time, whoever runs the sweep. */
describe.each(DIALECTS)("system user token expiry warnings (%s)", (dialect) => {
  let store: TestStore;
  let key: Buffer;
  let clock: TestClock;
  const hubs: Grantline[] = [];
  let hub: Grantline;
  let hooks: WebhookReceiver;
  let alerts: WebhookReceiver;
  let acme: TestBusiness;
  let appId: string;
  let signingSecret: string;

  const open = async () => {
    const opened = await openWebhookHub(store, key, clock);
    hubs.push(opened);
    return opened;
  };
  const warn = (on: Grantline = hub) => new AppAccessService(on).warnExpiringSystemUserTokens(systemContext(), DEFAULT_WARNING_LEADS_MS);
  const deliver = async () => {
    await new WebhookDispatcher(hub.webhooks).runOnce(clock.now());
    await new NotificationDispatcher(hub.notifications).runOnce(clock.now());
  };
  const bodies = () => hooks.deliveries.map((d) => JSON.parse(d.raw.toString("utf8")) as { object: string; entry: { id: string; time: number; changes: { field: string; value: Record<string, unknown> }[] }[] });

  beforeEach(async () => {
    store = makeTestStore(dialect);
    key = webhookTestKey();
    clock = new TestClock();
    hub = await open();
    hooks = await new WebhookReceiver().start();
    alerts = await new WebhookReceiver().start();
    acme = await buildBusiness(hub, "Acme");
    // Acme's own monitoring app hears of Acme's business events.
    appId = (await hub.appRegistry.register(acme.admin.ctx, { businessId: acme.id, name: "Token Watch", redirectUris: ["https://watch.example/cb"] })).app.id;
    signingSecret = (await hub.webhooks.configure(acme.admin.ctx, appId, { object: "business", callbackUrl: hooks.url, verifyToken: hooks.verifyToken, fields: ["system_user_token_expiry"] })).signingSecret!;
    await hub.webhooks.subscribeBusiness(acme.admin.ctx, { businessId: acme.id, appId });
    await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "webhook", name: "Ops", url: alerts.url });
  });
  afterEach(async () => {
    await hooks.close();
    await alerts.close();
    for (const opened of hubs.splice(0)) await opened.close();
    await store.cleanup();
  });

  it("a token 6 days from expiry produces exactly one warning event, and no second one on a rerun or from another instance", async () => {
    const bot = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Reporting bot", role: "EMPLOYEE" });
    const issued = await hub.tokens.issueSystemUserToken(acme.admin.ctx, bot.id, { expiresIn60Days: true });
    const forever = await hub.tokens.issueSystemUserToken(acme.admin.ctx, bot.id, {});

    // 54 days in: not yet inside the 7-day window... at 53.5 days 6.5 are left, inside it.
    clock.advanceDays(50);
    expect(await warn()).toEqual([]);
    clock.advanceDays(4);
    const first = await warn();
    expect(first.map((w) => [w.tokenId, w.leadMs, w.webhooks])).toEqual([[issued.id, 7 * DAY, 1]]);
    await deliver();
    expect(hooks.deliveries).toHaveLength(1);
    expect(receiverAcceptsSignature(hooks.deliveries[0]!, signingSecret)).toBe(true);
    expect(bodies()[0]).toEqual({
      object: "business",
      entry: [
        {
          id: acme.id,
          time: Math.floor(clock.now() / 1000),
          changes: [{ field: "system_user_token_expiry", value: { token_id: issued.id, system_user_id: bot.id, app_id: null, expires_at: Math.floor(issued.expiresAt! / 1000), lead_days: 7 } }],
        },
      ],
    });
    expect(forever.expiresAt).toBeNull();
    // The alert channel got it too.
    expect(alerts.deliveries).toHaveLength(1);
    expect(alerts.deliveries[0]!.raw.toString("utf8")).toContain("Reporting bot");

    // Rerun, and a second instance on the same store (as after a restart): nothing new.
    expect(await warn()).toEqual([]);
    const other = await open();
    expect(await warn(other)).toEqual([]);
    clock.t += 3600_000;
    expect(await warn()).toEqual([]);
    await deliver();
    expect(hooks.deliveries).toHaveLength(1);
    expect(alerts.deliveries).toHaveLength(1);

    // Inside the last day: the 1-day warning, once.
    clock.advanceDays(5.5);
    // On PostgreSQL the two instances race for it at once; SQLite (one writer) takes them in turn.
    const second = dialect === "postgres" ? await Promise.all([warn(other), warn()]) : [await warn(other), await warn()];
    expect(second.flat().map((w) => [w.tokenId, w.leadMs])).toEqual([[issued.id, DAY]]);
    expect(await warn()).toEqual([]);
    await deliver();
    expect(bodies().map((b) => b.entry[0]!.changes[0]!.value.lead_days)).toEqual([7, 1]);
    const audited = await hub.store.db.selectFrom("audit_entries").select("target_id").where("action", "=", "token.expiry_warning").where("outcome", "=", "success").execute();
    expect(audited.map((a) => a.target_id)).toEqual([issued.id, issued.id]);
  });

  it("a token first seen within a day of expiry gets one warning, and revoked tokens none", async () => {
    const bot = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Bot", role: "EMPLOYEE" });
    const late = await hub.tokens.issueSystemUserToken(acme.admin.ctx, bot.id, { expiresIn60Days: true });
    const revoked = await hub.tokens.issueSystemUserToken(acme.admin.ctx, bot.id, { expiresIn60Days: true });
    await hub.tokens.revoke(acme.admin.ctx, revoked.id, acme.id);
    clock.advanceDays(59.5);
    expect((await warn()).map((w) => [w.tokenId, w.leadMs])).toEqual([[late.id, DAY]]);
    expect(await warn()).toEqual([]);
  });

  it("only apps subscribed to the business hear it, and only while their subscriber is an admin there", async () => {
    const globex = await buildBusiness(hub, "Globex");
    const employee = await buildMember(hub, acme, "EMPLOYEE");
    await expectError(hub.webhooks.subscribeBusiness(employee.ctx, { businessId: acme.id, appId }), "PERMISSION_DENIED");
    await expectError(hub.webhooks.subscribeBusiness(globex.admin.ctx, { businessId: acme.id, appId }), "NOT_FOUND");
    const bot = await hub.businesses.createSystemUser(globex.admin.ctx, globex.id, { name: "Globex bot", role: "EMPLOYEE" });
    await hub.tokens.issueSystemUserToken(globex.admin.ctx, bot.id, { expiresIn60Days: true });
    clock.advanceDays(55);
    const warned = await warn();
    expect(warned.map((w) => [w.businessId, w.webhooks])).toEqual([[globex.id, 0]]);
    await deliver();
    expect(hooks.deliveries).toHaveLength(0);
  });
});
