import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { WebhookDispatcher } from "../../src/hub/webhooks/webhookDispatcher.ts";
import { adServicesOf, buildAd, buildAdSet, buildBusiness, buildCampaign, buildCreative, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { openWebhookHub, receiverAcceptsSignature, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";

describe.each(DIALECTS)("ad review events reach subscribed apps on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await openWebhookHub(store, webhookTestKey(), new TestClock());
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await receiver.close();
    await hub.close();
    await store.cleanup();
  });

  it("sends a signed with_issues_ad_objects delivery when review disapproves an ad, and nothing when it approves", async () => {
    const acme = await buildBusiness(hub, "Acme");
    const toolmaker = await buildBusiness(hub, "Toolmaker");
    const account = await hub.assets.createAsset(acme.admin.ctx, acme.id, { type: "ad_account", name: "Main" });
    await buildShare(hub, acme, toolmaker, account.id, "STANDARD");
    await hub.assignments.assign(toolmaker.admin.ctx, { assetId: account.id, principalId: toolmaker.admin.id, tasks: ["ANALYZE"] });
    const app = await hub.apps.createApp(toolmaker.admin.ctx, toolmaker.id, "Watcher");
    const { signingSecret } = await hub.webhooks.configure(toolmaker.admin.ctx, app.id, {
      object: "ad_account",
      callbackUrl: receiver.url,
      verifyToken: receiver.verifyToken,
      fields: ["with_issues_ad_objects"],
    });
    await hub.webhooks.subscribe(toolmaker.admin.ctx, { objectId: account.graphId, appId: app.id });

    const ads = adServicesOf(hub);
    const campaign = await buildCampaign(ads, acme.admin.ctx, account.graphId, { status: "ACTIVE" });
    const adSet = await buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id, { status: "ACTIVE" });
    const creative = await buildCreative(ads, acme.admin.ctx, account.graphId);
    const ad = await buildAd(ads, acme.admin.ctx, account.graphId, adSet.id, creative.id, { status: "ACTIVE" });

    await hub.ads.setReviewStatus(systemContext(), ad.id, { review_status: "PENDING_REVIEW" });
    await hub.ads.setReviewStatus(systemContext(), ad.id, { review_status: "DISAPPROVED", feedback: "Misleading claims" });
    const dispatcher = new WebhookDispatcher(hub.webhooks);
    expect((await dispatcher.runOnce()).delivered).toBe(1);
    const [delivery] = receiver.deliveries;
    expect(receiverAcceptsSignature(delivery!, signingSecret!)).toBe(true);
    const body = JSON.parse(delivery!.raw.toString("utf8"));
    expect(body).toMatchObject({
      object: "ad_account",
      entry: [{ id: account.id, changes: [{ field: "with_issues_ad_objects", value: { id: ad.id, level: "AD", effective_status: "DISAPPROVED" } }] }],
    });
    await hub.ads.setReviewStatus(systemContext(), ad.id, { review_status: "APPROVED" });
    expect((await dispatcher.runOnce()).claimed).toBe(0);
  });
});
