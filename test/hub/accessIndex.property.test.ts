import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emptyWorld,
  refAccessibleAssets,
  refCheck,
  refHasRoute,
  refPartnerPaths,
  refWhoCanAccess,
  type RefWorld,
} from "../support/referenceModel.ts";
import { ASSET_TYPES, fullMask, tasksOfMask, type AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { ACTION_NAMES } from "../../src/hub/catalogue/actions.ts";
import { SCOPES } from "../../src/hub/catalogue/roles.ts";
import { AccessIndex } from "../../src/hub/access/accessIndex.ts";

const BUSINESSES = ["b0", "b1", "b2"];
const PEOPLE = ["p0", "p1", "p2", "p3"];
const SYSTEM_USERS = ["s0", "s1"];
const PRINCIPALS = [...PEOPLE, ...SYSTEM_USERS];
const ASSETS = ["a0", "a1", "a2", "a3", "a4"];
const GRANTS = ["g0", "g1"];
const ROLES = ["ADMIN", "EMPLOYEE", "FINANCE_ANALYST", "DEVELOPER", null] as const;

type Op =
  | { kind: "role"; principal: string; business: string; role: string | null }
  | { kind: "share"; asset: string; partner: string; mask: number; endsIn: number | null; remove: boolean }
  | { kind: "assign"; asset: string; principal: string; business: string; mask: number; remove: boolean }
  | { kind: "grant"; id: string; principal: string; scopes: string[]; assets: string[]; remove: boolean }
  | { kind: "advance"; ms: number }
  /** Share, join and assign in one go, so partner paths are common rather than rare. */
  | { kind: "staff"; asset: string; partner: string; principal: string; shareMask: number; assignMask: number; endsIn: number | null };

const pick = <T,>(values: readonly T[]) => fc.constantFrom(...values);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("role" as const), principal: pick(PEOPLE), business: pick(BUSINESSES), role: pick(ROLES) }),
  fc.record({
    kind: fc.constant("share" as const),
    asset: pick(ASSETS),
    partner: pick(BUSINESSES),
    mask: fc.integer({ min: 0, max: (1 << 27) - 1 }),
    endsIn: fc.option(fc.integer({ min: -2, max: 6 }), { nil: null }),
    remove: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("staff" as const),
    asset: pick(ASSETS),
    partner: pick(BUSINESSES),
    principal: pick(PEOPLE),
    shareMask: fc.integer({ min: 0, max: (1 << 27) - 1 }),
    assignMask: fc.integer({ min: 0, max: (1 << 27) - 1 }),
    endsIn: fc.option(fc.integer({ min: -2, max: 6 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant("assign" as const),
    asset: pick(ASSETS),
    principal: pick(PRINCIPALS),
    business: pick(BUSINESSES),
    mask: fc.integer({ min: 0, max: (1 << 27) - 1 }),
    remove: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("grant" as const),
    id: pick(GRANTS),
    principal: pick(PRINCIPALS),
    scopes: fc.subarray([...SCOPES]),
    assets: fc.subarray(ASSETS),
    remove: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 3 }) }),
);

const worldArb = fc.record({
  assetTypes: fc.array(pick(ASSET_TYPES), { minLength: ASSETS.length, maxLength: ASSETS.length }),
  owners: fc.array(pick(BUSINESSES), { minLength: ASSETS.length, maxLength: ASSETS.length }),
  systemUserHomes: fc.array(fc.tuple(pick(BUSINESSES), pick(["ADMIN", "EMPLOYEE"])), {
    minLength: SYSTEM_USERS.length,
    maxLength: SYSTEM_USERS.length,
  }),
  ops: fc.array(opArb, { maxLength: 50 }),
  tokenScopes: fc.option(fc.subarray([...SCOPES]), { nil: undefined }),
  tokenGrant: fc.option(pick(GRANTS), { nil: undefined }),
  tokenAsset: fc.option(pick(ASSETS), { nil: undefined }),
});

/** Builds the same world in the index and in the reference model, one operation at a time. */
function build(world: WorldInput): { index: AccessIndex; ref: RefWorld } {
  const index = new AccessIndex();
  const ref = emptyWorld(100);
  BUSINESSES.forEach((b) => index.setBusiness(b, b.toUpperCase()));
  PEOPLE.forEach((p) => index.setPrincipal(p, "person", p.toUpperCase()));
  SYSTEM_USERS.forEach((s, i) => {
    const [business, role] = world.systemUserHomes[i]!;
    index.setPrincipal(s, "system_user", s.toUpperCase());
    index.setRole(s, business, role);
    ref.roles.push({ principal: s, business, role });
  });
  ASSETS.forEach((id, i) => {
    const type = world.assetTypes[i]!;
    const owner = world.owners[i]!;
    index.setAsset({ id, type, ownerId: owner, name: id.toUpperCase() });
    ref.assets.push({ id, type, owner });
  });
  const typeOf = (asset: string) => ref.assets.find((a) => a.id === asset)!.type;
  const setRole = (principal: string, business: string, role: string | null) => {
    index.setRole(principal, business, role);
    ref.roles = ref.roles.filter((r) => !(r.principal === principal && r.business === business));
    if (role) ref.roles.push({ principal, business, role });
  };
  const setShare = (asset: string, partner: string, rawMask: number, endsIn: number | null) => {
    const id = `share:${asset}:${partner}`;
    const type = typeOf(asset);
    const mask = rawMask & fullMask(type);
    const endsAt = endsIn === null ? null : ref.now + endsIn;
    ref.shares = ref.shares.filter((s) => s.id !== id);
    index.setShare({ id, assetId: asset, partnerId: partner, mask, endsAt });
    ref.shares.push({ id, asset, partner, tasks: tasksOfMask(type, mask), endsAt });
  };
  const setAssignment = (asset: string, principal: string, business: string, rawMask: number) => {
    const id = `assignment:${asset}:${principal}:${business}`;
    const type = typeOf(asset);
    const mask = rawMask & fullMask(type);
    ref.assignments = ref.assignments.filter((a) => a.id !== id);
    index.setAssignment({ id, assetId: asset, principalId: principal, businessId: business, mask });
    ref.assignments.push({ id, asset, principal, business, tasks: tasksOfMask(type, mask) });
  };

  for (const op of world.ops) {
    switch (op.kind) {
      case "staff":
        setRole(op.principal, op.partner, "EMPLOYEE");
        setShare(op.asset, op.partner, op.shareMask, op.endsIn);
        setAssignment(op.asset, op.principal, op.partner, op.assignMask);
        break;
      case "role":
        setRole(op.principal, op.business, op.role);
        break;
      case "share":
        if (op.remove) {
          const id = `share:${op.asset}:${op.partner}`;
          index.removeShare(id);
          ref.shares = ref.shares.filter((s) => s.id !== id);
        } else {
          setShare(op.asset, op.partner, op.mask, op.endsIn);
        }
        break;
      case "assign":
        if (op.remove) {
          const id = `assignment:${op.asset}:${op.principal}:${op.business}`;
          index.removeAssignment(id);
          ref.assignments = ref.assignments.filter((a) => a.id !== id);
        } else {
          setAssignment(op.asset, op.principal, op.business, op.mask);
        }
        break;
      case "grant":
        ref.grants = ref.grants.filter((g) => g.id !== op.id);
        if (op.remove) {
          index.setGrant(null, op.id);
          break;
        }
        index.setGrant(
          { id: op.id, appId: "app", appName: "App", principalId: op.principal, scopes: new Set(op.scopes), assetIds: new Set(op.assets), businessIds: new Set() },
          op.id,
        );
        ref.grants.push({ id: op.id, principal: op.principal, scopes: op.scopes, assets: op.assets });
        break;
      case "advance":
        ref.now += op.ms;
        break;
    }
  }
  return { index, ref };
}

interface WorldInput {
  assetTypes: AssetType[];
  owners: string[];
  systemUserHomes: readonly (readonly [string, string])[];
  ops: Op[];
  tokenScopes: readonly string[] | undefined;
  tokenGrant: string | undefined;
  tokenAsset: string | undefined;
}

describe("access index against the reference model", () => {
  it("agrees on every check, whoCanAccess, partner paths and accessibleAssets over 10,000 random worlds", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { index, ref } = build(world);
        const now = ref.now;
        for (const principal of PRINCIPALS) {
          for (const asset of ASSETS) {
            for (const action of ACTION_NAMES) {
              const expected = refCheck(ref, principal, action, asset);
              if (index.check({ principalId: principal }, action, asset, now) !== expected) return false;
              // No principal reaches an asset of another tenant without a share to a business it is in.
              if (expected && !refHasRoute(ref, principal, asset)) return false;
            }
          }
        }
        // Token-limited subject: scopes and an app grant's chosen assets narrow the same answers.
        const token = { scopes: world.tokenScopes, grantId: world.tokenGrant, assetLimit: world.tokenAsset };
        const scopes = world.tokenScopes ? new Set(world.tokenScopes) : undefined;
        for (const principal of PRINCIPALS) {
          for (const asset of ASSETS) {
            for (const action of ACTION_NAMES) {
              const got = index.check({ principalId: principal, scopes, grantId: world.tokenGrant, assetLimit: world.tokenAsset }, action, asset, now);
              if (got !== refCheck(ref, principal, action, asset, token)) return false;
            }
          }
        }
        for (const asset of ASSETS) {
          const type = ref.assets.find((a) => a.id === asset)!.type;
          const got = index.whoCanAccess(asset, now).map((e) => ({ principal: e.principalId, tasks: tasksOfMask(type, e.mask).sort() }));
          expect(got).toEqual(refWhoCanAccess(ref, asset));
          // Partner paths alone: what an access review reads for every asset of a business, in the
          // principal order whoCanAccess gives, and the same paths whoCanAccess lists.
          const partner = index.partnerPaths(asset, now);
          const principals = partner.map((p) => p.principalId);
          expect(principals).toEqual([...principals].sort());
          expect(partner.map((p) => p.path)).toEqual(
            index.whoCanAccess(asset, now).flatMap((e) => e.paths.filter((p) => p.kind === "partner_assignment")),
          );
          const byAssignment = (a: { principal: string; assignment: string }, b: { principal: string; assignment: string }) =>
            a.principal.localeCompare(b.principal) || a.assignment.localeCompare(b.assignment);
          expect(
            partner
              .map((p) => ({ principal: p.principalId, share: p.path.shareId, assignment: p.path.assignmentId, tasks: tasksOfMask(type, p.path.mask).sort() }))
              .sort(byAssignment),
          ).toEqual(refPartnerPaths(ref, asset));
        }
        for (const principal of PRINCIPALS) {
          const got = index
            .accessibleAssets(principal, now)
            .map((e) => ({ asset: e.assetId, tasks: tasksOfMask(ref.assets.find((a) => a.id === e.assetId)!.type, e.mask).sort() }));
          expect(got).toEqual(refAccessibleAssets(ref, principal));
        }
        return true;
      }),
      { numRuns: 10_000 },
    );
  });

  it("sees a revoke on the very next check", () => {
    const index = new AccessIndex();
    index.setBusiness("owner", "Owner");
    index.setBusiness("agency", "Agency");
    index.setPrincipal("p", "person", "P");
    index.setRole("p", "agency", "EMPLOYEE");
    index.setAsset({ id: "a", type: "ad_account", ownerId: "owner", name: "A" });
    index.setShare({ id: "s", assetId: "a", partnerId: "agency", mask: fullMask("ad_account"), endsAt: null });
    index.setAssignment({ id: "x", assetId: "a", principalId: "p", businessId: "agency", mask: fullMask("ad_account") });
    expect(index.check({ principalId: "p" }, "create_campaign", "a", 0)).toBe(true);
    index.removeShare("s");
    expect(index.check({ principalId: "p" }, "create_campaign", "a", 0)).toBe(false);
    expect(index.whoCanAccess("a", 0)).toEqual([]);
  });
});
