import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { NotificationDispatcher } from "../../src/notify/notificationDispatcher.ts";
import { raiseAlert, type Alert } from "../../src/notify/raiseAlert.ts";
import { retryDelayMs } from "../../src/store/outboxRetry.ts";
import { buildBusiness, buildMember, type TestBusiness } from "../support/factories.ts";
import { expectError } from "../support/expectError.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";
import { WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { openNotifyHub } from "./notifyHub.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(DIALECTS)("notifier on %s", (dialect) => {
  let store: TestStore;
  let key: Buffer;
  let clock: TestClock;
  let hub: Grantline;
  let receiver: WebhookReceiver;
  let smtp: SmtpReceiver;
  let acme: TestBusiness;
  const hubs: Grantline[] = [];

  const open = async (settings = {}) => {
    const opened = await openNotifyHub(store, key, clock, { smtpUrl: smtp.url, settings });
    hubs.push(opened);
    return opened;
  };

  const alert = (overrides: Partial<Alert> = {}): Alert => ({
    businessId: acme.id,
    kind: "spend_spike",
    severity: "warning",
    title: "Spend on Acme Main is 3x its usual Tuesday",
    body: "Spend reached $412 by 14:00; the account usually spends $130 by then.",
    fields: [{ name: "Ad account", value: "act_1" }],
    link: "https://grantline.example/act_1",
    dedupKey: "spend_spike:act_1:2026-01-05",
    source: "autopilot",
    ...overrides,
  });

  const slackChannel = (h = hub, extra: Record<string, unknown> = {}) =>
    h.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "slack", name: "#alerts", url: receiver.url, ...extra });

  beforeEach(async () => {
    store = makeTestStore(dialect);
    key = webhookTestKey();
    clock = new TestClock(Date.UTC(2026, 0, 5, 12, 0));
    receiver = await new WebhookReceiver().start();
    smtp = await startSmtpReceiver();
    hub = await open();
    acme = await buildBusiness(hub, "Acme Outdoor");
  });

  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
    await receiver.close();
    await smtp.close();
    await store.cleanup();
  });

  it("keeps channel secrets sealed: not in the row, the list or the audit log", async () => {
    const slackUrl = `${receiver.url}?token=T0SECRETSLACK`;
    const { channel } = await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "slack", url: slackUrl });
    const whatsapp = await hub.notifications.addChannel(acme.admin.ctx, acme.id, {
      kind: "whatsapp",
      to: "+33 6 12 34 56 78",
      phoneNumberId: "1065",
      token: "EAAG-VERY-SECRET-TOKEN",
    });
    const webhook = await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "webhook", url: `${receiver.url}?key=URLSECRET` });
    expect(webhook.signingSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(channel.secretHint).toBe(`${new URL(receiver.url).host}/…LACK`);
    expect(whatsapp.channel.destination).toBe("+33612345678 via 1065");

    const everything = JSON.stringify({
      rows: await hub.store.db.selectFrom("notification_channels").selectAll().execute(),
      list: await hub.notifications.listChannels(acme.admin.ctx, acme.id),
      audit: await hub.store.db.selectFrom("audit_entries").selectAll().execute(),
    });
    for (const secret of ["T0SECRETSLACK", "EAAG-VERY-SECRET-TOKEN", "URLSECRET", webhook.signingSecret!]) expect(everything).not.toContain(secret);
  });

  it("lets only the business's admins manage channels, and audits refusals", async () => {
    const employee = await buildMember(hub, acme, "EMPLOYEE", "Eve Employee");
    await expectError(slackChannel(hub).then(() => hub.notifications.addChannel(employee.ctx, acme.id, { kind: "slack", url: receiver.url })), "PERMISSION_DENIED");
    await expectError(hub.notifications.listChannels(employee.ctx, acme.id), "PERMISSION_DENIED");
    const other = await buildBusiness(hub, "Other Co");
    const [mine] = await hub.notifications.listChannels(acme.admin.ctx, acme.id);
    // Another business's admin cannot remove it, even naming it under their own business, nor learn of it.
    await expectError(hub.notifications.removeChannel(other.admin.ctx, acme.id, mine!.id), "NOT_FOUND");
    await expectError(hub.notifications.removeChannel(other.admin.ctx, other.id, mine!.id), "INVALID_PARAMETER");
    const denied = await hub.store.db.selectFrom("audit_entries").selectAll().where("outcome", "=", "denied").where("action", "like", "alert_channel.%").execute();
    expect(denied.map((d) => d.action).sort()).toEqual(["alert_channel.add", "alert_channel.remove"]);
    expect(await hub.notifications.listChannels(acme.admin.ctx, acme.id)).toHaveLength(1);
  });

  it("refuses bad channel settings with nothing written", async () => {
    const bad = [
      { kind: "pager" },
      { kind: "slack", url: "ftp://x" },
      { kind: "email", to: "not-an-address" },
      { kind: "whatsapp", to: "12", phoneNumberId: "1", token: "t" },
      { kind: "webhook", url: "https://user:pw@example.test/" },
      { kind: "slack", url: receiver.url, quietHours: "22-07" },
      { kind: "slack", url: receiver.url, timeZone: "Mars/Olympus" },
      { kind: "slack", url: receiver.url, minSeverity: "panic" },
    ];
    for (const input of bad) await expectError(hub.notifications.addChannel(acme.admin.ctx, acme.id, input), "INVALID_PARAMETER");
    expect(await hub.notifications.listChannels(acme.admin.ctx, acme.id)).toEqual([]);
    await expectError(raiseAlert(hub, alert({ severity: "loud" as never })), "INVALID_PARAMETER");
    await expectError(raiseAlert(hub, alert({ businessId: "999999" })), "UNKNOWN_BUSINESS");
  });

  it("delivers an alert to every channel that takes its severity and records the status", async () => {
    await slackChannel();
    await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "email", to: "sec@acme.test" });
    await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "webhook", url: receiver.url, minSeverity: "critical" });
    const outcome = await raiseAlert(hub, alert());
    expect(outcome).toMatchObject({ deduplicated: false, queued: 2, held: 0 });
    const summary = await new NotificationDispatcher(hub.notifications).runOnce(clock.now());
    expect(summary).toMatchObject({ claimed: 2, delivered: 2 });
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0]!.raw.toString()).text).toBe("Spend on Acme Main is 3x its usual Tuesday");
    await smtp.waitFor((m) => m.subject === "[Grantline warning] Spend on Acme Main is 3x its usual Tuesday");
    const [view] = await hub.notifications.listAlerts(acme.admin.ctx, acme.id);
    expect(view).toMatchObject({ source: "autopilot", kind: "spend_spike", repeats: 0 });
    expect(view!.deliveries.map((d) => d.status)).toEqual(["delivered", "delivered"]);
  });

  it("sends the same alert once per dedup window and counts the repeats", async () => {
    hub = await open({ dedupWindowMs: HOUR });
    await slackChannel(hub);
    const dispatcher = new NotificationDispatcher(hub.notifications);
    const first = await raiseAlert(hub, alert());
    const again = await raiseAlert(hub, alert({ title: "Spend still high" }));
    const third = await raiseAlert(hub, alert());
    expect(again).toEqual({ alertId: first.alertId, deduplicated: true, queued: 0, held: 0 });
    expect(third.deduplicated).toBe(true);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries).toHaveLength(1);
    const [view] = await hub.notifications.listAlerts(acme.admin.ctx, acme.id);
    expect(view!.repeats).toBe(2);
    // Another key is another alert; after the window the same key is sent again.
    await raiseAlert(hub, alert({ dedupKey: "spend_spike:act_2:2026-01-05" }));
    clock.t += HOUR;
    expect((await raiseAlert(hub, alert())).deduplicated).toBe(false);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries).toHaveLength(3);
  });

  it("holds alerts over a channel's hourly limit and sends them later as one digest", async () => {
    hub = await open({ channelPerHour: 2 });
    await slackChannel(hub);
    const dispatcher = new NotificationDispatcher(hub.notifications);
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await raiseAlert(hub, alert({ dedupKey: `k${i}`, title: `Alert ${i}` })));
    expect(outcomes.map((o) => o.held)).toEqual([0, 0, 1, 1, 1]);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries).toHaveLength(2);
    clock.t += 30 * MINUTE;
    expect((await dispatcher.runOnce(clock.now())).digests).toBe(0);
    clock.t += 31 * MINUTE;
    const summary = await dispatcher.runOnce(clock.now());
    expect(summary).toMatchObject({ digests: 1, delivered: 1 });
    const digest = JSON.parse(receiver.deliveries[2]!.raw.toString()) as { text: string; blocks: unknown[] };
    expect(digest.text).toBe("3 alerts for Acme Outdoor (held by the hourly limit)");
    for (const title of ["Alert 2", "Alert 3", "Alert 4"]) expect(JSON.stringify(digest.blocks)).toContain(title);
    const views = await hub.notifications.listAlerts(acme.admin.ctx, acme.id);
    expect(views.every((v) => v.deliveries[0]!.status === "delivered")).toBe(true);
  });

  it("limits a business across its channels", async () => {
    hub = await open({ businessPerHour: 3, channelPerHour: 100 });
    await slackChannel(hub);
    await slackChannel(hub, { name: "#second" });
    const first = await raiseAlert(hub, alert({ dedupKey: "a" }));
    const second = await raiseAlert(hub, alert({ dedupKey: "b" }));
    expect([first.queued, first.held, second.queued, second.held]).toEqual([2, 0, 1, 1]);
  });

  it("holds non-urgent alerts during quiet hours in the channel's time zone; urgent ones go through", async () => {
    // 12:00 UTC is 21:00 in Tokyo; quiet 20:00-08:00 there ends at 23:00 UTC.
    await slackChannel(hub, { quietHours: "20:00-08:00", timeZone: "Asia/Tokyo" });
    const dispatcher = new NotificationDispatcher(hub.notifications);
    expect((await raiseAlert(hub, alert({ dedupKey: "w1", title: "Warning one" }))).held).toBe(1);
    expect((await raiseAlert(hub, alert({ dedupKey: "w2", title: "Warning two", severity: "info" }))).held).toBe(1);
    expect((await raiseAlert(hub, alert({ dedupKey: "c1", title: "Critical one", severity: "critical" }))).queued).toBe(1);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries.map((r) => JSON.parse(r.raw.toString()).text)).toEqual(["Critical one"]);
    clock.t = Date.UTC(2026, 0, 5, 22, 59);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries).toHaveLength(1);
    clock.t = Date.UTC(2026, 0, 5, 23, 0);
    await dispatcher.runOnce(clock.now());
    expect(receiver.deliveries).toHaveLength(2);
    const digest = JSON.parse(receiver.deliveries[1]!.raw.toString()) as { text: string; blocks: unknown[] };
    expect(digest.text).toBe("2 alerts for Acme Outdoor (held during quiet hours)");
    expect(JSON.stringify(digest.blocks)).toContain("Warning two");
  });

  it("retries a failed send with backoff and fails it after the last attempt", async () => {
    await slackChannel();
    const dispatcher = new NotificationDispatcher(hub.notifications);
    receiver.postStatuses = [500, 503];
    await raiseAlert(hub, alert());
    expect(await dispatcher.runOnce(clock.now())).toMatchObject({ retrying: 1 });
    expect(await dispatcher.runOnce(clock.now())).toMatchObject({ claimed: 0 });
    clock.t += retryDelayMs(1);
    expect(await dispatcher.runOnce(clock.now())).toMatchObject({ retrying: 1 });
    clock.t += retryDelayMs(2);
    expect(await dispatcher.runOnce(clock.now())).toMatchObject({ delivered: 1 });
    const [view] = await hub.notifications.listAlerts(acme.admin.ctx, acme.id);
    expect(view!.deliveries[0]).toMatchObject({ status: "delivered", attempts: 3, lastError: null });

    receiver.postStatuses = Array.from({ length: 8 }, () => 500);
    await raiseAlert(hub, alert({ dedupKey: "other" }));
    for (let attempt = 1; attempt <= 8; attempt++) {
      await dispatcher.runOnce(clock.now());
      clock.t += retryDelayMs(attempt);
    }
    const [failed] = await hub.notifications.listAlerts(acme.admin.ctx, acme.id);
    expect(failed!.deliveries[0]).toMatchObject({ status: "failed", attempts: 8, lastError: "HTTP 500 Internal Server Error" });
  });

  it("fails at once when the channel was removed before sending", async () => {
    const { channel } = await slackChannel();
    await raiseAlert(hub, alert());
    await hub.notifications.removeChannel(acme.admin.ctx, acme.id, channel.id);
    expect(await new NotificationDispatcher(hub.notifications).runOnce(clock.now())).toMatchObject({ failed: 1 });
    expect(receiver.deliveries).toHaveLength(0);
  });

  it("sends each delivery once when several instances dispatch at the same time", async () => {
    const other = await open();
    await slackChannel();
    for (let i = 0; i < 12; i++) await raiseAlert(hub, alert({ dedupKey: `k${i}`, title: `Alert ${i}` }));
    const a = new NotificationDispatcher(hub.notifications, { batchSize: 5 });
    const b = new NotificationDispatcher(other.notifications, { batchSize: 5 });
    for (let round = 0; round < 4; round++) await Promise.all([a.runOnce(clock.now()), b.runOnce(clock.now())]);
    const titles = receiver.deliveries.map((r) => JSON.parse(r.raw.toString()).text as string).sort();
    expect(titles).toEqual(Array.from({ length: 12 }, (_, i) => `Alert ${i}`).sort());
  });

  it("tests a channel directly and audits the result", async () => {
    const { channel } = await slackChannel();
    expect(await hub.notifications.testChannel(acme.admin.ctx, acme.id, channel.id)).toEqual({ ok: true, status: 200 });
    receiver.postStatuses = [410];
    expect(await hub.notifications.testChannel(acme.admin.ctx, acme.id, channel.id)).toMatchObject({ ok: false, status: 410 });
    const tests = await hub.store.db.selectFrom("audit_entries").select(["outcome", "reason"]).where("action", "=", "alert_channel.test").orderBy("seq").execute();
    expect(tests).toEqual([
      { outcome: "success", reason: null },
      { outcome: "failed", reason: "HTTP 410 Gone" },
    ]);
  });
});
