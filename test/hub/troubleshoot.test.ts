import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { adServicesOf, buildAdTree, buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";

describe.each(DIALECTS)("troubleshooter on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
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

  describe("missing asset", () => {
    it("names the missing task and the admins who can grant it", async () => {
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      await buildShare(hub, acme, northwind, account.id, "VIEW_ONLY");
      const sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam");

      const answer = await hub.troubleshoot.missingAsset(sam.ctx, { principalId: sam.id, assetId: account.graphId });
      expect(answer.allowed).toBe(false);
      expect(answer.missing_tasks.length).toBeGreaterThan(0);
      expect(answer.answer).toContain("has not assigned Sam");
      expect(answer.who_can_fix).toEqual([
        { business: { id: acme.id, name: "Acme" }, side: "owner", admins: [{ id: acme.admin.id, name: "Acme Admin", type: "person" }] },
        { business: { id: northwind.id, name: "Northwind Media" }, side: "partner", admins: [{ id: northwind.admin.id, name: "Northwind Media Admin", type: "person" }] },
      ]);
      expect(answer.evidence.reason).toBe(answer.answer.split(" Missing:")[0]);
    });

    it("says nothing is missing when the access is there, and refuses outsiders", async () => {
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      const answer = await hub.troubleshoot.missingAsset(acme.admin.ctx, { principalId: acme.admin.id, assetId: account.id, action: "change_budget" });
      expect(answer).toMatchObject({ allowed: true, missing_tasks: [], who_can_fix: [] });
      expect(answer.answer).toMatch(/^Nothing is missing/);
      const stranger = await buildMember(hub, northwind, "EMPLOYEE", "Stranger");
      await expectError(hub.troubleshoot.missingAsset(stranger.ctx, { principalId: acme.admin.id, assetId: account.id }), "UNKNOWN_ASSET");
    });
  });

  describe("invitation not received", () => {
    it("an unknown Business ID is said to be unknown", async () => {
      const answer = await hub.troubleshoot.invitationNotReceived(northwind.admin.ctx, { partnerBusinessId: northwind.id, ownerBusinessIdEntered: "999999999" });
      expect(answer.entered_business).toEqual({ id: "999999999", known: false });
      expect(answer.answer).toContain("No business has the ID 999999999");
    });

    it("a wrong but existing ID shows the name behind it, and the offer that is really waiting", async () => {
      const globex = await buildBusiness(hub, "Globex");
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: presetTasks("ad_account", "STANDARD") });

      const answer = await hub.troubleshoot.invitationNotReceived(northwind.admin.ctx, { partnerBusinessId: northwind.id, ownerBusinessIdEntered: globex.id });
      expect(answer.entered_business).toEqual({ id: globex.id, name: "Globex", known: true });
      expect(answer.pending_offers).toEqual([]);
      expect(answer.answer).toContain(`The Business ID ${globex.id} belongs to Globex.`);
      expect(answer.answer).toContain("Globex has not offered Northwind Media anything");
      expect(answer.other_pending_offers).toEqual([{ share_id: expect.any(String) as unknown as string, asset: { id: account.id, name: "Acme Main" }, from: { id: acme.id, name: "Acme" } }]);
      expect(answer.answer).toContain(`offers waiting from Acme (Business ID ${acme.id})`);
    });

    it("a pending offer is found, with who sent it and when it expires", async () => {
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: presetTasks("ad_account", "STANDARD") });
      const answer = await hub.troubleshoot.invitationNotReceived(northwind.admin.ctx, { partnerBusinessId: northwind.id, ownerBusinessIdEntered: acme.id });
      const expires = new Date(clock.t + 30 * 24 * 3600 * 1000).toISOString();
      expect(answer.pending_offers).toEqual([{ share_id: expect.any(String) as unknown as string, asset: { id: account.id, name: "Acme Main" }, from: { id: acme.id, name: "Acme" }, expires_at: expires }]);
      expect(answer.answer).toContain(`Acme has offered Northwind Media Acme Main (expires ${expires})`);
    });

    it("an expired offer says when it expired and that the owner must resend", async () => {
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      await hub.partners.offer(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id, tasks: presetTasks("ad_account", "STANDARD") });
      const expiredAt = new Date(clock.t + 30 * 24 * 3600 * 1000).toISOString();
      clock.advanceDays(31);
      const answer = await hub.troubleshoot.invitationNotReceived(northwind.admin.ctx, { partnerBusinessId: northwind.id, ownerBusinessIdEntered: acme.id });
      expect(answer.pending_offers).toEqual([]);
      expect(answer.expired_offers).toEqual([{ share_id: expect.any(String) as unknown as string, asset: { id: account.id, name: "Acme Main" }, expired_at: expiredAt }]);
      expect(answer.answer).toContain(`Acme Main (expired ${expiredAt}). An admin of Acme must send them again.`);
    });
  });

  it("wrong permissions: a View only share, what it allows, and what to raise", async () => {
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    await buildShare(hub, acme, northwind, account.id, "VIEW_ONLY");
    const sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam");
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });

    const answer = await hub.troubleshoot.wrongPermissions(sam.ctx, { principalId: sam.id, assetId: account.graphId });
    expect(answer.routes).toHaveLength(1);
    const route = answer.routes[0]!;
    expect(route).toMatchObject({ via: "partner", business: { id: northwind.id }, share: { level: "View only" }, assignment: { level: "View only" } });
    expect(route.effective.allows).toContain("reading insights");
    expect(answer.cannot).toContain("creating campaigns, ad sets and ads");
    expect(answer.raise[0]!.what).toContain("from View only to Standard");
    expect(answer.raise[0]!.who.business).toEqual({ id: acme.id, name: "Acme" });
    expect(answer.answer).toContain("shared Acme Main with Northwind Media as View only");
  });

  it("spend spike: lists a budget change by a partner's system user, with before and after", async () => {
    const ads = adServicesOf(hub);
    const { account, adSet } = await buildAdTree(hub, ads, acme);
    await buildShare(hub, acme, northwind, account.id, "STANDARD");
    const bot = await hub.businesses.createSystemUser(northwind.admin.ctx, northwind.id, { name: "Northwind Bot", role: "EMPLOYEE" });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: bot.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.advanceDays(1);
    const since = clock.t;
    await hub.adSets.updateAdSet(principalContext("system_user", bot.id), adSet.id, { daily_budget: 50000 });
    await hub.adSets.updateAdSet(acme.admin.ctx, adSet.id, { name: "Renamed only" });

    const answer = await hub.troubleshoot.spendSpike(acme.admin.ctx, { assetId: account.graphId, since });
    expect(answer.changes).toEqual([
      {
        at: new Date(clock.t).toISOString(),
        action: "adset.update",
        object: { type: "adset", id: adSet.id, name: "Renamed only" },
        actor: { type: "system_user", id: bot.id, name: "Northwind Bot", business: { id: northwind.id, name: "Northwind Media" } },
        app: null,
        changes: [{ field: "daily_budget", before: 5000, after: 50000 }],
      },
    ]);
    expect(answer.answer).toContain("Northwind Bot (Northwind Media) changed Renamed only: daily_budget 5000 → 50000");

    const quiet = await hub.troubleshoot.spendSpike(acme.admin.ctx, { assetId: account.id, since: clock.t + 1 });
    expect(quiet.changes).toEqual([]);
    expect(quiet.answer).toContain("No budget, spend cap, bid or status changed");
  });
});
