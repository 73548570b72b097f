import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { WebhookDispatcher } from "../../src/hub/webhooks/webhookDispatcher.ts";
import type { WebhookEvent } from "../../src/hub/webhooks/webhookFields.ts";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "../../src/store/outboxRetry.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { deadUrl, openWebhookHub, receiverAcceptsSignature, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { expectError } from "../support/expectError.ts";


describe.each(DIALECTS)("Graph webhooks on %s", (dialect) => {
  let store: TestStore;
  let key: Buffer;
  let clock: TestClock;
  let hub: Hub;
  const hubs: Hub[] = [];
  let receiver: WebhookReceiver;
  let acme: TestBusiness;
  let toolmaker: TestBusiness;
  let appId: string;
  let accountId: string;

  const open = async () => {
    const opened = await openWebhookHub(store, key, clock);
    hubs.push(opened);
    return opened;
  };

  /** The app's webhook for ad accounts, verified against the receiver; returns the signing secret. */
  const configure = async (fields = ["with_issues_ad_objects", "partner_access"]) => {
    const { signingSecret } = await hub.webhooks.configure(toolmaker.admin.ctx, appId, {
      object: "ad_account",
      callbackUrl: receiver.url,
      verifyToken: receiver.verifyToken,
      fields,
    });
    return signingSecret!;
  };

  const subscribe = () => hub.webhooks.subscribe(toolmaker.admin.ctx, { objectId: `act_${accountId}`, appId });

  const issue = (id: string, status: "WITH_ISSUES" | "DISAPPROVED" = "WITH_ISSUES"): WebhookEvent => ({
    objectId: `act_${accountId}`,
    field: "with_issues_ad_objects",
    value: { id, level: "AD", effective_status: status, error_summary: "Ad disapproved" },
  });

  /** Publishes in a transaction of its own, as a service would inside its command. */
  const publish = (event: WebhookEvent, target: Hub = hub) =>
    target.store.db.transaction().execute((trx) => target.webhooks.publish({ trx, now: clock.now() }, event));

  const deliveriesOf = async (id = appId) =>
    (await hub.webhooks.listDeliveries(toolmaker.admin.ctx, id, { limit: 100 })).page.items;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    key = webhookTestKey();
    clock = new TestClock();
    hub = await open();
    receiver = await new WebhookReceiver().start();
    acme = await buildBusiness(hub, "Acme");
    toolmaker = await buildBusiness(hub, "Toolmaker");
    appId = (await hub.apps.createApp(toolmaker.admin.ctx, toolmaker.id, "Issue Watcher")).id;
    accountId = (await buildAsset(hub, acme, "ad_account", "Acme Main")).id;
    // The app's business works on Acme's ad account as a partner, and its admin is staffed on it.
    await buildShare(hub, acme, toolmaker, accountId, "STANDARD");
    await hub.assignments.assign(toolmaker.admin.ctx, { assetId: accountId, principalId: toolmaker.admin.id, tasks: ["ANALYZE"] });
  });
  afterEach(async () => {
    await receiver.close();
    for (const opened of hubs.splice(0)) await opened.close();
    await store.cleanup();
  });

  describe("the verification handshake", () => {
    it("saves the config only after the callback echoes the challenge, and shows the signing secret once", async () => {
      const secret = await configure(["with_issues_ad_objects"]);
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(receiver.handshakes).toHaveLength(1);
      const query = receiver.handshakes[0]!.url.searchParams;
      expect(query.get("hub.mode")).toBe("subscribe");
      expect(query.get("hub.verify_token")).toBe(receiver.verifyToken);
      expect(query.get("hub.challenge")).toMatch(/^\d+$/);

      // A second POST verifies again, adds fields, and does not show the secret again.
      const again = await hub.webhooks.configure(toolmaker.admin.ctx, appId, {
        object: "ad_account",
        callbackUrl: receiver.url,
        verifyToken: receiver.verifyToken,
        fields: ["partner_access"],
      });
      expect(again.signingSecret).toBeNull();
      expect(receiver.handshakes).toHaveLength(2);
      const configs = await hub.webhooks.listConfigs(toolmaker.admin.ctx, appId);
      expect(configs).toEqual([
        expect.objectContaining({ object: "ad_account", callbackUrl: receiver.url, fields: ["with_issues_ad_objects", "partner_access"] }),
      ]);
      // Stored sealed, never in the clear.
      const stored = await hub.store.db.selectFrom("webhook_secrets").selectAll().execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.sealed_secret).not.toContain(secret);
    });

    const noWebhookRows = async () => ({
      configs: await hub.store.db.selectFrom("webhook_configs").selectAll().execute(),
      secrets: await hub.store.db.selectFrom("webhook_secrets").selectAll().execute(),
    });

    it("refuses a callback that rejects the verify token, echoes something else, or is unreachable, and stores nothing", async () => {
      const attempt = (callbackUrl: string, verifyToken = receiver.verifyToken) =>
        hub.webhooks.configure(toolmaker.admin.ctx, appId, { object: "ad_account", callbackUrl, verifyToken, fields: ["with_issues_ad_objects"] });

      const wrongToken = await expectError(attempt(receiver.url, "not-the-token"), "WEBHOOK_VERIFICATION_FAILED");
      expect(wrongToken.code).toBe(2200);
      expect(wrongToken.message).toContain("HTTP Status Code = 403");

      receiver.echoWrongChallenge = true;
      const wrongEcho = await expectError(attempt(receiver.url), "WEBHOOK_VERIFICATION_FAILED");
      expect(wrongEcho.message).toContain("did not match the challenge");
      receiver.echoWrongChallenge = false;

      const unreachable = await expectError(attempt(await deadUrl()), "WEBHOOK_VERIFICATION_FAILED");
      // Neutral words: what the network answered (ECONNREFUSED…) is never passed on.
      expect(unreachable.message).toContain("Could not connect to 127.0.0.1.");
      expect(unreachable.message).not.toContain("ECONNREFUSED");

      expect(await noWebhookRows()).toEqual({ configs: [], secrets: [] });
      expect(await hub.webhooks.listConfigs(toolmaker.admin.ctx, appId)).toEqual([]);
    });

    it("lets only admins of the app's business configure it, and never calls the URL for anyone else", async () => {
      const employee = await buildMember(hub, toolmaker, "EMPLOYEE");
      const input = { object: "ad_account", callbackUrl: receiver.url, verifyToken: receiver.verifyToken, fields: ["with_issues_ad_objects"] };
      await expectError(hub.webhooks.configure(employee.ctx, appId, input), "PERMISSION_DENIED");
      await expectError(hub.webhooks.configure(acme.admin.ctx, appId, input), "PERMISSION_DENIED");
      expect(receiver.requests).toHaveLength(0);
      expect(await noWebhookRows()).toEqual({ configs: [], secrets: [] });
    });

    it("rejects unknown objects and fields and non-http callback URLs before calling anything", async () => {
      const base = { object: "ad_account", callbackUrl: receiver.url, verifyToken: "t", fields: ["with_issues_ad_objects"] };
      await expectError(hub.webhooks.configure(toolmaker.admin.ctx, appId, { ...base, object: "page" }), "INVALID_PARAMETER");
      await expectError(hub.webhooks.configure(toolmaker.admin.ctx, appId, { ...base, fields: ["feed"] }), "INVALID_PARAMETER");
      await expectError(hub.webhooks.configure(toolmaker.admin.ctx, appId, { ...base, callbackUrl: "file:///etc/passwd" }), "INVALID_PARAMETER");
      await expectError(hub.webhooks.configure(toolmaker.admin.ctx, appId, { ...base, verifyToken: "" }), "INVALID_PARAMETER");
      expect(receiver.requests).toHaveLength(0);
    });
  });

  describe("subscriptions", () => {
    it("a stranger cannot subscribe its app to an ad account it cannot see", async () => {
      const stranger = await buildBusiness(hub, "Stranger");
      const strangerApp = await hub.apps.createApp(stranger.admin.ctx, stranger.id, "Snoop");
      await expectError(
        hub.webhooks.subscribe(stranger.admin.ctx, { objectId: `act_${accountId}`, appId: strangerApp.id }),
        "UNKNOWN_ASSET",
      );
      // Nor through a token of the app (acting for it needs no admin role, but still sight of the account).
      await expectError(
        hub.webhooks.subscribe({ ...stranger.admin.ctx, appId: strangerApp.id }, { objectId: `act_${accountId}`, appId: strangerApp.id }),
        "UNKNOWN_ASSET",
      );
      expect(await hub.store.db.selectFrom("webhook_subscriptions").selectAll().execute()).toEqual([]);
    });

    it("someone who sees the account may subscribe an app they act for, but not another business's app", async () => {
      // Acme's own admin sees the account but is no admin of Toolmaker, so cannot subscribe its app by id...
      await expectError(hub.webhooks.subscribe(acme.admin.ctx, { objectId: accountId, appId }), "PERMISSION_DENIED");
      // ...but can when acting through a token issued for the app.
      await hub.webhooks.subscribe({ ...acme.admin.ctx, appId }, { objectId: accountId, appId });
      expect(await hub.webhooks.listSubscribedApps(acme.admin.ctx, accountId)).toEqual([
        expect.objectContaining({ appId, name: "Issue Watcher" }),
      ]);
      // Subscribing again changes nothing; the account's managers may unsubscribe any app.
      await hub.webhooks.subscribe({ ...acme.admin.ctx, appId }, { objectId: accountId, appId });
      await hub.webhooks.unsubscribe(acme.admin.ctx, { objectId: accountId, appId });
      expect(await hub.webhooks.listSubscribedApps(acme.admin.ctx, accountId)).toEqual([]);
    });
  });

  describe("deliveries", () => {
    it("delivers Meta's payload signed with HMAC-SHA256 of the raw body, and logs it", async () => {
      const secret = await configure();
      await subscribe();
      expect(await publish(issue("120000000000001", "DISAPPROVED"))).toBe(1);

      const dispatcher = new WebhookDispatcher(hub.webhooks);
      expect(await dispatcher.runOnce(clock.now())).toMatchObject({ claimed: 1, delivered: 1 });
      expect(receiver.deliveries).toHaveLength(1);
      const delivery = receiver.deliveries[0]!;
      expect(delivery.headers["content-type"]).toBe("application/json");
      expect(receiverAcceptsSignature(delivery, secret)).toBe(true);
      expect(receiverAcceptsSignature(delivery, "0".repeat(64))).toBe(false);
      expect(JSON.parse(delivery.raw.toString("utf8"))).toEqual({
        object: "ad_account",
        entry: [
          {
            id: accountId,
            time: Math.floor(clock.now() / 1000),
            changes: [
              {
                field: "with_issues_ad_objects",
                value: { id: "120000000000001", level: "AD", effective_status: "DISAPPROVED", error_summary: "Ad disapproved" },
              },
            ],
          },
        ],
      });

      const [logged] = await deliveriesOf();
      expect(logged).toMatchObject({ status: "delivered", attempts: 1, lastHttpStatus: 200, lastError: null, deliveredAt: clock.now() });
      expect(logged!.payload).toBe(delivery.raw.toString("utf8"));
      // Nothing more to send.
      expect(await dispatcher.runOnce(clock.now() + 24 * 3600_000)).toMatchObject({ claimed: 0 });
    });

    it("queues only for subscribed apps whose config has the field, while the subscriber can still see the account", async () => {
      await configure(["partner_access"]);
      // Configured but not subscribed: nothing.
      expect(await publish(issue("1"))).toBe(0);
      await subscribe();
      // Subscribed, but the field is not in the config: nothing.
      expect(await publish(issue("2"))).toBe(0);
      const partnerAccess: WebhookEvent = {
        objectId: accountId,
        field: "partner_access",
        value: { asset_id: `act_${accountId}`, partner_business_id: toolmaker.id, change: "tasks_changed", permitted_tasks: ["ANALYZE"] },
      };
      expect(await publish(partnerAccess)).toBe(1);
      // Once the share ends the subscriber (Toolmaker's admin) no longer sees the account.
      await hub.partners.removeShare(acme.admin.ctx, { assetId: accountId, partnerBusinessId: toolmaker.id });
      expect(await publish(partnerAccess)).toBe(0);
    });

    it("partner share changes reach the owner's app for every partner, and a partner's app for its own share only", async () => {
      const acmeApp = (await hub.apps.createApp(acme.admin.ctx, acme.id, "Acme Monitor")).id;
      await hub.webhooks.configure(acme.admin.ctx, acmeApp, { object: "ad_account", callbackUrl: receiver.url, verifyToken: receiver.verifyToken, fields: ["partner_access"] });
      await hub.webhooks.subscribe(acme.admin.ctx, { objectId: accountId, appId: acmeApp });
      await configure(["partner_access"]);
      await subscribe();

      const northwind = await buildBusiness(hub, "Northwind");
      const step = async (change: () => Promise<unknown>) => {
        clock.t += 1000;
        await change();
      };
      await step(() => hub.partners.offer(acme.admin.ctx, { assetId: accountId, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] }));
      await step(() => hub.partners.acceptOrRequest(northwind.admin.ctx, { partnerBusinessId: northwind.id, assetId: accountId }));
      await step(() => hub.partners.offer(acme.admin.ctx, { assetId: accountId, partnerBusinessId: northwind.id, tasks: ["ANALYZE", "ADVERTISE"] }));
      await step(() => hub.partners.removeShare(acme.admin.ctx, { assetId: accountId, partnerBusinessId: northwind.id }));
      await step(() => hub.partners.offer(acme.admin.ctx, { assetId: accountId, partnerBusinessId: toolmaker.id, tasks: ["ANALYZE"] }));
      // A refused change publishes nothing.
      await expectError(hub.partners.offer(acme.admin.ctx, { assetId: accountId, partnerBusinessId: northwind.id, tasks: ["FLY"] }), "UNKNOWN_TASK");

      const heard = async (ctx: TestBusiness["admin"]["ctx"], id: string) =>
        (await hub.webhooks.listDeliveries(ctx, id, { limit: 100 })).page.items
          .reverse()
          .map((d) => JSON.parse(d.payload).entry[0].changes[0])
          .map((c: { field: string; value: { change: string; partner_business_id: string; asset_id: string; permitted_tasks: string[] } }) => {
            expect(c.field).toBe("partner_access");
            expect(c.value.asset_id).toBe(`act_${accountId}`);
            return `${c.value.change} ${c.value.partner_business_id === northwind.id ? "Northwind" : "Toolmaker"} ${[...c.value.permitted_tasks].sort().join(",")}`;
          });
      expect(await heard(acme.admin.ctx, acmeApp)).toEqual([
        "offered Northwind ANALYZE",
        "accepted Northwind ANALYZE",
        "tasks_changed Northwind ADVERTISE,ANALYZE",
        "removed Northwind ADVERTISE,ANALYZE",
        "tasks_changed Toolmaker ANALYZE",
      ]);
      expect(await heard(toolmaker.admin.ctx, appId)).toEqual(["tasks_changed Toolmaker ANALYZE"]);
    });

    it("publishes nothing when the transaction that published rolls back", async () => {
      await configure();
      await subscribe();
      const rolledBack = hub.store.db.transaction().execute(async (trx) => {
        expect(await hub.webhooks.publish({ trx, now: clock.now() }, issue("9"))).toBe(1);
        throw new Error("the change failed after publishing");
      });
      await expect(rolledBack).rejects.toThrow("the change failed");
      expect(await deliveriesOf()).toEqual([]);
      expect(await new WebhookDispatcher(hub.webhooks).runOnce(clock.now())).toMatchObject({ claimed: 0 });
      expect(receiver.deliveries).toHaveLength(0);
    });

    it("retries failed attempts with exponential backoff, sending the same signed body each time", async () => {
      const secret = await configure();
      await subscribe();
      await publish(issue("3"));
      const dispatcher = new WebhookDispatcher(hub.webhooks);
      receiver.postStatuses = [500, 503];
      const start = clock.now();

      expect(await dispatcher.runOnce(start)).toMatchObject({ claimed: 1, retrying: 1 });
      let [row] = await deliveriesOf();
      expect(row).toMatchObject({ status: "pending", attempts: 1, lastHttpStatus: 500, lastError: "HTTP 500 Internal Server Error", nextAttemptAt: start + 60_000 });

      // Not due yet a second before the first backoff ends.
      expect(await dispatcher.runOnce(start + 59_000)).toMatchObject({ claimed: 0 });
      expect(await dispatcher.runOnce(start + 60_000)).toMatchObject({ claimed: 1, retrying: 1 });
      [row] = await deliveriesOf();
      expect(row).toMatchObject({ attempts: 2, lastHttpStatus: 503, nextAttemptAt: start + 60_000 + 120_000 });

      expect(await dispatcher.runOnce(start + 179_000)).toMatchObject({ claimed: 0 });
      expect(await dispatcher.runOnce(start + 180_000)).toMatchObject({ claimed: 1, delivered: 1 });
      [row] = await deliveriesOf();
      expect(row).toMatchObject({ status: "delivered", attempts: 3, lastHttpStatus: 200, lastError: null, deliveredAt: start + 180_000 });

      expect(receiver.deliveries).toHaveLength(3);
      const bodies = new Set(receiver.deliveries.map((d) => d.raw.toString("hex")));
      expect(bodies.size).toBe(1);
      expect(receiver.deliveries.every((d) => receiverAcceptsSignature(d, secret))).toBe(true);
    });

    it("marks a delivery failed after the last attempt", async () => {
      await configure();
      await subscribe();
      await publish(issue("4"));
      const dispatcher = new WebhookDispatcher(hub.webhooks);
      receiver.postStatuses = Array.from({ length: MAX_DELIVERY_ATTEMPTS + 2 }, () => 500);
      let at = clock.now();
      for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
        const summary = await dispatcher.runOnce(at);
        expect(summary, `attempt ${attempt}`).toMatchObject(attempt < MAX_DELIVERY_ATTEMPTS ? { retrying: 1 } : { failed: 1 });
        at += retryDelayMs(attempt);
      }
      const [row] = await deliveriesOf();
      expect(row).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS, lastHttpStatus: 500, nextAttemptAt: null });
      expect(receiver.deliveries).toHaveLength(MAX_DELIVERY_ATTEMPTS);
      expect(await dispatcher.runOnce(at + 7 * 24 * 3600_000)).toMatchObject({ claimed: 0 });
      // The schedule was 1, 2, 4, … minutes, capped at an hour.
      expect(Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1) / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60]);
    });

    it("gives up on an attempt that takes longer than the timeout, and retries it later", async () => {
      await configure();
      await subscribe();
      await publish(issue("5"));
      receiver.hang = true;
      const summary = await new WebhookDispatcher(hub.webhooks, { timeoutMs: 150 }).runOnce(clock.now());
      expect(summary).toMatchObject({ claimed: 1, retrying: 1 });
      const [row] = await deliveriesOf();
      expect(row).toMatchObject({ status: "pending", attempts: 1, lastHttpStatus: null, lastError: "No answer within 150 ms." });
    });

    it("two dispatchers on two instances never send the same delivery twice", async () => {
      await configure();
      await subscribe();
      for (let i = 0; i < 12; i++) await publish(issue(`ad-${i}`));
      const other = await open();
      const one = new WebhookDispatcher(hub.webhooks, { batchSize: 12 });
      const two = new WebhookDispatcher(other.webhooks, { batchSize: 12 });
      const summaries = await Promise.all([one.runOnce(clock.now()), two.runOnce(clock.now()), one.runOnce(clock.now()), two.runOnce(clock.now())]);
      expect(summaries.reduce((n, s) => n + s.delivered, 0)).toBe(12);
      const deliveryIds = receiver.deliveries.map((d) => d.headers["x-grantline-delivery"]);
      expect(deliveryIds).toHaveLength(12);
      expect(new Set(deliveryIds).size).toBe(12);
      const adIds = receiver.deliveries.map((d) => JSON.parse(d.raw.toString("utf8")).entry[0].changes[0].value.id as string);
      expect(adIds.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `ad-${i}`).sort());
      expect((await deliveriesOf()).every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    });

    it("takes over a delivery whose sender stopped mid-attempt once its lease runs out", async () => {
      await configure();
      await subscribe();
      await publish(issue("6"));
      // A dispatcher claims the row and dies before sending.
      const [abandoned] = await hub.webhooks.claimDue(clock.now(), 10, 70_000);
      expect(abandoned).toBeDefined();
      const dispatcher = new WebhookDispatcher(hub.webhooks);
      expect(await dispatcher.runOnce(clock.now() + 69_000)).toMatchObject({ claimed: 0 });
      expect(await dispatcher.runOnce(clock.now() + 70_000)).toMatchObject({ claimed: 1, delivered: 1 });
      // The dead sender's late report does not overwrite the newer attempt.
      expect(await hub.webhooks.finishAttempt(abandoned!, { ok: false, status: 500, error: "late" }, clock.now() + 80_000)).toBeUndefined();
      expect((await deliveriesOf())[0]).toMatchObject({ status: "delivered", attempts: 2 });
      expect(receiver.deliveries).toHaveLength(1);
    });

    it("fails a delivery whose sender stopped during its last attempt instead of trying a ninth time", async () => {
      await configure();
      await subscribe();
      await publish(issue("8"));
      // As a dispatcher leaves the row when it dies during the last allowed attempt.
      await hub.store.db
        .updateTable("webhook_deliveries")
        .set({ status: "delivering", attempts: MAX_DELIVERY_ATTEMPTS, lease_until: clock.now() + 70_000 })
        .execute();
      const dispatcher = new WebhookDispatcher(hub.webhooks);
      expect(await dispatcher.runOnce(clock.now() + 70_000)).toMatchObject({ claimed: 0 });
      expect((await deliveriesOf())[0]).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS, lastError: "The sender stopped during the last attempt." });
      expect(receiver.deliveries).toHaveLength(0);
    });

    it("start() delivers in the background until stop()", async () => {
      await configure();
      await subscribe();
      await publish(issue("7"));
      const dispatcher = new WebhookDispatcher(hub.webhooks, { intervalMs: 20 });
      const delivered = receiver.waitForDeliveries(1);
      dispatcher.start();
      await delivered;
      await dispatcher.stop();
      expect((await deliveriesOf())[0]).toMatchObject({ status: "delivered" });
    });
  });

  it("shows the delivery log only to admins of the app's business", async () => {
    const employee = await buildMember(hub, toolmaker, "EMPLOYEE");
    await expectError(hub.webhooks.listDeliveries(employee.ctx, appId, { limit: 10 }), "PERMISSION_DENIED");
    await expectError(hub.webhooks.listDeliveries(acme.admin.ctx, appId, { limit: 10 }), "PERMISSION_DENIED");
    // A business with no relation to the app's learns nothing about it.
    const stranger = await buildBusiness(hub, "Stranger");
    await expectError(hub.webhooks.listDeliveries(stranger.admin.ctx, appId, { limit: 10 }), "NOT_FOUND");
  });
});
