import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildAsset, buildBusiness, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";
import { deadUrl, WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { verifyGrantlineWebhook } from "../../src/notify/webhookChannel.ts";
import { openNotifyHub } from "./notifyHub.ts";

describe.each(DIALECTS)("grantline alerts on %s", (dialect) => {
  let store: TestStore;
  let receiver: WebhookReceiver;
  let key: Buffer;
  let env: Record<string, string>;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    receiver = await new WebhookReceiver().start();
    key = webhookTestKey();
    env = { ...store.env, GRANTLINE_SECRET_KEY: key.toString("base64") };
  });
  afterEach(async () => {
    await receiver.close();
    await store.cleanup();
  });

  const cli = async (...args: string[]) => JSON.parse((await runGrantline(env, ...args, "--json")).stdout) as Record<string, any>;

  // Each command starts a process of its own; on a busy machine that takes seconds.
  const CLI_TIMEOUT = 180_000;

  it("adds, lists, tests and removes channels, secrets never printed", async () => {
    const hub = await openNotifyHub(store, key, new TestClock(Date.now() - 60_000));
    const acme = await buildBusiness(hub, "Acme Outdoor");
    await hub.close();

    const slackUrl = `${receiver.url}?slack-secret=XOXB-SHOULD-NOT-SHOW`;
    const slack = await cli("alerts", "channel", "add", "--business", acme.id, "--kind", "slack", "--url", slackUrl, "--name", "#security", "--min-severity", "warning");
    expect(slack.channel).toMatchObject({ kind: "slack", name: "#security", minSeverity: "warning" });
    expect(JSON.stringify(slack)).not.toContain("XOXB-SHOULD-NOT-SHOW");
    const hook = await cli("alerts", "channel", "add", "--business", acme.id, "--kind", "webhook", "--url", receiver.url, "--quiet-hours", "23:00-06:00", "--time-zone", "Europe/Paris");
    expect(hook.signing_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.channel.quietHours).toBe("23:00-06:00");

    expect(await cli("alerts", "channel", "test", "--business", acme.id, "--channel", slack.channel.id)).toEqual({ ok: true, status: 200 });
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0]!.raw.toString()).text).toBe("Test message for #security");

    expect(await cli("alerts", "channel", "remove", "--business", acme.id, "--channel", slack.channel.id)).toEqual({ success: true });
    const listed = await runGrantline(env, "alerts", "channel", "list", "--business", acme.id, "--json");
    expect(listed.stdout).not.toContain(hook.signing_secret);
    expect((JSON.parse(listed.stdout) as { channels: Array<{ id: string }> }).channels.map((c) => c.id)).toEqual([hook.channel.id]);
  }, CLI_TIMEOUT);

  it("runs a pass that raises and delivers security alerts, then lists them", async () => {
    // The CLI runs on the real clock, so the world is built on it too.
    const hub = await openNotifyHub(store, key, new TestClock(Date.now() - 60_000));
    const acme = await buildBusiness(hub, "Acme Outdoor");
    const agency = await buildBusiness(hub, "Northwind Agency");
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const { channel, signingSecret } = await hub.notifications.addChannel(acme.admin.ctx, acme.id, { kind: "webhook", url: receiver.url });
    await buildShare(hub, acme, agency, account.id, "STANDARD");
    await hub.close();

    const run = await cli("alerts", "run");
    expect(run.security).toMatchObject({ raised: 1, deduplicated: 0 });
    expect(run.delivery).toMatchObject({ delivered: 1, failed: 0 });
    const [signed] = receiver.deliveries;
    const headers = { signature: signed!.headers["x-grantline-signature"] as string, timestamp: signed!.headers["x-grantline-timestamp"] as string };
    expect(verifyGrantlineWebhook(signingSecret!, signed!.raw, headers, Date.now())).toBe(true);
    expect(JSON.parse(signed!.raw.toString()).alerts[0].title).toBe("New partner Northwind Agency on Acme Main");

    const alerts = (await cli("alerts", "list", "--business", acme.id)).alerts as Array<Record<string, any>>;
    expect(alerts.map((a) => [a.kind, a.title])).toEqual([["partner_added", "New partner Northwind Agency on Acme Main"]]);
    expect(alerts[0]!.deliveries).toMatchObject([{ channelId: channel.id, status: "delivered", attempts: 1 }]);
  }, CLI_TIMEOUT);

  it("exits non-zero for bad input and for a channel that cannot be reached", async () => {
    const hub = await openNotifyHub(store, key, new TestClock(Date.now() - 60_000));
    const acme = await buildBusiness(hub, "Acme Outdoor");
    await hub.close();
    const bad = await runGrantline(env, "alerts", "channel", "add", "--business", acme.id, "--kind", "email", "--to", "nobody").catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain("Not an email address: nobody.");
    const dead = await cli("alerts", "channel", "add", "--business", acme.id, "--kind", "slack", "--url", await deadUrl());
    const test = await runGrantline(env, "alerts", "channel", "test", "--business", acme.id, "--channel", dead.channel.id).catch((e: { code: number; stdout: string }) => e);
    expect(test).toMatchObject({ code: 6 });
    expect((test as { stdout: string }).stdout).toContain("Test message NOT delivered: Could not connect to 127.0.0.1.");
  }, CLI_TIMEOUT);
});
