import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { adServicesOf, buildAdSet, buildAsset, buildBusiness, buildCampaign, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { openWebhookHub, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { expectError } from "../support/expectError.ts";

/** A held change and its outcome reach the partner's app as `partner_pending_change` webhooks. */
describe.each(DIALECTS)("partner_pending_change webhooks on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await openWebhookHub(store, webhookTestKey(), new TestClock());
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
});
