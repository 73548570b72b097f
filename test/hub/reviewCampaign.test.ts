import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { ReviewItemView } from "../../src/hub/review/reviewCampaign.service.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { pdfText } from "../support/pdfText.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";


describe.each(DIALECTS)("access review campaigns on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Hub;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  /** Acme's account shared with an agency at Admin, whose staff is assigned; one own employee assigned too. */
  async function world() {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Blue Agency");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "ADMIN");
    const staff = await buildMember(hub, agency, "EMPLOYEE", "Ana Analyst");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: staff.id, tasks: presetTasks("ad_account", "ADMIN") });
    const employee = await buildMember(hub, owner, "EMPLOYEE", "Eve Employee");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: employee.id, tasks: presetTasks("ad_account", "ADMIN") });
    const buyer = await buildMember(hub, owner, "EMPLOYEE", "Carl Buyer");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: buyer.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.advanceDays(100);
    return { owner, agency, account, staff, employee, buyer };
  }

  const itemsOf = async (ctx: TestBusiness["admin"]["ctx"], campaignId: string) =>
    (await hub.reviewCampaigns.listItems(ctx, campaignId, { groupBy: "asset" })).groups.flatMap((g) => g.items);
  const find = (items: ReviewItemView[], kind: string, principalId: string) => items.find((i) => i.kind === kind && i.principal.id === principalId)!;

  it("snapshots every grant on the business's assets, with findings as advice, grouped three ways", async () => {
    const { owner, agency, account, employee, buyer } = await world();
    const campaign = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id, { name: "Q1 review" });
    expect(campaign).toMatchObject({ name: "Q1 review", status: "open", close_policy: "skip", business_id: owner.id });
    const items = await itemsOf(owner.admin.ctx, campaign.id);
    expect(items.map((i) => [i.kind, i.principal.id]).sort()).toEqual(
      [
        ["owner_assignment", employee.id],
        ["owner_assignment", buyer.id],
        ["partner_share", agency.id],
      ].sort(),
    );
    const share = find(items, "partner_share", agency.id);
    expect(share).toMatchObject({ asset: { id: account.id, name: "Acme Main" }, status: "open", groups: { partner: agency.id, asset: account.id } });
    expect(share.path).toContain("Acme shared Acme Main with Blue Agency");
    expect(share.advice.map((a) => a.kind)).toContain("unused");
    expect(find(items, "owner_assignment", employee.id).advice.map((a) => a.fix.action)).toContain("remove_assignment");

    const byPartner = await hub.reviewCampaigns.listItems(owner.admin.ctx, campaign.id, { groupBy: "partner" });
    expect(byPartner.groups.map((g) => g.label).sort()).toEqual(["Blue Agency", "No partner (own access)"]);
    const byPerson = await hub.reviewCampaigns.listItems(owner.admin.ctx, campaign.id, { groupBy: "person" });
    expect(byPerson.groups.map((g) => g.key).sort()).toEqual([employee.id, buyer.id, "none"].sort());
  });

  it("revoke removes the access at once, downgrade narrows it, certify changes nothing", async () => {
    const { owner, agency, account, staff, employee, buyer } = await world();
    const campaign = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id);
    const items = await itemsOf(owner.admin.ctx, campaign.id);
    const staffSubject = { principalId: staff.id };
    const employeeSubject = { principalId: employee.id };
    expect(hub.engine.check(staffSubject, "read_insights", account.id)).toBe(true);

    const revoked = await hub.reviewCampaigns.decide(owner.admin.ctx, find(items, "partner_share", agency.id).id, { decision: "revoke", reason: "Agency replaced" });
    expect(revoked).toMatchObject({ status: "revoked", decided_by: owner.admin.id, reason: "Agency replaced" });
    expect(hub.engine.check(staffSubject, "read_insights", account.id)).toBe(false);

    expect(hub.engine.check(employeeSubject, "manage_settings", account.id)).toBe(true);
    const downgraded = await hub.reviewCampaigns.decide(owner.admin.ctx, find(items, "owner_assignment", employee.id).id, {
      decision: "downgrade",
      reason: "Only reads reports",
      level: "VIEW_ONLY",
    });
    expect(downgraded.status).toBe("downgraded");
    expect(downgraded.result_tasks).toEqual([...presetTasks("ad_account", "VIEW_ONLY")]);
    expect(hub.engine.check(employeeSubject, "manage_settings", account.id)).toBe(false);
    expect(hub.engine.check(employeeSubject, "view_asset", account.id)).toBe(true);
    const assignments = await hub.assignments.listForPrincipal(employee.id);
    expect(assignments.map((a) => a.tasks)).toEqual([[...presetTasks("ad_account", "VIEW_ONLY")]]);

    const before = await hub.assignments.listForAsset(account.id);
    const certified = await hub.reviewCampaigns.decide(owner.admin.ctx, find(items, "owner_assignment", buyer.id).id, { decision: "certify", reason: "Runs the campaigns" });
    expect(certified.status).toBe("certified");
    expect(await hub.assignments.listForAsset(account.id)).toEqual(before);

    await expectError(hub.reviewCampaigns.decide(owner.admin.ctx, certified.id, { decision: "revoke", reason: "again" }), "INVALID_PARAMETER");
    const log = await hub.store.db.selectFrom("audit_entries").select("action").where("action", "=", "review.decide").execute();
    expect(log).toHaveLength(3);
  });

  it("needs a reason, and an admin of the business to decide", async () => {
    const { owner, agency, account, staff, employee } = await world();
    const campaign = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id);
    const item = find(await itemsOf(owner.admin.ctx, campaign.id), "partner_share", agency.id);
    await expectError(hub.reviewCampaigns.decide(employee.ctx, item.id, { decision: "revoke", reason: "no" }), "PERMISSION_DENIED");
    await expectError(hub.reviewCampaigns.decide(agency.admin.ctx, item.id, { decision: "revoke", reason: "no" }), "PERMISSION_DENIED");
    await expectError(hub.reviewCampaigns.decide(owner.admin.ctx, item.id, { decision: "revoke", reason: "  " }), "INVALID_PARAMETER");
    await expectError(hub.reviewCampaigns.start(employee.ctx, owner.id), "PERMISSION_DENIED");
    expect(hub.engine.check({ principalId: staff.id }, "view_asset", account.id)).toBe(true);
    expect(find(await itemsOf(owner.admin.ctx, campaign.id), "partner_share", agency.id).status).toBe("open");
  });

  it("closing with the revoke policy revokes open items; with skip it marks them skipped", async () => {
    const { owner, agency, account, staff, employee, buyer } = await world();
    const revoking = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id, { closePolicy: "revoke" });
    const items = await itemsOf(owner.admin.ctx, revoking.id);
    await hub.reviewCampaigns.decide(owner.admin.ctx, find(items, "owner_assignment", buyer.id).id, { decision: "certify", reason: "Runs the campaigns" });

    const reminder = await hub.reviewCampaigns.remind(owner.admin.ctx, revoking.id);
    expect(reminder.open_items).toBe(2);
    expect(reminder.reviewers.map((r) => r.id)).toEqual([owner.admin.id]);

    const summary = await hub.reviewCampaigns.close(owner.admin.ctx, revoking.id);
    expect(summary).toMatchObject({ policy: "revoke", revoked: 2, skipped: 0, campaign: { status: "closed", closed_by: owner.admin.id } });
    expect(hub.engine.check({ principalId: staff.id }, "view_asset", account.id)).toBe(false);
    expect(hub.engine.check({ principalId: employee.id }, "view_asset", account.id)).toBe(false);
    expect(hub.engine.check({ principalId: buyer.id }, "view_asset", account.id)).toBe(true);
    const after = await itemsOf(owner.admin.ctx, revoking.id);
    expect(after.map((i) => i.status).sort()).toEqual(["certified", "revoked", "revoked"]);
    expect(find(after, "partner_share", agency.id).reason).toContain("close policy revoke");

    const skipping = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id);
    const closed = await hub.reviewCampaigns.close(owner.admin.ctx, skipping.id);
    expect(closed).toMatchObject({ policy: "skip", skipped: 1, revoked: 0 });
    expect((await itemsOf(owner.admin.ctx, skipping.id)).map((i) => i.status)).toEqual(["skipped"]);
    expect(hub.engine.check({ principalId: buyer.id }, "view_asset", account.id)).toBe(true);
    await expectError(hub.reviewCampaigns.close(owner.admin.ctx, skipping.id), "INVALID_PARAMETER");
    const log = await hub.store.db.selectFrom("audit_entries").select(["action", "after_json"]).where("action", "in", ["review.close", "review.reminder"]).execute();
    expect(log.map((l) => l.action).sort()).toEqual(["review.close", "review.close", "review.reminder"]);
  });

  it("exports CSV rows and a PDF with the summary and the audit-chain result", async () => {
    const { owner, agency } = await world();
    const campaign = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id, { name: "Evidence Q1" });
    const item = find(await itemsOf(owner.admin.ctx, campaign.id), "partner_share", agency.id);
    await hub.reviewCampaigns.decide(owner.admin.ctx, item.id, { decision: "revoke", reason: "Contract ended, see \"ticket, 42\"" });

    const csv = await hub.reviewCampaigns.exportCsv(owner.admin.ctx, campaign.id);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toContain("Evidence Q1");
    expect(lines[1]).toMatch(/^# audit chain intact: \d+ entries verified$/);
    expect(lines[2]!.split(",")).toContain("decision");
    expect(lines).toHaveLength(3 + 3);
    const row = lines.find((l) => l.startsWith(item.id))!;
    expect(row).toContain("Blue Agency");
    expect(row).toContain(",revoked,");
    expect(row).toContain(owner.admin.id);
    expect(row).toContain('"Contract ended, see ""ticket, 42"""');

    const pdf = await hub.reviewCampaigns.exportPdf(owner.admin.ctx, campaign.id, { compress: false });
    expect(pdf.subarray(0, 4).toString("latin1")).toBe("%PDF");
    const text = pdfText(pdf);
    expect(text).toContain("Evidence Q1");
    expect(text).toMatch(/audit chain intact: \d+ entries verified/);
    expect(text).toContain("1 revoked");
    const compressed = await hub.reviewCampaigns.exportPdf(owner.admin.ctx, campaign.id);
    expect(compressed.subarray(0, 4).toString("latin1")).toBe("%PDF");
  });

  it("starts a quarterly campaign for businesses with none in the last 90 days", async () => {
    const { owner } = await world();
    const first = await hub.reviewCampaigns.scheduleDue(clock.now());
    expect(first.map((c) => [c.business_id, c.schedule])).toEqual([[owner.id, "quarterly"]]);
    clock.advanceDays(30);
    expect(await hub.reviewCampaigns.scheduleDue(clock.now())).toEqual([]);
    clock.advanceDays(61);
    expect((await hub.reviewCampaigns.scheduleDue(clock.now())).map((c) => c.business_id)).toEqual([owner.id]);
  });
});
