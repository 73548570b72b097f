import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { adServicesOf, buildAdTree, buildBusiness, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

/** The access review flags shares that can change budgets, without guardrails, on accounts that spend. */
describe.each(DIALECTS)("unguarded partners in the access review on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it("flags a Standard share of a spending account until the owner sets guardrails; View only and small accounts are left out", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind");
    const viewer = await buildBusiness(hub, "Lookers");
    const ads = adServicesOf(hub);
    const tree = await buildAdTree(hub, ads, owner);
    await buildShare(hub, owner, agency, tree.account.id, "STANDARD");
    await buildShare(hub, owner, viewer, tree.account.id, "VIEW_ONLY");
    await ads.insights.upsertDailyRows([{ ad_id: tree.ad.id, date: "2026-01-04", impressions: 100000, reach: 80000, clicks: 900, spend: 250000, conversions: 40, revenue: 900000 }]);

    const unguarded = async (threshold?: number) =>
      (await hub.review.findings(owner.admin.ctx, owner.id, threshold === undefined ? {} : { guardrailSpendThreshold: threshold })).findings.filter((f) => f.kind === "unguarded_partner");
    const flagged = await unguarded();
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({
      principal: { id: agency.id, type: "business" },
      asset: { id: tree.account.id },
      evidence: { spend_in_window: 250000 },
      fix: { action: "set_guardrails", params: { asset_id: tree.account.id, partner_business_id: agency.id } },
    });
    expect(await unguarded(300000)).toEqual([]);

    await hub.guardrails.set(owner.admin.ctx, { accountId: tree.account.graphId, partnerBusinessId: agency.id, values: { max_increase_percent: 20 } });
    expect(await unguarded()).toEqual([]);
  });
});
