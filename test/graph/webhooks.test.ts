import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness, type BootstrapResult } from "../../src/hub/hub.ts";
import { WebhookDispatcher } from "../../src/hub/webhooks/webhookDispatcher.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { openWebhookHub, receiverAcceptsSignature, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";

describe.each(DIALECTS)("Graph webhook edges over HTTP on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let clock: TestClock;
  let owner: BootstrapResult;
  let toolmaker: BootstrapResult;
  let stranger: BootstrapResult;
  let strangerAppId: string;
  let accountId: string;
  let asOwner: ReturnType<typeof graphClient>;
  let asToolmaker: ReturnType<typeof graphClient>;
  let asStranger: ReturnType<typeof graphClient>;

  /** A new Toolmaker app, and a Graph client with a token of Toolmaker's admin issued through it. */
  const newApp = async (name: string) => {
    const op = operatorContext();
    const id = (await hub.apps.createApp(op, toolmaker.business_id, name)).id;
    const token = (await hub.tokens.issueSystemUserToken(op, toolmaker.system_user_id, { appId: id })).accessToken;
    return { id, asApp: graphClient(server.url, token) };
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await openWebhookHub(store, webhookTestKey(), clock);
    server = await startServer(hub);
    receiver = await new WebhookReceiver().start();
    owner = await bootstrapBusiness(hub, "Acme");
    toolmaker = await bootstrapBusiness(hub, "Toolmaker");
    stranger = await bootstrapBusiness(hub, "Stranger");
    strangerAppId = (await hub.apps.createApp(operatorContext(), stranger.business_id, "Snoop")).id;
    asOwner = graphClient(server.url, owner.access_token);
    asToolmaker = graphClient(server.url, toolmaker.access_token);
    asStranger = graphClient(server.url, stranger.access_token);

    accountId = (await asOwner("POST", `/${owner.business_id}/adaccount`, { name: "Acme Main", currency: "EUR", timezone_name: "Europe/Paris" })).body.id;
    await asOwner("POST", `/${accountId}/agencies`, { business: toolmaker.business_id, permitted_tasks: ["ANALYZE", "ADVERTISE"] });
    await asToolmaker("POST", `/${toolmaker.business_id}/client_ad_accounts`, { adaccount_id: accountId });
    const staffed = await asToolmaker("POST", `/${accountId}/assigned_users`, { user: toolmaker.system_user_id, tasks: ["ANALYZE"], business: toolmaker.business_id });
    expect(staffed.status).toBe(200);
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
    await hub.close();
    await store.cleanup();
  });

  const subscribeBody = (overrides: Record<string, unknown> = {}) => ({
    object: "ad_account",
    callback_url: receiver.url,
    verify_token: receiver.verifyToken,
    fields: ["with_issues_ad_objects"],
    ...overrides,
  });

  it("reads an app node by id", async () => {
    const { id: appId } = await newApp("Issue Watcher");
    const read = await asOwner("GET", `/v24.0/${appId}`);
    expect(read.body).toEqual({ id: appId, name: "Issue Watcher" });
  });

  it("refuses a callback that fails the handshake with Graph error 2200, and saves nothing", async () => {
    const { id: appId } = await newApp("Broken Endpoint");
    const refused = await asToolmaker("POST", `/${appId}/subscriptions`, subscribeBody({ verify_token: "wrong" }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 2200, type: "OAuthException", error_user_title: "Callback verification failed" });
    expect((await asToolmaker("GET", `/${appId}/subscriptions`)).body.data).toEqual([]);
  });

  it("only admins of the app's business configure its webhooks; nobody else makes the hub call a URL", async () => {
    const { id: appId } = await newApp("Guarded");
    const before = receiver.requests.length;
    const refused = await asOwner("POST", `/${appId}/subscriptions`, subscribeBody());
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(200);
    expect(receiver.requests.length).toBe(before);
    expect((await asOwner("GET", `/${appId}/subscriptions`)).status).toBe(400);
  });

  it("configures the app's webhook after the handshake, returning the signing secret only the first time", async () => {
    const { id: appId } = await newApp("Configured");
    const created = await asToolmaker("POST", `/v24.0/${appId}/subscriptions`, subscribeBody());
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ success: true, signing_secret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Form posts with a pseudo-JSON list work as with Meta; the field is added to the subscription.
    const form = `object=ad_account&callback_url=${encodeURIComponent(receiver.url)}&verify_token=${receiver.verifyToken}&fields=['partner_access']`;
    const updated = await asToolmaker("POST", `/${appId}/subscriptions`, form);
    expect(updated.body).toEqual({ success: true });
    const listed = await asToolmaker("GET", `/${appId}/subscriptions`);
    expect(listed.body.data).toEqual([
      {
        object: "ad_account",
        callback_url: receiver.url,
        active: true,
        fields: [
          { name: "with_issues_ad_objects", version: "v24.0" },
          { name: "partner_access", version: "v24.0" },
        ],
      },
    ]);
  });

  const subscribedIds = async () => ((await asOwner("GET", `/${accountId}/subscribed_apps`)).body.data as { id: string }[]).map((a) => a.id);

  it("subscribes the token's app to an ad account, lists it, and unsubscribes it", async () => {
    const { id: appId, asApp } = await newApp("Subscriber");
    expect((await asApp("POST", `/${accountId}/subscribed_apps`)).body).toEqual({ success: true });
    const listed = await asOwner("GET", `/${accountId}/subscribed_apps`);
    expect(listed.body.data).toContainEqual({ id: appId, name: "Subscriber" });
    expect((await asApp("DELETE", `/${accountId}/subscribed_apps`)).body).toEqual({ success: true });
    expect(await subscribedIds()).not.toContain(appId);
    // An admin of the app's business may name it with app_id.
    expect((await asToolmaker("POST", `/${accountId}/subscribed_apps`, { app_id: appId })).body).toEqual({ success: true });
    expect(await subscribedIds()).toContain(appId);
  });

  it("a stranger cannot subscribe its app to someone else's ad account: the account looks missing", async () => {
    const refused = await asStranger("POST", `/${accountId}/subscribed_apps`, { app_id: strangerAppId });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await asStranger("GET", `/${accountId}/subscribed_apps`)).status).toBe(400);
    // Nor can Acme name another business's app, though it sees the account.
    expect((await asOwner("POST", `/${accountId}/subscribed_apps`, { app_id: strangerAppId })).status).toBe(400);
    expect(await subscribedIds()).not.toContain(strangerAppId);
  });

  it("delivers signed events and logs them on the app's webhook_deliveries edge for its admins", async () => {
    const { id: appId, asApp } = await newApp("Logged");
    // An endpoint of this app's own, so other tests' deliveries never take its answers.
    const own = await new WebhookReceiver().start();
    onTestFinished(() => own.close());
    const secret = (await asToolmaker("POST", `/${appId}/subscriptions`, subscribeBody({ callback_url: own.url }))).body.signing_secret as string;
    expect((await asApp("POST", `/${accountId}/subscribed_apps`)).body).toEqual({ success: true });
    const numericId = accountId.slice(4);
    await hub.store.db.transaction().execute((trx) =>
      hub.webhooks.publish(
        { trx, now: clock.now() },
        { objectId: accountId, field: "with_issues_ad_objects", value: { id: "120000000000042", level: "ADSET", effective_status: "WITH_ISSUES" } },
      ),
    );
    own.postStatuses = [502];
    const dispatcher = new WebhookDispatcher(hub.webhooks);
    await dispatcher.runOnce(clock.now());
    const pending = await asToolmaker("GET", `/${appId}/webhook_deliveries`);
    expect(pending.status).toBe(200);
    expect(pending.body.data).toEqual([
      { id: expect.any(String), field: "with_issues_ad_objects", status: "PENDING", attempts: 1, last_http_status: 502, last_error: "HTTP 502 Bad Gateway", created_time: expect.any(String) },
    ]);

    await dispatcher.runOnce(clock.now() + 60_000);
    const delivered = await asToolmaker("GET", `/${appId}/webhook_deliveries?status=DELIVERED&fields=status,attempts,last_http_status,object_id,delivered_time,payload`);
    expect(delivered.body.data).toEqual([
      {
        id: pending.body.data[0].id,
        status: "DELIVERED",
        attempts: 2,
        last_http_status: 200,
        object_id: numericId,
        delivered_time: expect.stringMatching(/\+0000$/),
        payload: {
          object: "ad_account",
          entry: [{ id: numericId, time: Math.floor(clock.now() / 1000), changes: [{ field: "with_issues_ad_objects", value: { id: "120000000000042", level: "ADSET", effective_status: "WITH_ISSUES" } }] }],
        },
      },
    ]);
    expect((await asToolmaker("GET", `/${appId}/webhook_deliveries?status=FAILED`)).body.data).toEqual([]);
    expect((await asOwner("GET", `/${appId}/webhook_deliveries`)).status).toBe(400);
    const sent = own.deliveries;
    expect(sent).toHaveLength(2);
    expect(sent.every((d) => receiverAcceptsSignature(d, secret))).toBe(true);
  });
  it("pages the delivery log with cursors, newest first", async () => {
    const { id: appId, asApp } = await newApp("Paged");
    await asToolmaker("POST", `/${appId}/subscriptions`, subscribeBody());
    await asApp("POST", `/${accountId}/subscribed_apps`);
    for (const adId of ["a1", "a2", "a3"]) {
      clock.t += 1000;
      await hub.store.db.transaction().execute((trx) =>
        hub.webhooks.publish({ trx, now: clock.now() }, { objectId: accountId, field: "with_issues_ad_objects", value: { id: adId, level: "AD", effective_status: "WITH_ISSUES" } }),
      );
    }
    const adIdsOf = (body: Record<string, any>) => (body.data as { payload: { entry: { changes: { value: { id: string } }[] }[] } }[]).map((d) => d.payload.entry[0]!.changes[0]!.value.id);
    const first = await asToolmaker("GET", `/${appId}/webhook_deliveries?fields=payload&limit=2&summary=total_count`);
    expect(adIdsOf(first.body)).toEqual(["a3", "a2"]);
    expect(first.body.summary).toEqual({ total_count: 3 });
    const second = (await (await fetch(first.body.paging.next as string)).json()) as Record<string, any>;
    expect(adIdsOf(second)).toEqual(["a1"]);
    expect(second.paging.next).toBeUndefined();
    const back = (await (await fetch(second.paging.previous as string)).json()) as Record<string, any>;
    expect(adIdsOf(back)).toEqual(["a3", "a2"]);
  });
});
