import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { adServicesOf, buildAdSet, buildAsset, buildBusiness, buildCampaign, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { openWebhookHub, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { expectError } from "../support/expectError.ts";
import { systemContext } from "../../src/hub/context.ts";
import { PENDING_CHANGE_TTL_MS } from "../../src/hub/guardrails/guardrail.service.ts";

/** A held change and its outcome reach the partner's app as `partner_pending_change` webhooks. */
describe.each(DIALECTS)("partner_pending_change webhooks on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
  let receiver: WebhookReceiver;
  const clock = new TestClock();

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await openWebhookHub(store, webhookTestKey(), clock);
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.close();
    await store.cleanup();
  });

  it("queues one delivery when the change is held and one when the owner decides", async () => {
    const acme = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Agency");
    const appId = (await hub.apps.createApp(agency.admin.ctx, agency.id, "Budget Tool")).id;
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    await buildShare(hub, acme, agency, account.id, "STANDARD");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: agency.admin.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await hub.webhooks.configure(agency.admin.ctx, appId, { object: "ad_account", callbackUrl: receiver.url, verifyToken: receiver.verifyToken, fields: ["partner_pending_change"] });
    await hub.webhooks.subscribe(agency.admin.ctx, { objectId: account.graphId, appId });
    const ads = adServicesOf(hub);
    const campaign = await buildCampaign(ads, acme.admin.ctx, account.graphId);
    const adSet = await buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 });
    await hub.guardrails.set(acme.admin.ctx, { accountId: account.graphId, partnerBusinessId: agency.id, values: { approval_above: 15000 } });

    const held = await expectError(hub.adSets.updateAdSet(agency.admin.ctx, adSet.id, { daily_budget: 20000 }), "CHANGE_NEEDS_APPROVAL");
    expect(held.code).toBe(200);
    const [pending] = await hub.guardrails.listPending(acme.admin.ctx, account.graphId);
    await hub.guardrails.decide(acme.admin.ctx, { accountId: account.graphId, pendingId: pending!.id, approve: true });

    const deliveries = (await hub.webhooks.listDeliveries(agency.admin.ctx, appId, { limit: 10 })).page.items;
    const changes = deliveries.map((d) => (JSON.parse(d.payload) as { entry: { changes: { field: string; value: { status: string; pending_change_id: string } }[] }[] }).entry[0]!.changes[0]!);
    expect(changes.every((c) => c.field === "partner_pending_change" && c.value.pending_change_id === pending!.id)).toBe(true);
    const statuses = changes.map((c) => c.value.status);
    expect(statuses.sort()).toEqual(["approved", "pending"]);
  });

  it("expires a change the owner did not decide in time, once, and tells the partner's app", async () => {
    const acme = await buildBusiness(hub, "Acme 2");
    const agency = await buildBusiness(hub, "Agency 2");
    const appId = (await hub.apps.createApp(agency.admin.ctx, agency.id, "Budget Tool 2")).id;
    const account = await buildAsset(hub, acme, "ad_account", "Acme Second");
    await buildShare(hub, acme, agency, account.id, "STANDARD");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: agency.admin.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await hub.webhooks.configure(agency.admin.ctx, appId, { object: "ad_account", callbackUrl: receiver.url, verifyToken: receiver.verifyToken, fields: ["partner_pending_change"] });
    await hub.webhooks.subscribe(agency.admin.ctx, { objectId: account.graphId, appId });
    const ads = adServicesOf(hub);
    const campaign = await buildCampaign(ads, acme.admin.ctx, account.graphId);
    const adSet = await buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 });
    const other = await buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 });
    await hub.guardrails.set(acme.admin.ctx, { accountId: account.graphId, partnerBusinessId: agency.id, values: { approval_above: 15000, max_daily_new_spend: 100000 } });
    await expectError(hub.adSets.updateAdSet(agency.admin.ctx, adSet.id, { daily_budget: 20000 }), "CHANGE_NEEDS_APPROVAL");
    await hub.adSets.updateAdSet(agency.admin.ctx, other.id, { daily_budget: 12000 });
    const [pending] = await hub.guardrails.listPending(acme.admin.ctx, account.graphId);
    const spend = () => hub.store.db.selectFrom("partner_new_spend").select(["object_id", "amount"]).where("account_id", "=", account.id).execute();
    // The raise counts as new spend; the held change does not.
    expect((await spend()).map((s) => [s.object_id, Number(s.amount)])).toEqual([[other.id, 2000]]);

    // Not yet due: nothing happens.
    clock.t += PENDING_CHANGE_TTL_MS - 1000;
    expect(await hub.guardrails.expireDue(systemContext())).toBe(false);
    expect((await hub.guardrails.listPending(acme.admin.ctx, account.graphId)).map((p) => p.id)).toEqual([pending!.id]);
    clock.t += 1000;
    expect(await hub.guardrails.expireDue(systemContext())).toBe(false);
    expect(await hub.guardrails.expireDue(systemContext())).toBe(false);
    const expired = await hub.guardrails.listPending(agency.admin.ctx, account.graphId, ["expired"]);
    expect(expired.map((p) => [p.id, p.status, p.decided_by])).toEqual([[pending!.id, "expired", "system"]]);
    await expectError(hub.guardrails.decide(acme.admin.ctx, { accountId: account.graphId, pendingId: pending!.id, approve: true }), "NOT_PENDING");
    expect((await hub.adSets.getAdSet(acme.admin.ctx, adSet.id)).daily_budget).toBe("10000");

    const deliveries = (await hub.webhooks.listDeliveries(agency.admin.ctx, appId, { limit: 10 })).page.items;
    const statuses = deliveries.map((d) => (JSON.parse(d.payload) as { entry: { changes: { value: { status: string; pending_change_id: string } }[] }[] }).entry[0]!.changes[0]!.value);
    expect(statuses.filter((v) => v.pending_change_id === pending!.id).map((v) => v.status).sort()).toEqual(["expired", "pending"]);
    const audit = await hub.store.db.selectFrom("audit_entries").select(["action", "target_id"]).where("action", "=", "guardrails.expire").execute();
    expect(audit.map((a) => a.target_id)).toEqual([adSet.id]);
    // New spend older than a day is forgotten by the same sweep.
    expect(await spend()).toEqual([]);
  });
});
