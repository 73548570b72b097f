import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixForDecision, graphItems, type GraphGrant, type GraphReading } from "./graphCampaign.ts";

const TASKS = ["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] as const;
const grant = (principalType: fc.Arbitrary<string>) =>
  fc.record({
    asset: fc.record({ id: fc.stringMatching(/^act_\d{1,6}$/), type: fc.constant("ad_account"), name: fc.string({ minLength: 1, maxLength: 12 }) }),
    principal: fc.record({ id: fc.stringMatching(/^\d{1,8}$/), type: principalType, name: fc.string({ minLength: 1, maxLength: 12 }) }),
    tasks: fc.subarray([...TASKS], { minLength: 1 }),
  }).map((g): GraphGrant => ({ ...g, id: `${g.asset.id}:${g.principal.id}` }));

const reading = (assignments: GraphGrant[], shares: GraphGrant[]): GraphReading => ({
  businessName: "Owner",
  report: { business_id: "42", window_days: 90, findings: [], graph_calls: 0, not_reviewed: [] } as unknown as GraphReading["report"],
  assignments,
  shares,
});

describe("Graph-sourced campaign items", () => {
  it("has one open item per grant the Graph showed, naming it as the findings' fixes do", () => {
    fc.assert(
      fc.property(fc.array(grant(fc.constantFrom("person", "system_user")), { maxLength: 8 }), fc.array(grant(fc.constant("business")), { maxLength: 8 }), (assignments, shares) => {
        const items = graphItems("c1", reading(assignments, shares));
        expect(items).toHaveLength(assignments.length + shares.length);
        for (const [item, g] of items.map((item, i) => [item, [...assignments, ...shares][i]!] as const)) {
          expect(item).toMatchObject({ campaign_id: "c1", status: "open", grant_ref: g.id, asset_id: g.asset.id, principal_id: g.principal.id, tasks: JSON.stringify(g.tasks) });
          expect(item.kind === "owner_assignment" ? item.grant_business_id : item.group_partner).toBe(item.kind === "owner_assignment" ? "42" : g.principal.id);
        }
      }),
    );
  });

  it("revokes and downgrades with the fix the Graph client applies to that grant", () => {
    fc.assert(
      fc.property(grant(fc.constant("person")), fc.boolean(), fc.subarray([...TASKS]), (g, share, keep) => {
        const [item] = graphItems("c1", share ? reading([], [g]) : reading([g], []));
        const fix = fixForDecision(item!, keep);
        expect(fix.params.asset_id).toBe(g.asset.id);
        if (keep.length === 0) {
          expect(fix.action).toBe(share ? "revoke_share" : "remove_assignment");
          expect(share ? fix.params.partner_business_id : fix.params.principal_id).toBe(g.principal.id);
        } else {
          expect(fix).toMatchObject({ action: "downgrade", params: { tasks: keep } });
          expect(fix.params.partner_business_id).toBe(share ? g.principal.id : undefined);
        }
      }),
    );
  });
});
