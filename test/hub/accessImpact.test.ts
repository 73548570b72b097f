import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessImpact, type AccessChange, type AccessImpact } from "../../src/hub/access/impact.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

/**
 * The impact a confirmation dialog shows must be what the change then does: each test asks for the
 * impact, makes the change through the ordinary service, and compares every principal's tasks on
 * the affected assets with what the impact predicted (listed losses keep `kept_tasks`, everyone
 * else keeps everything).
 */
describe("access impact: what a removal would take away", () => {
  let store: TestStore;
  let hub: Hub;
  let acme: TestBusiness;
  let northwind: TestBusiness;

  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open(new TestClock());
    acme = await buildBusiness(hub, "Acme Outdoor");
    northwind = await buildBusiness(hub, "Northwind Media");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  async function agencyWorld() {
    const main = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const page = await buildAsset(hub, acme, "page", "Acme Page");
    const pixel = await buildAsset(hub, acme, "pixel", "Acme Pixel");
    await buildShare(hub, acme, northwind, main.id, "STANDARD");
    await buildShare(hub, acme, northwind, page.id, "STANDARD", "page");
    await buildShare(hub, acme, northwind, pixel.id, "VIEW_ONLY", "pixel");
    const sam = await buildMember(hub, northwind, "EMPLOYEE", "Sam Staff");
    const nina = await buildMember(hub, northwind, "EMPLOYEE", "Nina Night");
    const olga = await buildMember(hub, acme, "EMPLOYEE", "Olga Owner");
    await hub.assignments.assign(northwind.admin.ctx, { assetId: main.id, principalId: sam.id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: page.id, principalId: nina.id, tasks: presetTasks("page", "VIEW_ONLY") });
    await hub.assignments.assign(northwind.admin.ctx, { assetId: main.id, principalId: northwind.admin.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    await hub.assignments.assign(acme.admin.ctx, { assetId: main.id, principalId: olga.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    return { main, page, pixel, sam, nina, olga };
  }

  const snapshot = (assetIds: string[]) =>
    new Map(assetIds.flatMap((assetId) => hub.engine.whoCanAccess(assetId).map((p) => [`${p.principalId}@${assetId}`, [...p.tasks].sort()] as const)));

  /** Asks for the impact, runs the change, and checks the prediction against the engine afterwards. */
  async function expectImpactCameTrue(businessId: string, ctx: TestBusiness["admin"]["ctx"], change: AccessChange, assetIds: string[], run: () => Promise<unknown>): Promise<AccessImpact> {
    const before = snapshot(assetIds);
    const impact = accessImpact(hub.engine, ctx, businessId, change);
    await run();
    const after = snapshot(assetIds);
    for (const [key, tasks] of before) {
      const loss = impact.losses.find((l) => `${l.principal.id}@${l.asset.id}` === key);
      expect({ key, tasks: after.get(key) ?? [] }).toEqual({ key, tasks: loss ? [...loss.kept_tasks].sort() : tasks });
    }
    return impact;
  }

  it("removing a partner names the partner, its people and the assets, and the removal does exactly that", async () => {
    const { main, page, pixel, sam, nina } = await agencyWorld();
    const impact = await expectImpactCameTrue(acme.id, acme.admin.ctx, { kind: "partner", partnerId: northwind.id }, [main.id, page.id, pixel.id], () =>
      hub.partners.removePartner(acme.admin.ctx, { ownerBusinessId: acme.id, partnerBusinessId: northwind.id }),
    );
    expect(impact.summary).toBe("Northwind Media and 3 of its people lose access to Acme Main and 2 other assets. Pending requests between you end too.");
    expect(impact.confirm_text).toBe("Northwind Media");
    expect(impact.businesses[0]!.assets.map((a) => [a.name, a.before, a.after])).toEqual(
      expect.arrayContaining([
        ["Acme Main", "Standard", "no access"],
        ["Acme Pixel", "View only", "no access"],
      ]),
    );
    expect(new Set(impact.losses.map((l) => l.principal.name))).toEqual(new Set([sam.name, nina.name, northwind.admin.name]));
    expect(impact.losses.every((l) => l.kept_tasks.length === 0 && l.after === "no access")).toBe(true);
  });

  it("narrowing a share predicts which people lose which tasks", async () => {
    const { main, sam } = await agencyWorld();
    const tasks = presetTasks("ad_account", "VIEW_ONLY");
    const impact = await expectImpactCameTrue(acme.id, acme.admin.ctx, { kind: "share_level", assetId: main.id, partnerId: northwind.id, tasks }, [main.id], () =>
      hub.partners.offer(acme.admin.ctx, { assetId: main.id, partnerBusinessId: northwind.id, tasks }),
    );
    expect(impact.summary).toContain("Northwind Media's access to Acme Main narrows from Standard to View only");
    expect(impact.losses.map((l) => [l.principal.name, l.before, l.after])).toEqual([[sam.name, "Standard", "View only"]]);
  });

  it("ending one share, one assignment and one membership each predict what happens", async () => {
    const { main, page, pixel, sam, nina, olga } = await agencyWorld();
    const share = await expectImpactCameTrue(northwind.id, northwind.admin.ctx, { kind: "share", assetId: page.id, partnerId: northwind.id }, [page.id], () =>
      hub.partners.removeShare(northwind.admin.ctx, { assetId: page.id, partnerBusinessId: northwind.id }),
    );
    expect(share.summary).toBe("Northwind Media and 1 of its people lose access to Acme Page.");
    expect(share.losses.map((l) => l.principal.name)).toEqual([nina.name]);

    const assignment = await expectImpactCameTrue(northwind.id, northwind.admin.ctx, { kind: "assignment", assetId: main.id, principalId: sam.id }, [main.id], () =>
      hub.assignments.unassign(northwind.admin.ctx, { assetId: main.id, principalId: sam.id, businessId: northwind.id }),
    );
    expect(assignment.summary).toBe("Sam Staff loses access to Acme Main.");

    const member = await expectImpactCameTrue(acme.id, acme.admin.ctx, { kind: "member", principalId: olga.id }, [main.id, pixel.id], () =>
      hub.businesses.removeMember(acme.admin.ctx, acme.id, olga.id),
    );
    expect(member.summary).toBe("Olga Owner leaves Acme Outdoor and loses access to Acme Main.");
  });

  it("deleting a system user ends its assignments and tokens, audited, as the impact said", async () => {
    const { main } = await agencyWorld();
    const bot = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Report Bot" });
    await hub.assignments.assign(acme.admin.ctx, { assetId: main.id, principalId: bot.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
    const token = await hub.tokens.issueSystemUserToken(acme.admin.ctx, bot.id, {});
    const impact = await expectImpactCameTrue(acme.id, acme.admin.ctx, { kind: "member", principalId: bot.id }, [main.id], () => hub.businesses.deleteSystemUser(acme.admin.ctx, acme.id, bot.id));
    expect(impact.summary).toBe("Report Bot is deleted and loses access to Acme Main; every token of it stops working.");
    expect(await hub.businesses.listSystemUsers(acme.id)).toEqual([]);
    await expect(hub.tokens.resolve(token.accessToken)).rejects.toThrow();
    const entries = await hub.audit.list({ businessId: acme.id, action: "system_user.delete" });
    expect(entries.map((e) => [e.target_id, e.outcome, JSON.parse(e.before_json!)])).toEqual([[bot.id, "success", { name: "Report Bot", role: "EMPLOYEE" }]]);
  });

  it("another business's admin learns nothing: every change outside its relations answers as unknown", async () => {
    const { main, sam } = await agencyWorld();
    const stranger = await buildBusiness(hub, "Stranger Co");
    const bot = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Report Bot" });
    const asStranger = (change: AccessChange) => () => accessImpact(hub.engine, stranger.admin.ctx, stranger.id, change);
    for (const change of [
      { kind: "partner", partnerId: "no-such-business" },
      { kind: "share", assetId: main.id, partnerId: northwind.id },
      { kind: "assignment", assetId: main.id, principalId: sam.id },
      { kind: "member", principalId: sam.id },
      { kind: "token", principalId: bot.id, otherLiveTokens: 0 },
    ] satisfies AccessChange[]) {
      expect(asStranger(change)).toThrow(expect.objectContaining({ id: "NOT_FOUND" }));
    }
    // Naming another business as one's own is refused as for any non-member.
    expect(() => accessImpact(hub.engine, stranger.admin.ctx, acme.id, { kind: "partner", partnerId: northwind.id })).toThrow();
    // An employee of the owner is not an admin.
    expect(() => accessImpact(hub.engine, sam.ctx, northwind.id, { kind: "member", principalId: sam.id })).toThrow(/admin/);
  });
});
