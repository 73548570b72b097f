import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { checkUrl } from "../../src/autopilot/app/urlCheck.ts";
import { autopilotTrustedOrigins } from "../../src/autopilot/app/trustedOrigins.ts";
import { loadConfig } from "../../src/config/env.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness, type BootstrapResult } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { WebhookDispatcher } from "../../src/hub/webhooks/webhookDispatcher.ts";
import type { WebhookEvent } from "../../src/hub/webhooks/webhookFields.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { buildAsset, buildBusiness } from "../support/factories.ts";
import { expectError } from "../support/expectError.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/** What a refusal must never tell: what answered (or did not) at the address. */
const LEAKS = /ECONN|EHOST|ENET|\bport\b|challenge|timed? ?out|HTTP Status/i;

/** A real server on 127.0.0.1 that records the paths that reached it. */
async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end("ok")) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin, seen, close };
}

describe.each(DIALECTS)("outbound requests with GRANTLINE_OUTBOUND_ALLOW_PRIVATE off, on %s", (dialect) => {
  let store: TestStore;
  let key: Buffer;
  let clock: TestClock;
  /** The hub under test: internal addresses refused, as in production. */
  let hub: Grantline;
  /** Another instance on the same store that allows them, to store what the strict one would refuse. */
  let lenient: Grantline;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let acme: BootstrapResult;
  let asAcme: ReturnType<typeof graphClient>;

  /** Every spelling of an internal address the issue lists, the receiver's own (which would answer) included. */
  const internalUrls = () => {
    const port = new URL(receiver.url).port;
    return [
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/latest/meta-data/",
      receiver.url,
      `http://localhost:${port}/hooks`,
      `http://2130706433:${port}/hooks`,
      `http://0177.0.0.1:${port}/hooks`,
      `http://0x7f.1:${port}/hooks`,
      `http://[::ffff:127.0.0.1]:${port}/hooks`,
      `http://[::1]:${port}/hooks`,
      "https://10.0.0.1/hooks",
    ];
  };

  /** A Graph refusal: code 100, a plain title, and nothing about what answers at the address. */
  const expectRefused = (answer: { status: number; body: Record<string, any> }, field: string, url: string) => {
    expect({ url, status: answer.status }).toEqual({ url, status: 400 });
    expect({ url, ...answer.body.error }).toMatchObject({ url, code: 100, type: "OAuthException", error_user_title: "Address not allowed" });
    expect(answer.body.error.message).toMatch(new RegExp(`^Invalid ${field}\\. This address is not allowed: \\S+ (is|resolves to) an internal address\\.$`));
    const words = [answer.body.error.message, answer.body.error.error_user_msg, answer.body.error.error_user_title].join(" ");
    expect(words).not.toMatch(LEAKS);
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    key = webhookTestKey();
    clock = new TestClock(Date.UTC(2026, 0, 5, 12));
    hub = await store.open(clock, { outbound: { allowPrivate: false }, secretKey: key });
    lenient = await store.open(clock, { secretKey: key });
    server = await startServer(hub);
    receiver = await new WebhookReceiver().start();
    acme = await bootstrapBusiness(hub, "Acme");
    asAcme = graphClient(server.url, acme.access_token);
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
    await store.cleanup();
  });

  it("refuses an alert channel whose URL is internal with Graph error 100, stores nothing and calls nothing", async () => {
    for (const url of internalUrls()) {
      expectRefused(await asAcme("POST", `/${acme.business_id}/alert_channels`, { kind: "webhook", url }), "url", url);
      expectRefused(await asAcme("POST", `/${acme.business_id}/alert_channels`, { kind: "slack", url }), "url", url);
      expectRefused(
        await asAcme("POST", `/${acme.business_id}/alert_channels`, { kind: "whatsapp", to: "+33612345678", phone_number_id: "1234", token: "EAAG", base_url: url }),
        "base_url",
        url,
      );
    }
    expect((await asAcme("GET", `/${acme.business_id}/alert_channels`)).body.data).toEqual([]);
    expect(await hub.store.db.selectFrom("notification_channels").selectAll().execute()).toEqual([]);
    expect(receiver.requests).toEqual([]);
    // The refusals are audited like any refused change.
    const audit = await hub.store.db.selectFrom("audit_entries").select(["action", "outcome"]).where("action", "=", "alert_channel.add").execute();
    expect(audit.length).toBe(internalUrls().length * 3);
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set(["invalid"]));
  });

  it("refuses to subscribe an app webhook to an internal callback URL: no handshake, nothing stored", async () => {
    const app = await hub.apps.createApp(operatorContext(), acme.business_id, "Issue Watcher");
    for (const url of internalUrls()) {
      const answer = await asAcme("POST", `/${app.id}/subscriptions`, { object: "ad_account", callback_url: url, verify_token: receiver.verifyToken, fields: ["with_issues_ad_objects"] });
      expectRefused(answer, "callback_url", url);
    }
    expect((await asAcme("GET", `/${app.id}/subscriptions`)).body.data).toEqual([]);
    expect(await hub.store.db.selectFrom("webhook_configs").selectAll().execute()).toEqual([]);
    expect(await hub.store.db.selectFrom("webhook_secrets").selectAll().execute()).toEqual([]);
    expect(receiver.handshakes).toEqual([]);
  });

  it("checks again at every send: a channel stored while internal addresses were allowed is refused when tested", async () => {
    const stored = await lenient.notifications.addChannel(operatorContext(), acme.business_id, { kind: "webhook", url: receiver.url });
    const tested = await asAcme("POST", `/${acme.business_id}/alert_channel_tests`, { channel_id: stored.channel.id });
    expect(tested.body).toEqual({ success: false, status: null, error: "This address is not allowed: 127.0.0.1 is an internal address." });
    expect(receiver.requests).toEqual([]);
    // The lenient instance (GRANTLINE_OUTBOUND_ALLOW_PRIVATE=on) does reach it.
    expect(await lenient.notifications.testChannel(operatorContext(), acme.business_id, stored.channel.id)).toMatchObject({ ok: true, status: 200 });
    expect(receiver.deliveries).toHaveLength(1);
    await lenient.notifications.removeChannel(operatorContext(), acme.business_id, stored.channel.id);
    receiver.requests.splice(0);
  });

  it("checks again at every delivery: an app webhook verified while allowed is not delivered to an internal address", async () => {
    const owner = await buildBusiness(lenient, "Toolmaker");
    const app = await lenient.apps.createApp(owner.admin.ctx, owner.id, "Watcher");
    const account = await buildAsset(lenient, owner, "ad_account", "Own account");
    await lenient.webhooks.configure(owner.admin.ctx, app.id, { object: "ad_account", callbackUrl: receiver.url, verifyToken: receiver.verifyToken, fields: ["with_issues_ad_objects"] });
    await lenient.webhooks.subscribe(owner.admin.ctx, { objectId: `act_${account.id}`, appId: app.id });
    const event: WebhookEvent = { objectId: `act_${account.id}`, field: "with_issues_ad_objects", value: { id: "1", level: "AD", effective_status: "WITH_ISSUES", error_summary: "x" } };
    expect(await lenient.store.db.transaction().execute((trx) => lenient.webhooks.publish({ trx, now: clock.now() }, event))).toBe(1);

    expect(await new WebhookDispatcher(hub.webhooks).runOnce(clock.now())).toMatchObject({ claimed: 1, delivered: 0, retrying: 1 });
    const [delivery] = (await lenient.webhooks.listDeliveries(owner.admin.ctx, app.id, { limit: 10 })).page.items;
    expect(delivery).toMatchObject({ status: "pending", lastHttpStatus: null, lastError: "This address is not allowed: 127.0.0.1 is an internal address." });
    expect(receiver.deliveries).toEqual([]);
    receiver.requests.splice(0);
  });

  it("lets Autopilot call the Graph only at trusted origins, and check only public landing pages", async () => {
    const accountId = (await asAcme("POST", `/${acme.business_id}/adaccount`, { name: "Acme Main", currency: "EUR", timezone_name: "Europe/Paris" })).body.id as string;
    const connect = (autopilot: Autopilot, workspace: string) => autopilot.workspaces.connect(workspace, { graphUrl: server.url, accessToken: acme.access_token, adAccountId: accountId, scopes: ["ads_read"] });

    // No trusted origin: the hub on 127.0.0.1 is an internal address like any other.
    const strict = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32) });
    const ws = await strict.workspaces.create(`Strict ${dialect}`);
    const refused = await expectError(connect(strict, ws.id), "INVALID_PARAMETER");
    expect(refused.message).toBe("graph URL: This address is not allowed: 127.0.0.1 is an internal address.");

    // The hub's own URL trusted, as `serve` and the CLI trust it: the same call goes through.
    const trusting = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), http: new OutboundHttp({ trustedOrigins: [server.url] }) });
    const ws2 = await trusting.workspaces.create(`Trusting ${dialect}`);
    expect(await connect(trusting, ws2.id)).toMatchObject({ ad_account_id: accountId, status: "active" });

    // Landing pages: an internal one is refused at once (no retries, nothing reached); a trusted
    // shop redirecting to an internal address is refused at the redirect.
    const inside = await listen();
    const shop = await listen((_req, res) => res.writeHead(302, { location: `${inside.origin}/admin` }).end());
    try {
      const options = { timeoutMs: 2000, attempts: 3, retryDelayMs: 0 };
      expect(await checkUrl(new OutboundHttp(), `${inside.origin}/page`, options)).toEqual({
        url: `${inside.origin}/page`,
        ok: false,
        status: null,
        attempts: 1,
        error: "This address is not allowed: 127.0.0.1 is an internal address.",
      });
      expect(await checkUrl(new OutboundHttp({ trustedOrigins: [shop.origin] }), `${shop.origin}/p`, options)).toMatchObject({ ok: false, attempts: 1, error: "This address is not allowed: 127.0.0.1 is an internal address." });
      expect(shop.seen).toEqual(["/p"]);
      expect(inside.seen).toEqual([]);
      // With the setting on, the same pages are checked (and followed) as before.
      expect(await checkUrl(new OutboundHttp({ allowPrivate: true }), `${shop.origin}/p`, options)).toMatchObject({ ok: true, status: 200 });
      expect(inside.seen).toEqual(["/admin"]);
    } finally {
      await inside.close();
      await shop.close();
    }
  });
});

describe("the operator's trusted origins", () => {
  it("are the hub's own URLs and the simulator's shops, so the demo works with internal addresses refused", () => {
    expect(autopilotTrustedOrigins(loadConfig({}))).toEqual(["http://127.0.0.1:8080", "http://127.0.0.1:8090"]);
    expect(autopilotTrustedOrigins(loadConfig({ HOST: "::1", PORT: "9000", GRANTLINE_SIM_SITE_PORT: "9001", GRANTLINE_PUBLIC_URL: "https://grantline.example.com/" }))).toEqual([
      "https://grantline.example.com",
      "http://[::1]:9000",
      "http://[::1]:9001",
    ]);
  });
});
