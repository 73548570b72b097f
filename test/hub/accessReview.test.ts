import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext, type RequestContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { Finding } from "../../src/hub/review/findings.ts";
import { totpCodeAt } from "../../src/auth/totp.ts";
import { adServicesOf, buildAsset, buildBusiness, buildCampaign, buildMember, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";

/** A read the Graph layer would make, recorded the way an audited read is. */
async function recordRead(hub: Grantline, ctx: RequestContext, assetId: string, what: "insights" | "ad_account") {
  await hub.audit.record(ctx, { action: "graph.get", targetType: what, targetId: assetId, outcome: "success" });
}

const ofKind = (findings: Finding[], kind: Finding["kind"]) => findings.filter((f) => f.kind === kind);

describe.each(DIALECTS)("access review findings on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Grantline;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("reports a partner share unused for 120 days, with revoke_share as the fix", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const partner = await buildBusiness(hub, "Northwind Media");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, partner, account.id, "STANDARD");
    const staff = await buildMember(hub, partner, "EMPLOYEE", "Nora Staff");
    await hub.assignments.assign(partner.admin.ctx, { assetId: account.id, principalId: staff.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.advanceDays(120);

    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    expect(report.business_id).toBe(owner.id);
    expect(report.window_days).toBe(90);
    const unused = ofKind(report.findings, "unused");
    expect(unused).toHaveLength(1);
    expect(unused[0]).toMatchObject({
      principal: { id: partner.id, name: "Northwind Media", type: "business" },
      asset: { id: account.id, name: "Acme Main", type: "ad_account" },
      evidence: { last_used: null, actions_seen: [] },
      fix: { action: "revoke_share", params: { asset_id: account.id, partner_business_id: partner.id } },
    });
    expect(unused[0]!.path).toContain("Acme shared Acme Main with Northwind Media");

    const external = ofKind(report.findings, "external");
    expect(external.map((f) => f.principal?.id)).toEqual([staff.id]);
    expect(external[0]!.fix.action).toBe("revoke_share");
    expect(external[0]!.path).toContain("Northwind Media assigned Nora Staff");

    // The owner's admin did nothing recorded in the window either.
    expect(ofKind(report.findings, "stale_principal").map((f) => f.principal?.id)).toEqual([owner.admin.id]);

    // A window reaching back to the share's start sees the grant as too new to judge.
    const wide = await hub.review.findings(owner.admin.ctx, owner.id, { windowDays: 121 });
    expect(ofKind(wide.findings, "unused")).toEqual([]);
  });

  it("suggests Analytics view for an agency with Admin whose staff only ever read insights", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Blue Agency");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "ADMIN");
    const staff = await buildMember(hub, agency, "EMPLOYEE", "Ana Analyst");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: staff.id, tasks: presetTasks("ad_account", "ADMIN") });
    clock.advanceDays(100);
    await recordRead(hub, staff.ctx, account.id, "insights");
    clock.advanceDays(1);
    await recordRead(hub, staff.ctx, account.id, "insights");

    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    expect(ofKind(report.findings, "unused")).toEqual([]);
    const over = ofKind(report.findings, "over_privileged");
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({
      principal: { id: agency.id, type: "business" },
      asset: { id: account.id },
      evidence: {
        last_used: new Date(clock.t).toISOString(),
        actions_seen: ["read_insights"],
        tasks_used: ["ANALYZE"],
        granted_level: "Admin",
        suggested_level: "Analytics view",
      },
      fix: { action: "downgrade", params: { asset_id: account.id, partner_business_id: agency.id, level: "ANALYTICS_VIEW", tasks: ["ANALYZE"] } },
    });
    expect(over[0]!.fix.description).toContain("Analytics view");
  });

  it("counts changes to ad objects under an account as use of the account", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Blue Agency");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    const buyer = await buildMember(hub, agency, "EMPLOYEE", "Ben Buyer");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: buyer.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.advanceDays(100);
    await buildCampaign(adServicesOf(hub), buyer.ctx, account.graphId);

    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    expect(ofKind(report.findings, "unused")).toEqual([]);
    const over = ofKind(report.findings, "over_privileged");
    expect(over).toHaveLength(1);
    expect(over[0]!.evidence).toMatchObject({ actions_seen: ["create_campaign"], tasks_used: ["ADVERTISE"], suggested_level: "Launch only" });
    expect(over[0]!.fix).toMatchObject({ action: "downgrade", params: { level: "LAUNCH_ONLY" } });
  });

  it("reviews the business's own people on a client's asset, not the client's people, with fixes that keep the share", async () => {
    const client = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Blue Agency");
    const account = await buildAsset(hub, client, "ad_account", "Acme Main");
    await buildShare(hub, client, agency, account.id, "ADMIN");
    const buyer = await buildMember(hub, agency, "EMPLOYEE", "Ben Buyer");
    const idle = await buildMember(hub, agency, "EMPLOYEE", "Ivy Idle");
    const clientStaff = await buildMember(hub, client, "EMPLOYEE", "Carl Client");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: buyer.id, tasks: presetTasks("ad_account", "ADMIN") });
    const idleAssignment = await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: idle.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    await hub.assignments.assign(client.admin.ctx, { assetId: account.id, principalId: clientStaff.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    clock.advanceDays(100);
    await buildCampaign(adServicesOf(hub), buyer.ctx, account.graphId);

    const report = await hub.review.findings(agency.admin.ctx, agency.id);
    // The same use read from the audit log or the rollup.
    expect(await hub.review.findings(agency.admin.ctx, agency.id, { usageSource: "audit_log" })).toEqual(report);
    const grants = report.findings.filter((f) => f.kind === "unused" || f.kind === "over_privileged");
    expect(grants.map((f) => `${f.kind} ${f.principal!.id} ${f.asset!.id}`).sort()).toEqual([`over_privileged ${buyer.id} ${account.id}`, `unused ${idle.id} ${account.id}`].sort());
    expect(ofKind(report.findings, "over_privileged")[0]).toMatchObject({
      evidence: { actions_seen: ["create_campaign"], tasks_used: ["ADVERTISE"], suggested_level: "Launch only" },
      fix: { action: "downgrade", params: { asset_id: account.id, principal_id: buyer.id, business_id: agency.id, level: "LAUNCH_ONLY" } },
    });
    // The share and the client's own people are the client's to review.
    expect(report.findings.some((f) => f.principal?.id === clientStaff.id || f.principal?.id === client.id || f.kind === "external")).toBe(false);

    const fix = ofKind(report.findings, "unused")[0]!.fix;
    expect(fix).toMatchObject({ action: "remove_assignment", params: { assignment_id: idleAssignment.id, business_id: agency.id } });
    await hub.reviewFixes.apply(agency.admin.ctx, agency.id, fix);
    const after = await hub.review.findings(agency.admin.ctx, agency.id);
    expect(ofKind(after.findings, "unused")).toEqual([]);
    expect(hub.engine.check({ principalId: buyer.id }, "create_campaign", account.id)).toBe(true);

    // Once the client ends the share, nothing of its asset is the agency's to review.
    await hub.partners.removeShare(client.admin.ctx, { assetId: account.id, partnerBusinessId: agency.id });
    const ended = await hub.review.findings(agency.admin.ctx, agency.id);
    expect(ended.findings.filter((f) => f.asset?.id === account.id)).toEqual([]);
  });

  it("flags an unverified app granted ads_management on an asset", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const vendor = await buildBusiness(hub, "Gadget Tools");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    const app = await hub.apps.createApp(vendor.admin.ctx, vendor.id, "Bid Wizard");
    const grant = await hub.apps.grant(owner.admin.ctx, { appId: app.id, scopes: ["ads_read", "ads_management"], assetIds: [account.id] });

    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    const risky = ofKind(report.findings, "unverified_app_write");
    expect(risky).toHaveLength(1);
    expect(risky[0]).toMatchObject({
      principal: { id: app.id, name: "Bid Wizard", type: "app" },
      asset: { id: account.id },
      evidence: { write_scopes: ["ads_management"], verification_status: "not_verified" },
      fix: { action: "remove_app", params: { grant_id: grant.id, app_id: app.id, granted_by: owner.admin.id } },
    });
    expect(ofKind(report.findings, "external").map((f) => f.principal?.id)).toEqual([app.id]);

    // Once the vendor is verified the app is still external, but no longer flagged.
    await hub.businesses.updateBusiness(operatorContext(), vendor.id, { verificationStatus: "verified" });
    const after = await hub.review.findings(owner.admin.ctx, owner.id);
    expect(ofKind(after.findings, "unverified_app_write")).toEqual([]);
    expect(ofKind(after.findings, "external")).toHaveLength(1);
  });

  it("lists every person without 2FA when the business requires it, and not those who enrolled", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const member = await buildMember(hub, owner, "EMPLOYEE", "Eve Employee");
    expect(ofKind((await hub.review.findings(owner.admin.ctx, owner.id)).findings, "missing_2fa")).toEqual([]);

    await hub.businesses.updateBusiness(owner.admin.ctx, owner.id, { twoFactorRequired: true });
    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    const missing = ofKind(report.findings, "missing_2fa");
    expect(missing.map((f) => f.principal?.id).sort()).toEqual([owner.admin.id, member.id].sort());
    expect(missing[0]).toMatchObject({ asset: null, evidence: { two_factor_required: true, enrolled: false }, fix: { action: "require_2fa" } });

    // Once Eve has enrolled (sign in, enrol, confirm a code), she is no longer reported.
    const email = (await hub.store.db.selectFrom("people").select("email").where("id", "=", member.id).executeTakeFirstOrThrow()).email;
    await hub.auth.setPassword(operatorContext(), email, "eve's long password");
    const signedIn = await hub.auth.login(operatorContext(), { email, password: "eve's long password", ip: "127.0.0.1" });
    const { secret } = await hub.auth.enrollTotp(operatorContext(), (await hub.auth.session(signedIn.sessionValue))!);
    await hub.auth.confirmTotp(operatorContext(), signedIn.sessionValue, totpCodeAt(secret, hub.now()));
    const enrolled = ofKind((await hub.review.findings(owner.admin.ctx, owner.id)).findings, "missing_2fa");
    expect(enrolled.map((f) => f.principal?.id)).toEqual([owner.admin.id]);
  });

  it("reports shares ending soon and shares past their end date that are still active", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const partner = await buildBusiness(hub, "Northwind Media");
    const soon = await buildAsset(hub, owner, "ad_account", "Ends soon");
    const later = await buildAsset(hub, owner, "ad_account", "Ends later");
    const day = 24 * 60 * 60 * 1000;
    for (const [asset, days] of [[soon, 10], [later, 40]] as const) {
      await hub.partners.offer(owner.admin.ctx, { assetId: asset.id, partnerBusinessId: partner.id, tasks: presetTasks("ad_account", "VIEW_ONLY"), endsAt: clock.t + days * day });
      await hub.partners.acceptOrRequest(partner.admin.ctx, { partnerBusinessId: partner.id, assetId: asset.id });
    }
    let ending = ofKind((await hub.review.findings(owner.admin.ctx, owner.id)).findings, "share_ending");
    expect(ending.map((f) => [f.asset?.id, f.evidence.already_ended])).toEqual([[soon.id, false]]);
    expect(ending[0]!.fix.action).toBe("renew_or_end_share");

    clock.advanceDays(12);
    ending = ofKind((await hub.review.findings(owner.admin.ctx, owner.id)).findings, "share_ending");
    expect(ending.map((f) => [f.asset?.id, f.evidence.already_ended]).sort()).toEqual([[soon.id, true]]);
  });

  it("reports an own assignment nobody used and a system user whose token was never used", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    const idle = await buildMember(hub, owner, "EMPLOYEE", "Ivan Idle");
    const assignment = await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: idle.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    const bot = await hub.businesses.createSystemUser(owner.admin.ctx, owner.id, { name: "Reporting Bot", role: "EMPLOYEE" });
    await hub.tokens.issueSystemUserToken(owner.admin.ctx, bot.id, {});
    clock.advanceDays(95);
    await recordRead(hub, owner.admin.ctx, account.id, "ad_account");

    const report = await hub.review.findings(owner.admin.ctx, owner.id);
    const unused = ofKind(report.findings, "unused");
    expect(unused).toHaveLength(1);
    expect(unused[0]).toMatchObject({ principal: { id: idle.id, type: "person" }, fix: { action: "remove_assignment", params: { assignment_id: assignment.id } } });
    const stale = ofKind(report.findings, "stale_principal");
    expect(stale.map((f) => f.principal?.id).sort()).toEqual([idle.id, bot.id].sort());
    const botFinding = stale.find((f) => f.principal?.id === bot.id)!;
    expect(botFinding.evidence).toMatchObject({ never_used: true, last_used: null });
    expect(botFinding.fix.action).toBe("revoke_token");
  });

  it("finds nothing in a clean world: every grant used at its level, no apps, partners or 2FA requirement", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    const viewer = await buildMember(hub, owner, "EMPLOYEE", "Vera Viewer");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: viewer.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
    clock.advanceDays(100);
    await recordRead(hub, viewer.ctx, account.id, "ad_account");
    await recordRead(hub, viewer.ctx, account.id, "insights");
    await recordRead(hub, owner.admin.ctx, account.id, "insights");

    const report = await hub.review.findings(owner.admin.ctx, owner.id, { windowDays: 30 });
    expect(report).toEqual({ business_id: owner.id, window_days: 30, findings: [] });
  });

  it("lets only admins of the business (or the operator) run a review", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const employee = await buildMember(hub, owner, "EMPLOYEE");
    const outsider = await buildBusiness(hub, "Other");
    await expectError(hub.review.findings(employee.ctx, owner.id), "PERMISSION_DENIED");
    // An outsider learns nothing, not even that the business has a review to run.
    await expectError(hub.review.findings(outsider.admin.ctx, owner.id), "NOT_FOUND");
    await expect(hub.review.findings(operatorContext(), owner.id)).resolves.toMatchObject({ business_id: owner.id });
    await expect(hub.review.findings(operatorContext(), owner.id, { windowDays: 0 })).rejects.toThrow(/window_days/);
  });
});
