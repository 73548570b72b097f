import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { operatorContext, principalContext, systemContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { listAuditEntries } from "../../src/hub/audit/audit.repository.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";


describe.each(DIALECTS)("partner access lifecycle on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let clock: TestClock;
  let acme: TestBusiness;
  let northwind: TestBusiness;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    acme = await buildBusiness(hub, "Acme");
    northwind = await buildBusiness(hub, "Northwind Media");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const can = (principalId: string, action: Parameters<Grantline["engine"]["check"]>[1], assetId: string) =>
    hub.engine.check({ principalId }, action, assetId);

  it("an offer is pending on both sides until the partner accepts, then staff work within it", async () => {
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam");
    const offer = await hub.partners.offer(acme.admin.ctx, {
      assetId: account.graphId,
      partnerBusinessId: northwind.id,
      tasks: presetTasks("ad_account", "STANDARD"),
    });
    expect(offer.status).toBe("pending");
    expect(offer.initiatedBy).toBe("owner");
    expect(offer.pendingExpiresAt).toBe(clock.t + 30 * 24 * 3600 * 1000);

    const ownerSide = await hub.partners.listRequests(acme.admin.ctx, acme.id);
    const partnerSide = await hub.partners.listRequests(northwind.admin.ctx, northwind.id);
    expect(ownerSide.outgoing.map((s) => s.id)).toEqual([offer.id]);
    expect(partnerSide.incoming.map((s) => s.id)).toEqual([offer.id]);
    expect(partnerSide.incoming[0]).toMatchObject({ ownerName: "Acme", assetName: "Acme Main", level: "Standard" });

    // Pending gives nobody anything, and the partner cannot staff yet.
    await expectError(
      hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ANALYZE"] }),
      "PERMISSION_DENIED",
    );

    const accepted = await hub.partners.acceptOrRequest(northwind.admin.ctx, { partnerBusinessId: northwind.id, assetId: account.graphId });
    expect(accepted).toMatchObject({ id: offer.id, status: "active", tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] });
    expect((await hub.partners.listRequests(northwind.admin.ctx, northwind.id)).incoming).toEqual([]);

    expect(can(sam.id, "read_insights", account.id)).toBe(false);
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ANALYZE", "AA_ANALYZE", "ADVERTISE"] });
    expect(can(sam.id, "read_insights", account.id)).toBe(true);
    expect(can(sam.id, "create_campaign", account.id)).toBe(true);
    expect(can(sam.id, "manage_settings", account.id)).toBe(false);
    // The partner's admin is not staffed by being admin: partner access flows through assignments.
    expect(can(northwind.admin.id, "read_insights", account.id)).toBe(false);
    expect(hub.engine.whoCanAccess(account.id).map((p) => p.principalId).sort()).toEqual([acme.admin.id, sam.id].sort());
  });

  it("a request from the partner becomes active only when the owner approves it", async () => {
    const pixel = await buildAsset(hub, acme, "pixel", "Acme Pixel");
    const request = await hub.partners.acceptOrRequest(northwind.admin.ctx, {
      partnerBusinessId: northwind.id,
      assetId: pixel.id,
      tasks: ["ANALYZE"],
    });
    expect(request).toMatchObject({ status: "pending", initiatedBy: "partner", tasks: ["ANALYZE"] });
    expect((await hub.partners.listRequests(acme.admin.ctx, acme.id)).incoming.map((s) => s.id)).toEqual([request.id]);
    expect(await hub.partners.listForAsset(pixel.id, ["active"])).toEqual([]);

    const approved = await hub.partners.offer(acme.admin.ctx, { assetId: pixel.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE", "ADVERTISE"] });
    expect(approved).toMatchObject({ id: request.id, status: "active", tasks: ["ADVERTISE", "ANALYZE"] });
    const audit = await listAuditEntries(hub.store.db, { businessId: acme.id, action: "share.approve" });
    expect(audit).toHaveLength(1);
  });

  it("pending items can be declined by the receiver and cancelled by the sender, not the other way round", async () => {
    const page = await buildAsset(hub, acme, "page");
    const offer = await hub.partners.offer(acme.admin.ctx, { assetId: page.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] });
    await expectError(hub.partners.decline(acme.admin.ctx, offer.id), "PERMISSION_DENIED");
    await expectError(hub.partners.cancel(northwind.admin.ctx, offer.id), "PERMISSION_DENIED");
    expect((await hub.partners.decline(northwind.admin.ctx, offer.id)).status).toBe("declined");
    await expectError(hub.partners.decline(northwind.admin.ctx, offer.id), "NOT_PENDING");

    const again = await hub.partners.offer(acme.admin.ctx, { assetId: page.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] });
    expect(again.id).not.toBe(offer.id);
    expect((await hub.partners.cancel(acme.admin.ctx, again.id)).status).toBe("cancelled");
    expect((await hub.partners.listRequests(northwind.admin.ctx, northwind.id)).incoming).toEqual([]);
  });

  it("offers expire after 30 days: accepting one is refused and changes nothing; the sweeper records the expiry", async () => {
    const account = await buildAsset(hub, acme);
    await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] });
    clock.advanceDays(30);
    expect((await hub.partners.listRequests(northwind.admin.ctx, northwind.id)).incoming).toEqual([]);
    await hub.partners.sweep(systemContext());
    const before = await snapshotState(hub);
    const error = await expectError(
      hub.partners.acceptOrRequest(northwind.admin.ctx, { partnerBusinessId: northwind.id, assetId: account.id }),
      "OFFER_EXPIRED",
    );
    expect(error.message).toContain("expired on");
    expect(await snapshotState(hub)).toEqual(before);
    const refused = await listAuditEntries(hub.store.db, { outcome: "invalid" });
    expect(refused[0]).toMatchObject({ action: "share.accept_or_request", outcome: "invalid" });
    expect(await listAuditEntries(hub.store.db, { action: "share.offer_expired" })).toHaveLength(1);
  });

  it("a time-boxed share stops granting at its end date, and the sweeper takes the assignments away", async () => {
    const account = await buildAsset(hub, acme);
    const sam = await buildMember(hub, northwind);
    const endsAt = clock.t + 7 * 24 * 3600 * 1000;
    await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"], endsAt });
    await hub.partners.acceptOrRequest(northwind.admin.ctx, { partnerBusinessId: northwind.id, assetId: account.id });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ANALYZE"] });
    expect(can(sam.id, "view_asset", account.id)).toBe(true);
    clock.advanceDays(7);
    expect(can(sam.id, "view_asset", account.id)).toBe(false);
    expect(await hub.partners.sweep(systemContext())).toEqual({ expired: 0, ended: 1 });
    expect(await hub.assignments.listForAsset(account.id)).toEqual([]);
    expect((await hub.partners.listForAsset(account.id, ["ended"])).length).toBe(1);
    await expectError(
      hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"], endsAt: clock.t - 1 }),
      "END_DATE_IN_PAST",
    );
  });

  it("narrowing a share takes effect at once and trims the assignments under it", async () => {
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam");
    await buildShare(hub, acme, northwind, account.id, "STANDARD");
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ADVERTISE", "ANALYZE"] });
    expect(can(sam.id, "create_campaign", account.id)).toBe(true);

    await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
    expect(can(sam.id, "create_campaign", account.id)).toBe(false);
    expect(can(sam.id, "read_insights", account.id)).toBe(true);
    expect((await hub.assignments.listForAsset(account.id, northwind.id))[0]?.tasks).toEqual(["ANALYZE"]);
    const why = hub.engine.explain({ principalId: sam.id }, "create_campaign", account.id);
    expect(why.allowed).toBe(false);
    expect(why.reason).toBe("Northwind Media was given Analytics view on Acme Main; creating campaigns, ad sets and ads needs ADVERTISE.");
    expect(why.fix).toBe("An admin of Acme can raise the share to Standard.");
  });

  it("removing a partner ends every share, assignment and app grant through it in one go", async () => {
    const account = await buildAsset(hub, acme);
    const catalog = await buildAsset(hub, acme, "product_catalog");
    const page = await buildAsset(hub, acme, "page");
    const sam = await buildMember(hub, northwind);
    const bot = await hub.businesses.createSystemUser(northwind.admin.ctx, northwind.id, { name: "Bot" });
    await buildShare(hub, acme, northwind, account.id, "STANDARD");
    await buildShare(hub, acme, northwind, catalog.id, "ADMIN", "product_catalog");
    await hub.partners.offer(acme.admin.ctx, { assetId: page.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ANALYZE"] });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: catalog.id, principalId: bot.id, tasks: ["MANAGE"] });
    const tool = await buildBusiness(hub, "Tool Maker");
    const app = await hub.apps.createApp(tool.admin.ctx, tool.id, "Reporting Tool");
    const grant = await hub.apps.grant(sam.ctx, { appId: app.id, scopes: ["ads_read"], assetIds: [account.id] });
    const appSubject = { principalId: sam.id, scopes: new Set(["ads_read"]), grantId: grant.id };
    expect(hub.engine.check(appSubject, "read_insights", account.id)).toBe(true); // ANALYZE is "View performance"
    expect(hub.engine.check(appSubject, "view_asset", account.id)).toBe(true);

    const summary = await hub.partners.removePartner(acme.admin.ctx, { ownerBusinessId: acme.id, partnerBusinessId: northwind.id });
    expect(summary).toEqual({ shares: 3, assignments: 2, appGrants: 1 });
    for (const asset of [account, catalog, page]) {
      const who = hub.engine.whoCanAccess(asset.id).map((p) => p.principalId);
      expect(who).toEqual([acme.admin.id]);
    }
    expect(hub.engine.check(appSubject, "view_asset", account.id)).toBe(false);
    expect((await hub.apps.get(grant.id))?.assetIds).toEqual([]);
    expect(await hub.partners.listActive(northwind.id)).toEqual([]);
    expect((await hub.partners.listRequests(northwind.admin.ctx, northwind.id)).incoming).toEqual([]);
    // A fresh index built from the store agrees: nothing was left behind in memory or on disk.
    const second = await store.open(clock);
    expect(second.engine.whoCanAccess(account.id).map((p) => p.principalId)).toEqual([acme.admin.id]);
    expect(await listAuditEntries(hub.store.db, { action: "partner.remove" })).toHaveLength(1);
  });

  it("removing a person from a business removes their assignments", async () => {
    const account = await buildAsset(hub, acme);
    const bob = await buildMember(hub, acme, "EMPLOYEE");
    await hub.assignments.assign(acme.admin.ctx, { assetId: account.id, principalId: bob.id, tasks: ["ANALYZE"] });
    expect(can(bob.id, "view_asset", account.id)).toBe(true);
    expect(await hub.businesses.removeMember(acme.admin.ctx, acme.id, bob.id)).toEqual({ removedAssignments: 1 });
    expect(can(bob.id, "view_asset", account.id)).toBe(false);
    expect(await hub.assignments.listForPrincipal(bob.id)).toEqual([]);
    await expectError(hub.businesses.removeMember(acme.admin.ctx, acme.id, acme.admin.id), "LAST_ADMIN");
  });

  describe("bad input gets a specific error and changes nothing", () => {
    let account: Awaited<ReturnType<typeof buildAsset>>;
    let sam: Awaited<ReturnType<typeof buildMember>>;
    let third: TestBusiness;
    beforeEach(async () => {
      account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam");
      third = await buildBusiness(hub, "Third");
      await hub.businesses.createPerson(operatorContext(), { name: "Taken", email: "taken@example.test" });
      await buildShare(hub, acme, northwind, account.id, "VIEW_ONLY");
    });

    const cases: [string, string, () => Promise<unknown>][] = [
      ["unknown task", "UNKNOWN_TASK", () => hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: ["FLY"] })],
      ["a Pixel-only task on an ad account", "UNKNOWN_TASK", () => hub.assignments.assign(acme.admin.ctx, { assetId: account.id, principalId: acme.admin.id, tasks: ["UPLOAD"] })],
      ["no tasks", "EMPTY_TASKS", () => hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: [] })],
      ["tasks above the share", "TASKS_ABOVE_SHARE", () => hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ADVERTISE"] })],
      ["sharing with yourself", "SHARE_WITH_SELF", () => hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: acme.id, tasks: ["ANALYZE"] })],
      ["unknown Business ID", "UNKNOWN_BUSINESS", () => hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: "1234567890123456", tasks: ["ANALYZE"] })],
      ["unknown asset", "UNKNOWN_ASSET", () => hub.partners.offer(acme.admin.ctx, { assetId: "act_999", partnerBusinessId: northwind.id, tasks: ["ANALYZE"] })],
      ["an employee sharing", "PERMISSION_DENIED", () => hub.partners.offer(sam.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: ["ANALYZE"] })],
      ["a partner passing a client asset on", "PERMISSION_DENIED", () => hub.partners.offer(northwind.admin.ctx, { assetId: account.id, partnerBusinessId: third.id, tasks: ["ANALYZE"] })],
      // sam is no one at Third: Third's edges answer as for a business that does not exist.
      ["a stranger accepting for a business", "NOT_FOUND", () => hub.partners.acceptOrRequest(sam.ctx, { partnerBusinessId: third.id, assetId: account.id, tasks: ["ANALYZE"] })],
      ["assigning someone from another business", "NOT_MEMBER", () => hub.assignments.assign(acme.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ANALYZE"], businessId: acme.id })],
      ["an unknown role", "INVALID_PARAMETER", () => hub.businesses.setMemberRole(acme.admin.ctx, acme.id, sam.id, "OWNER")],
      ["an unknown asset type", "INVALID_PARAMETER", () => hub.assets.createAsset(acme.admin.ctx, acme.id, { type: "billboard", name: "X" })],
      ["a bad currency", "INVALID_PARAMETER", () => hub.assets.createAsset(acme.admin.ctx, acme.id, { type: "ad_account", name: "X", adAccount: { currency: "dollars" } })],
      ["a duplicate email", "DUPLICATE", () => hub.businesses.createPerson(operatorContext(), { name: "Again", email: "TAKEN@example.test" })],
      ["a malformed email", "INVALID_PARAMETER", () => hub.businesses.createPerson(operatorContext(), { name: "X", email: "not-an-email" })],
    ];

    it.each(cases)("%s", async (_label, id, attempt) => {
      const before = await snapshotState(hub);
      const auditBefore = (await hub.audit.verify()).entries;
      const error = await expectError(attempt(), id);
      expect(error.status).toBeLessThan(500);
      expect(await snapshotState(hub)).toEqual(before);
      const verification = await hub.audit.verify();
      expect(verification.ok).toBe(true);
      expect(verification.entries).toBeGreaterThan(auditBefore);
      const last = (await listAuditEntries(hub.store.db, { limit: 1 }))[0];
      expect(last?.outcome).toBe(error.isDenial ? "denied" : "invalid");
    });
  });

  it("an owner admin's and the operator's changes are both in the audit log with actor and request id", async () => {
    const ctx = principalContext("person", acme.admin.id, "req-123");
    await hub.assets.createAsset(ctx, acme.id, { type: "pixel", name: "P" });
    const [entry] = await listAuditEntries(hub.store.db, { requestId: "req-123" });
    expect(entry).toMatchObject({ actor_type: "person", actor_id: acme.admin.id, business_id: acme.id, action: "asset.create", outcome: "success" });
    expect(JSON.parse(entry!.after_json!)).toMatchObject({ name: "P" });
  });
});
