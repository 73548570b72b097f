import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { NotificationDispatcher } from "../../src/notify/notificationDispatcher.ts";
import { raiseAlert } from "../../src/notify/raiseAlert.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { WebhookReceiver, webhookTestKey } from "../support/webhooks.ts";
import { openNotifyHub } from "./notifyHub.ts";

describe.each(DIALECTS)("alert channels on the Graph surface on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let receiver: WebhookReceiver;
  let clock: TestClock;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    // Noon UTC: outside the Paris quiet hours below, whatever the wall clock says.
    clock = new TestClock(Date.UTC(2026, 0, 5, 12));
    hub = await openNotifyHub(store, webhookTestKey(), clock);
    server = await startServer(hub);
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await server.close();
    await receiver.close();
    await hub.close();
    await store.cleanup();
  });

  it("lets the business's admins add, list, test and remove channels, and read alerts with their delivery status", async () => {
    const acme = await bootstrapBusiness(hub, "Acme Outdoor");
    const graph = graphClient(server.url, acme.access_token);
    const base = `/v24.0/${acme.business_id}`;

    const hook = await graph("POST", `${base}/alert_channels`, { kind: "webhook", url: receiver.url, name: "SIEM", min_severity: "warning" });
    expect(hook.status).toBe(200);
    expect(hook.body.signing_secret).toMatch(/^[0-9a-f]{64}$/);
    const slack = await graph("POST", `${base}/alert_channels`, `kind=slack&url=${encodeURIComponent(`${receiver.url}?k=SLACKSECRET`)}&quiet_hours=22:00-07:00&time_zone=Europe/Paris`);
    expect(slack.status).toBe(200);
    expect(slack.body.signing_secret).toBeUndefined();

    const list = await graph("GET", `${base}/alert_channels?fields=id,kind,name,secret_hint,quiet_hours`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { kind: string }) => c.kind).sort()).toEqual(["slack", "webhook"]);
    expect(JSON.stringify(list.body)).not.toContain("SLACKSECRET");
    expect(JSON.stringify(list.body)).not.toContain(hook.body.signing_secret);

    const tested = await graph("POST", `${base}/alert_channel_tests`, { channel_id: hook.body.id });
    expect(tested.body).toEqual({ success: true, status: 200 });
    expect(receiver.deliveries).toHaveLength(1);

    await raiseAlert(hub, { businessId: acme.business_id, kind: "disapproved_ad", severity: "critical", title: "Ad 'Trail shoes' was disapproved", body: "Policy: misleading claims.", dedupKey: "ad:1", source: "autopilot" });
    await new NotificationDispatcher(hub.notifications).runOnce(clock.now());
    const alerts = await graph("GET", `${base}/alerts`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.data).toHaveLength(1);
    expect(alerts.body.data[0]).toMatchObject({ kind: "disapproved_ad", severity: "critical", title: "Ad 'Trail shoes' was disapproved" });
    expect(alerts.body.data[0].deliveries.map((d: { status: string }) => d.status)).toEqual(["DELIVERED", "DELIVERED"]);

    expect((await graph("DELETE", `${base}/alert_channels?channel_id=${slack.body.id}`)).body).toEqual({ success: true });
    expect((await graph("GET", `${base}/alert_channels`)).body.data).toHaveLength(1);
  });

  it("refuses people who are not admins of the business, and bad settings, with Graph errors", async () => {
    const acme = await bootstrapBusiness(hub, "Acme Outdoor");
    const employee = await hub.businesses.createSystemUser(operatorContext(), acme.business_id, { name: "Reporting bot", role: "EMPLOYEE" });
    const employeeToken = (await hub.tokens.issueSystemUserToken(operatorContext(), employee.id, {})).accessToken;
    const other = await bootstrapBusiness(hub, "Other Co");
    const base = `/v24.0/${acme.business_id}`;

    // The employee is told why (200); another business is answered as for an unknown object.
    for (const [token, refusal] of [[employeeToken, { code: 200, type: "OAuthException" }], [other.access_token, { code: 100, error_subcode: 33 }]] as const) {
      const graph = graphClient(server.url, token);
      const listed = await graph("GET", `${base}/alert_channels`);
      expect(listed.status).toBe(400);
      expect(listed.body.error).toMatchObject(refusal);
      expect((await graph("POST", `${base}/alert_channels`, { kind: "slack", url: receiver.url })).status).toBe(400);
      expect((await graph("GET", `${base}/alerts`)).status).toBe(400);
    }
    const admin = graphClient(server.url, acme.access_token);
    const bad = await admin("POST", `${base}/alert_channels`, { kind: "email", to: "not-an-address" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 100, error_user_msg: "Not an email address: not-an-address." });
    expect((await admin("GET", `${base}/alert_channels`)).body.data).toEqual([]);
    const denied = await hub.store.db.selectFrom("audit_entries").select("action").where("outcome", "=", "denied").execute();
    expect(denied.map((d) => d.action)).toContain("alert_channel.add");
  });
});
