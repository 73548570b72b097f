import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessImpact } from "../../src/hub/access/impact.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { ReviewItemView } from "../../src/hub/review/reviewCampaign.service.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { pdfText } from "../support/pdfText.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/**
 * Review campaigns follow the grants as they are: a grant that ends outside the campaign (partner
 * removed, share or assignment removed, app disconnected; in the hub, through the Graph) closes its
 * item as already removed with the removal's audit entry, and no decision can be recorded on it; a
 * grant narrowed outside shows what it gives now. And a finding's fixes come narrowest first.
 */

describe.each(DIALECTS)("review campaigns follow reality on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Grantline;
  let server: RunningServer | undefined;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    server = undefined;
  });
  afterEach(async () => {
    await server?.close();
    await store.cleanup();
  });

  /**
   * Acme shares its account with Blue Agency at Standard; the agency staffs a person at Standard and
   * its reporting bot at Analytics view; Acme assigns one employee; an app is connected by Acme's admin.
   */
  async function world() {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Blue Agency");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    const staff = await buildMember(hub, agency, "EMPLOYEE", "Ana Analyst");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: staff.id, tasks: presetTasks("ad_account", "STANDARD") });
    const bot = await hub.businesses.createSystemUser(agency.admin.ctx, agency.id, { name: "Report Bot", role: "EMPLOYEE" });
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: bot.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
    const employee = await buildMember(hub, owner, "EMPLOYEE", "Eve Employee");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: employee.id, tasks: presetTasks("ad_account", "STANDARD") });
    const app = await hub.apps.createApp(owner.admin.ctx, owner.id, "Bid Helper");
    const grant = await hub.apps.grant(owner.admin.ctx, { appId: app.id, scopes: ["ads_read", "ads_management"], assetIds: [account.id], businessIds: [owner.id] });
    clock.advanceDays(100);
    return { owner, agency, account, staff, bot, employee, app, grant };
  }

  const itemsOf = async (ctx: TestBusiness["admin"]["ctx"], campaignId: string) =>
    (await hub.reviewCampaigns.listItems(ctx, campaignId, { groupBy: "asset" })).groups.flatMap((g) => g.items);
  const find = (items: ReviewItemView[], kind: string, principalId: string) => items.find((i) => i.kind === kind && i.principal.id === principalId)!;

  /** The newest successful audit entry of the business with this action. */
  async function lastEntry(businessId: string, action: string) {
    const [entry] = await hub.audit.list({ businessId, action, outcome: "success", limit: 1 });
    return entry!;
  }

  it("a partner removed through the partner service mid-campaign: its share closes as already removed, with the audit entry, and cannot be certified", async () => {
    const w = await world();
    const campaign = await hub.reviewCampaigns.start(w.owner.admin.ctx, w.owner.id, { name: "Q1" });
    clock.advanceDays(1);
    await hub.partners.removePartner(w.owner.admin.ctx, { ownerBusinessId: w.owner.id, partnerBusinessId: w.agency.id });
    const removal = await lastEntry(w.owner.id, "share.remove");

    const items = await itemsOf(w.owner.admin.ctx, campaign.id);
    const share = find(items, "partner_share", w.agency.id);
    expect(share).toMatchObject({
      status: "already_removed",
      decided_by: w.owner.admin.id,
      decided_at: new Date(removal.at).toISOString(),
      result_tasks: [],
      removal: { audit_entry_id: String(removal.seq), time: new Date(removal.at).toISOString(), action: "share.remove", actor: { type: "person", id: w.owner.admin.id } },
    });
    expect(share.reason).toContain(`audit entry ${removal.seq}`);
    // Acme's own grants are untouched, and still open.
    expect(find(items, "owner_assignment", w.employee.id).status).toBe("open");
    expect(find(items, "app_grant", w.app.id).status).toBe("open");

    for (const decision of ["certify", "downgrade", "revoke"] as const) {
      const error = await expectError(hub.reviewCampaigns.decide(w.owner.admin.ctx, share.id, { decision, reason: "still needed", level: "VIEW_ONLY" }), "ALREADY_REMOVED");
      expect(error.message).toContain(`audit entry ${removal.seq}`);
    }
    // The reconciliation is itself in the audit log, naming the removal it followed.
    const reconciled = await lastEntry(w.owner.id, "review.reconcile");
    expect(JSON.parse(reconciled.after_json!)).toEqual({ already_removed: [{ item: share.id, removal_audit_entry: String(removal.seq) }] });

    // The evidence says what happened; closing skips only what was really left open.
    const csv = await hub.reviewCampaigns.exportCsv(w.owner.admin.ctx, campaign.id);
    const header = csv.split("\r\n")[2]!.split(",");
    const row = csv.split("\r\n").find((line) => line.startsWith(share.id))!.split(",");
    expect(row[header.indexOf("decision")]).toBe("already_removed");
    expect(row[header.indexOf("removal_audit_entry")]).toBe(String(removal.seq));
    expect(row[header.indexOf("removal_action")]).toBe("share.remove");
    // The app is both from outside and unverified with a write scope: one fix, advised once, printed once.
    const app = find(items, "app_grant", w.app.id);
    expect(app.advice.map((a) => a.fix.action)).toEqual(["remove_app"]);
    const pdf = pdfText(await hub.reviewCampaigns.exportPdf(w.owner.admin.ctx, campaign.id, { compress: false }));
    expect(pdf.match(/Advice \([a-z_]+\): Remove Bid Helper/g)).toHaveLength(1);
    expect(pdf).toContain(`Already removed outside the campaign: share.remove by`);
    expect(pdf).toContain("1 already_removed");
    const closed = await hub.reviewCampaigns.close(w.owner.admin.ctx, campaign.id);
    expect(closed.skipped).toBe(2);
    expect(find(await itemsOf(w.owner.admin.ctx, campaign.id), "partner_share", w.agency.id).status).toBe("already_removed");
  });

  it("a partner removed through the Graph mid-campaign: the item reads already removed over the Graph, and a decision is refused with a clear error", async () => {
    const w = await world();
    server = await startServer(hub);
    const adminBot = await hub.businesses.createSystemUser(w.owner.admin.ctx, w.owner.id, { name: "Acme admin bot", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(operatorContext(), adminBot.id, {})).accessToken;
    const graph = graphClient(server.url, token);
    const started = await graph("POST", `/${w.owner.id}/access_review_campaigns`, { name: "Q2" });
    expect(started.status).toBe(200);
    const campaignId = started.body.id as string;

    const removed = await graph("POST", `/${w.owner.id}/partner_removals`, { business: w.agency.id });
    expect(removed.status).toBe(200);
    const removal = await lastEntry(w.owner.id, "share.remove");
    expect(removal.actor_id).toBe(adminBot.id);

    const read = await graph("GET", `/${campaignId}/items?group_by=partner`);
    expect(read.status).toBe(200);
    const share = (read.body.data as { items: ReviewItemView[] }[]).flatMap((g) => g.items).find((i) => i.kind === "partner_share")!;
    expect(share).toMatchObject({ status: "already_removed", removal: { audit_entry_id: String(removal.seq), action: "share.remove", actor: { id: adminBot.id, name: "Acme admin bot" } } });

    const refused = await graph("POST", `/${campaignId}/decisions`, { item_id: share.id, decision: "certify", reason: "They still work for us." });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 100, type: "OAuthException" });
    expect(refused.body.error.message).toContain("already removed");
    expect(refused.body.error.message).toContain(`audit entry ${removal.seq}`);
    expect(JSON.stringify(refused.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("an assignment removed and an app disconnected elsewhere close with their own audit entries; a narrowed share shows what it gives now", async () => {
    const w = await world();
    const campaign = await hub.reviewCampaigns.start(w.owner.admin.ctx, w.owner.id);
    await hub.assignments.unassign(w.owner.admin.ctx, { assetId: w.account.id, principalId: w.employee.id, businessId: w.owner.id });
    const unassigned = await lastEntry(w.owner.id, "assignment.remove");
    await hub.apps.revoke(w.owner.admin.ctx, w.grant.id);
    const [revoked] = (await hub.audit.list({ action: "app.revoke", outcome: "success", limit: 1 }))!;
    await hub.partners.offer(w.owner.admin.ctx, { assetId: w.account.id, partnerBusinessId: w.agency.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });

    const items = await itemsOf(w.owner.admin.ctx, campaign.id);
    expect(find(items, "owner_assignment", w.employee.id)).toMatchObject({ status: "already_removed", removal: { audit_entry_id: String(unassigned.seq), action: "assignment.remove" } });
    expect(find(items, "app_grant", w.app.id)).toMatchObject({ status: "already_removed", removal: { audit_entry_id: String(revoked!.seq), action: "app.revoke" } });
    const share = find(items, "partner_share", w.agency.id);
    expect(share).toMatchObject({ status: "open", tasks: presetTasks("ad_account", "STANDARD"), current_tasks: presetTasks("ad_account", "VIEW_ONLY") });

    // A downgrade is judged against what the share gives now; certifying records that.
    await expectError(hub.reviewCampaigns.decide(w.owner.admin.ctx, share.id, { decision: "downgrade", reason: "less", level: "VIEW_ONLY" }), "INVALID_PARAMETER");
    const certified = await hub.reviewCampaigns.decide(w.owner.admin.ctx, share.id, { decision: "certify", reason: "Reporting only now." });
    expect(certified).toMatchObject({ status: "certified", result_tasks: presetTasks("ad_account", "VIEW_ONLY") });
  });

  it("a bot's finding under an intended share offers removing its assignment first; applying it leaves the share and everyone else", async () => {
    const w = await world();
    const report = await hub.review.findings(w.owner.admin.ctx, w.owner.id);
    const botFinding = report.findings.find((f) => f.kind === "external" && f.principal?.id === w.bot.id)!;
    expect(botFinding.fixes!.map((f) => f.action)).toEqual(["remove_assignment", "revoke_share"]);
    expect(botFinding.fixes![0]!.params).toMatchObject({ asset_id: w.account.id, principal_id: w.bot.id, business_id: w.agency.id });
    expect(botFinding.fixes![0]!.description).toContain("Report Bot");
    // The one fix older readers know stays what it was, and is among the offered ones.
    expect(botFinding.fix.action).toBe("revoke_share");
    expect(botFinding.fixes).toContainEqual(botFinding.fix);
    // A finding with one fix keeps the report's six keys.
    const single = report.findings.find((f) => f.kind === "unused")!;
    expect(Object.keys(single)).toEqual(["kind", "principal", "asset", "path", "evidence", "fix"]);
    // What the confirmation shows: only the bot loses access.
    const impact = accessImpact(hub.engine, w.owner.admin.ctx, w.owner.id, {
      kind: "assignment",
      assetId: w.account.id,
      principalId: w.bot.id,
      byBusinessId: w.agency.id,
    });
    expect(impact.summary).toBe("Report Bot loses access to Acme Main.");
    expect(impact.losses.map((l) => l.principal.id)).toEqual([w.bot.id]);

    const applied = await hub.reviewFixes.apply(w.owner.admin.ctx, w.owner.id, botFinding.fixes![0]!);
    expect(applied.action).toBe("remove_assignment");
    expect(hub.engine.tasksOf(w.bot.id, w.account.id)).toEqual([]);
    expect(hub.engine.tasksOf(w.staff.id, w.account.id).sort()).toEqual([...presetTasks("ad_account", "STANDARD")].sort());
    expect(hub.engine.index.getShare(w.account.id, w.agency.id)).toBeDefined();
    // The partner's audit log says who removed its assignment, and why the share stays.
    const entry = await lastEntry(w.agency.id, "assignment.remove");
    expect(entry).toMatchObject({ actor_id: w.owner.admin.id, reason: "removed by the asset's owner; the share stays" });
    const after = await hub.review.findings(w.owner.admin.ctx, w.owner.id);
    expect(after.findings.some((f) => f.kind === "external" && f.principal?.id === w.bot.id)).toBe(false);
    expect(after.findings.some((f) => f.kind === "external" && f.principal?.id === w.staff.id)).toBe(true);
  });

  it("only the owner's admins may remove a partner's assignment under their share, and only one the share lets in", async () => {
    const w = await world();
    const stranger = await buildBusiness(hub, "Stranger Co");
    const input = { assetId: w.account.id, principalId: w.bot.id, partnerBusinessId: w.agency.id };
    // To a stranger the owner's business is as unknown as a made-up id.
    await expectError(hub.assignments.removePartnerAssignment(stranger.admin.ctx, input), "NOT_FOUND");
    const employee = principalContext("person", w.employee.id);
    await expectError(hub.assignments.removePartnerAssignment(employee, input), "PERMISSION_DENIED");
    await expectError(hub.assignments.removePartnerAssignment(w.owner.admin.ctx, { ...input, partnerBusinessId: stranger.id }), "INVALID_PARAMETER");
    expect(hub.engine.tasksOf(w.bot.id, w.account.id)).toEqual(["ANALYZE"]);
    await hub.assignments.removePartnerAssignment(w.owner.admin.ctx, input);
    expect(hub.engine.tasksOf(w.bot.id, w.account.id)).toEqual([]);
    expect(hub.engine.index.getShare(w.account.id, w.agency.id)).toBeDefined();
  });

  it("an over-privileged share adds narrowing it between removing one person and ending it; any offered fix applies", async () => {
    const w = await world();
    // Ana reads insights every day: the share's Standard is more than its people use.
    await hub.audit.record(principalContext("person", w.staff.id), { action: "graph.get", businessId: w.owner.id, targetType: "insights", targetId: w.account.id });
    const report = await hub.review.findings(w.owner.admin.ctx, w.owner.id, { usageSource: "audit_log" });
    const staffFinding = report.findings.find((f) => f.kind === "external" && f.principal?.id === w.staff.id)!;
    expect(staffFinding.fixes!.map((f) => f.action)).toEqual(["remove_assignment", "downgrade", "revoke_share"]);
    expect(staffFinding.fixes![1]!.params).toMatchObject({ partner_business_id: w.agency.id, level: "ANALYTICS_VIEW" });
    // The share's own downgrade, chosen from the list (not the first), applies.
    await hub.reviewFixes.apply(w.owner.admin.ctx, w.owner.id, staffFinding.fixes![1]!);
    expect(hub.engine.index.getShare(w.account.id, w.agency.id)).toBeDefined();
    expect(hub.engine.tasksOf(w.staff.id, w.account.id)).toEqual(["ANALYZE"]);
    // On a campaign, the share's advice says each fix once: ending the share names everyone it lets in.
    const campaign = await hub.reviewCampaigns.start(w.owner.admin.ctx, w.owner.id);
    const share = find(await itemsOf(w.owner.admin.ctx, campaign.id), "partner_share", w.agency.id);
    const ending = share.advice.filter((a) => a.fix.action === "revoke_share");
    expect(ending).toHaveLength(1);
    expect(ending[0]!.fix.description).toMatch(/^Remove Blue Agency's access to Acme Main, which also removes (Ana Analyst's and Report Bot's|Report Bot's and Ana Analyst's)\.$/);
    expect(new Set(share.advice.map((a) => JSON.stringify(a.fix))).size).toBe(share.advice.length);
    // A fix nobody offered is still refused.
    await expectError(
      hub.reviewFixes.apply(w.owner.admin.ctx, w.owner.id, { action: "remove_assignment", params: { asset_id: w.account.id, principal_id: w.staff.id, business_id: "nope" } }),
      "INVALID_PARAMETER",
    );
  });
});
