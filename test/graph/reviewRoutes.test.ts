import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { buildAsset, buildBusiness, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** A system user of the business with the role, and its token. */
async function systemUserToken(hub: Grantline, business: TestBusiness, role: "ADMIN" | "EMPLOYEE") {
  const user = await hub.businesses.createSystemUser(business.admin.ctx, business.id, { name: `${business.name} ${role} bot`, role });
  const token = await hub.tokens.issueSystemUserToken(operatorContext(), user.id, {});
  return { id: user.id, token: token.accessToken };
}

describe.each(DIALECTS)("access review routes on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Grantline;
  let server: RunningServer;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    server = await startServer(hub);
  });
  afterEach(async () => {
    await server.close();
    await store.cleanup();
  });

  /** Acme shares its account with an agency whose bot is staffed on it; nobody uses it for 100 days. */
  async function world() {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind Media");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    const share = await buildShare(hub, owner, agency, account.id, "STANDARD");
    const admin = await systemUserToken(hub, owner, "ADMIN");
    const employee = await systemUserToken(hub, owner, "EMPLOYEE");
    const agencyBot = await systemUserToken(hub, agency, "EMPLOYEE");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: agencyBot.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.advanceDays(100);
    return { owner, agency, account, share, admin, employee, agencyBot };
  }

  it("serves findings to business admins only, with window_days and catalogue errors", async () => {
    const w = await world();
    const asAdmin = graphClient(server.url, w.admin.token);
    const report = await asAdmin("GET", `/v24.0/${w.owner.id}/access_review_findings?window_days=90`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ business_id: w.owner.id, window_days: 90 });
    const unused = (report.body.data as { kind: string; principal: { id: string }; fix: { action: string } }[]).filter((f) => f.kind === "unused");
    expect(unused.map((f) => [f.principal.id, f.fix.action])).toEqual([[w.agency.id, "revoke_share"]]);

    // The agency's bot used the account yesterday: through the Graph surface, not the audit log.
    expect((await graphClient(server.url, w.agencyBot.token)("GET", `/${w.account.graphId}?fields=name`)).status).toBe(200);
    const after = await asAdmin("GET", `/${w.owner.id}/access_review_findings`);
    expect((after.body.data as { kind: string }[]).filter((f) => f.kind === "unused")).toEqual([]);

    const bad = await asAdmin("GET", `/${w.owner.id}/access_review_findings?window_days=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 100, type: "OAuthException" });
    expect(JSON.stringify(bad.body)).not.toContain("at ");

    const employee = await graphClient(server.url, w.employee.token)("GET", `/${w.owner.id}/access_review_findings`);
    expect(employee.status).toBe(400);
    expect(employee.body.error).toMatchObject({ code: 200 });
    const outsider = await graphClient(server.url, w.agencyBot.token)("GET", `/${w.owner.id}/access_review_findings`);
    expect(outsider.status).toBeGreaterThanOrEqual(400);
    expect((await graphClient(server.url)("GET", `/${w.owner.id}/access_review_findings`)).status).toBe(400);
  });

  it("runs a campaign: start, list, items by partner, decide with a reason, evidence as CSV and PDF, close", async () => {
    const w = await world();
    const graph = graphClient(server.url, w.admin.token);
    const started = await graph("POST", `/${w.owner.id}/access_review_campaigns`, { name: "Q1 review", close_policy: "revoke" });
    expect(started.status).toBe(200);
    const campaignId = started.body.id as string;
    expect(started.body).toMatchObject({ name: "Q1 review", status: "open", close_policy: "revoke", items: 1 });

    const listed = await graph("GET", `/${w.owner.id}/access_review_campaigns`);
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([campaignId]);
    expect((await graph("GET", `/v24.0/${campaignId}?fields=name,status`)).body).toEqual({ id: campaignId, name: "Q1 review", status: "open" });

    const items = await graph("GET", `/${campaignId}/items?group_by=partner`);
    expect(items.body.group_by).toBe("partner");
    const item = items.body.data[0].items[0] as { id: string; kind: string; status: string };
    expect(item).toMatchObject({ kind: "partner_share", status: "open" });

    const noReason = await graph("POST", `/${campaignId}/decisions`, { item_id: item.id, decision: "revoke" });
    expect(noReason.status).toBe(400);
    const badDecision = await graph("POST", `/${campaignId}/decisions`, { item_id: item.id, decision: "ignore", reason: "x" });
    expect(badDecision.status).toBe(400);
    expect(badDecision.body.error.message).toContain("certify, downgrade, revoke");

    // The agency's bot can read the account until the revoke, and not after.
    const bot = graphClient(server.url, w.agencyBot.token);
    expect((await bot("GET", `/${w.account.graphId}`)).status).toBe(200);
    const decided = await graph("POST", `/${campaignId}/decisions`, { item_id: item.id, decision: "revoke", reason: "Engagement ended" });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ id: item.id, status: "revoked", reason: "Engagement ended" });
    expect((await bot("GET", `/${w.account.graphId}`)).status).toBeGreaterThanOrEqual(400);

    const reminder = await graph("POST", `/${campaignId}/reminders`);
    expect(reminder.body).toMatchObject({ campaign_id: campaignId, open_items: 0 });

    const csv = await fetch(`${server.url}/${campaignId}/evidence?format=csv&access_token=${w.admin.token}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(await csv.text()).toContain("Engagement ended");
    const pdf = await fetch(`${server.url}/v24.0/${campaignId}/evidence?format=pdf`, { headers: { authorization: `Bearer ${w.admin.token}` } });
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    const wrongFormat = await graphClient(server.url, w.admin.token)("GET", `/${campaignId}/evidence?format=xls`);
    expect(wrongFormat.status).toBe(400);
    const notAllowed = await graphClient(server.url, w.employee.token)("GET", `/${campaignId}/evidence?format=csv`);
    expect(notAllowed.status).toBe(400);

    const closed = await graph("POST", `/${campaignId}/close`);
    expect(closed.body).toMatchObject({ policy: "revoke", skipped: 0, revoked: 0, campaign: { status: "closed" } });
    expect((await graph("POST", `/${campaignId}/close`)).status).toBe(400);
    expect((await graphClient(server.url, w.employee.token)("GET", `/${campaignId}`)).status).toBe(400);
  });

  it("checks and lists verified removals", async () => {
    const w = await world();
    const graph = graphClient(server.url, w.admin.token);
    const before = await graph("POST", `/${w.owner.id}/removal_verifications`, { partner_business_id: w.agency.id });
    expect(before.body).toMatchObject({ verified: false });
    await hub.partners.removePartner(w.owner.admin.ctx, { ownerBusinessId: w.owner.id, partnerBusinessId: w.agency.id });
    const after = await graph("POST", `/${w.owner.id}/removal_verifications`, { partner_business_id: w.agency.id });
    expect(after.body).toMatchObject({ verified: true, remaining: [] });
    const both = await graph("POST", `/${w.owner.id}/removal_verifications`, { partner_business_id: w.agency.id, person_id: "1" });
    expect(both.status).toBe(400);
    const listed = await graph("GET", `/${w.owner.id}/removal_verifications`);
    expect(listed.body.data.map((v: { verified: boolean; removed: { kind: string; id: string } }) => [v.verified, v.removed.kind, v.removed.id])).toEqual([
      [true, "partner", w.agency.id],
      [false, "partner", w.agency.id],
    ]);
    expect((await graphClient(server.url, w.employee.token)("GET", `/${w.owner.id}/removal_verifications`)).status).toBe(400);
  });

  it("answers troubleshooter questions on assets and businesses", async () => {
    const w = await world();
    const graph = graphClient(server.url, w.admin.token);
    const permissions = await graph("GET", `/${w.account.graphId}/troubleshoot?problem=permissions&principal_id=${w.agencyBot.id}`);
    expect(permissions.status).toBe(200);
    expect(JSON.stringify(permissions.body)).toContain("Standard");
    const missing = await graph("GET", `/${w.account.graphId}/troubleshoot?problem=missing_asset&principal_id=${w.agencyBot.id}&action=manage_access`);
    expect(missing.status).toBe(200);
    expect(JSON.stringify(missing.body)).toContain("MANAGE");
    const spike = await graph("GET", `/${w.account.graphId}/troubleshoot?problem=spend_spike&since=2025-12-01`);
    expect(spike.status).toBe(200);
    const invitation = await graphClient(server.url, w.agencyBot.token)("GET", `/${w.agency.id}/troubleshoot?problem=invitation&owner_business_id=${w.owner.id}`);
    expect(invitation.status).toBe(200);

    expect((await graph("GET", `/${w.account.graphId}/troubleshoot?problem=horoscope`)).status).toBe(400);
    expect((await graph("GET", `/${w.account.graphId}/troubleshoot?problem=spend_spike&since=yesterday`)).status).toBe(400);
    expect((await graph("GET", `/${w.account.graphId}/troubleshoot?problem=missing_asset`)).status).toBe(400);
  });
});
