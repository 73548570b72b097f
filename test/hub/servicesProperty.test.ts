import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GrantlineError } from "../../src/errors.ts";
import { ACTION_NAMES } from "../../src/hub/catalogue/actions.ts";
import { ASSET_TYPES, type AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { PERMISSION_LEVELS, presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext, systemContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { AccessEngine } from "../../src/hub/access/accessEngine.ts";
import {
  belongsTo,
  partnersSeenBy,
  peopleSeenBy,
  reachesAsset,
  requireAssetRelated,
  requirePrincipalVisible,
  requireSelfOrAdmin,
} from "../../src/hub/access/callerAccess.ts";
import {
  authorizeAppRemovalCheck,
  authorizeClosingPending,
  authorizeEndingShare,
  authorizeGrantingAsset,
  authorizeGrantingBusiness,
  authorizeOwnerOrPartnerAdmin,
  authorizeSelfOrBusinessAdmin,
  authorizeSharing,
  authorizeSubscribing,
  authorizeTroubleshooting,
  authorizeUnsubscribing,
  mayReadReportRun,
  subscriberHearsAdAccount,
  subscriberHearsBusiness,
} from "../../src/hub/access/serviceAccess.ts";
import { buildAsset, buildBusiness, buildMember, type TestBusiness, type TestPerson } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock } from "../support/hubs.ts";
import {
  emptyWorld,
  refAdmin,
  refChecksAppRemoval,
  refClosesPending,
  refEndsShare,
  refHearsAdAccount,
  refRemovesPartner,
  refSelfOrBusinessAdmin,
  refShares,
  refSubscribes,
  refTroubleshoots,
  refUnsubscribes,
  refCheck,
  refHasRoute,
  refKnowsAsset,
  refMember,
  refSeesPartner,
  refSeesPrincipal,
  refSeesReacher,
  refSelfOrAdmin,
  refTasks,
  type RefWorld,
} from "../support/referenceModel.ts";

/**
 * Random sequences of real service calls (valid and invalid, by admins and by people who should be
 * refused) on a real store. Afterwards the engine, and the decisions the Graph layer asks of
 * hub/access, must agree with the reference model built from the store's own rows, and the engine
 * with an index rebuilt from scratch.
 */

type Actor = number | null;
type Op =
  | { kind: "offer"; asset: number; partner: number; level: number; endsInDays: number | null; actor: Actor }
  | { kind: "accept"; asset: number; partner: number; level: number | null; actor: Actor }
  | { kind: "decline" | "cancel"; asset: number; partner: number; actor: Actor }
  | { kind: "removeShare"; asset: number; partner: number; actor: Actor }
  | { kind: "removePartner"; owner: number; partner: number; actor: Actor }
  | { kind: "assign"; asset: number; principal: number; level: number; actor: Actor }
  | { kind: "unassign"; asset: number; principal: number; actor: Actor }
  | { kind: "role"; business: number; principal: number; role: number; actor: Actor }
  | { kind: "removeMember"; business: number; principal: number; actor: Actor }
  /** Offer, accept and staff in one go, so partner paths are common. */
  | { kind: "link"; asset: number; principal: number; shareLevel: number; assignLevel: number }
  | { kind: "grant"; principal: number; assets: number[] }
  | { kind: "advance"; days: number }
  | { kind: "sweep" };

const B = 3; // businesses
const A = 4; // assets
const P = 6; // extra people
const i = (n: number) => fc.integer({ min: 0, max: n - 1 });
/** Mostly the admin a real user would be (null), sometimes anyone at all, who should then be refused. */
const actor = fc.option(i(B + P), { nil: null, freq: 4 });
const level = i(PERMISSION_LEVELS.length);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("offer" as const), asset: i(A), partner: i(B), level, endsInDays: fc.option(i(20), { nil: null }), actor }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("accept" as const), asset: i(A), partner: i(B), level: fc.option(level, { nil: null }), actor }) },
  fc.record({ kind: fc.constantFrom("decline" as const, "cancel" as const), asset: i(A), partner: i(B), actor }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("removeShare" as const), asset: i(A), partner: i(B), actor }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("removePartner" as const), owner: i(B), partner: i(B), actor }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("assign" as const), asset: i(A), principal: i(P), level, actor }) },
  fc.record({ kind: fc.constant("unassign" as const), asset: i(A), principal: i(P), actor }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("role" as const), business: i(B), principal: i(P), role: i(3), actor }) },
  fc.record({ kind: fc.constant("removeMember" as const), business: i(B), principal: i(P), actor }),
  fc.record({ kind: fc.constant("grant" as const), principal: i(P), assets: fc.uniqueArray(i(A), { maxLength: A }) }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("link" as const), asset: i(A), principal: i(P), shareLevel: level, assignLevel: level }) },
  fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 35 }) }),
  fc.record({ kind: fc.constant("sweep" as const) }),
);

interface World {
  hub: Hub;
  clock: TestClock;
  businesses: TestBusiness[];
  people: TestPerson[];
  assets: { id: string; type: AssetType; owner: number }[];
  appId: string;
  grants: string[];
}

async function buildWorld(hub: Hub, clock: TestClock, types: AssetType[], owners: number[]): Promise<World> {
  const businesses: TestBusiness[] = [];
  for (let b = 0; b < B; b++) businesses.push(await buildBusiness(hub, `Biz ${b}`));
  const people: TestPerson[] = [];
  for (let p = 0; p < P; p++) people.push(await buildMember(hub, businesses[p % B]!, "EMPLOYEE", `Person ${p}`));
  const assets = [];
  for (let a = 0; a < A; a++) {
    const asset = await buildAsset(hub, businesses[owners[a]!]!, types[a]!, `Asset ${a}`);
    assets.push({ id: asset.id, type: types[a]!, owner: owners[a]! });
  }
  const app = await hub.apps.createApp(businesses[0]!.admin.ctx, businesses[0]!.id, "Tool");
  return { hub, clock, businesses, people, assets, appId: app.id, grants: [] };
}

async function apply(world: World, op: Op): Promise<void> {
  const { hub, businesses, people, assets } = world;
  const asset = "asset" in op ? assets[op.asset]! : undefined;
  const partner = "partner" in op ? businesses[op.partner]! : undefined;
  const home = (person: number) => businesses[person % B]!;
  const natural = (): TestBusiness => {
    switch (op.kind) {
      case "offer":
      case "removeShare":
        return businesses[asset!.owner]!;
      case "removePartner":
        return businesses[op.owner]!;
      case "accept":
      case "decline":
        return op.kind === "accept" || op.asset % 2 === 0 ? partner! : businesses[asset!.owner]!;
      case "cancel":
        return op.asset % 2 === 0 ? businesses[asset!.owner]! : partner!;
      case "assign":
      case "unassign":
        return home(op.principal);
      case "role":
      case "removeMember":
        return businesses[op.business]!;
      default:
        return businesses[0]!;
    }
  };
  const ctxOf = (n: Actor) => (n === null ? natural().admin.ctx : n < B ? businesses[n]!.admin.ctx : people[n - B]!.ctx);
  switch (op.kind) {
    case "link": {
      const person = people[op.principal]!;
      const agency = home(op.principal);
      const target = assets[op.asset]!;
      const owner = businesses[target.owner]!;
      if (owner === agency) return;
      await hub.partners.offer(owner.admin.ctx, {
        assetId: target.id,
        partnerBusinessId: agency.id,
        tasks: presetTasks(target.type, PERMISSION_LEVELS[op.shareLevel]!),
      });
      await hub.partners.acceptOrRequest(agency.admin.ctx, { partnerBusinessId: agency.id, assetId: target.id });
      await hub.assignments.assign(agency.admin.ctx, {
        assetId: target.id,
        principalId: person.id,
        businessId: agency.id,
        tasks: presetTasks(target.type, PERMISSION_LEVELS[op.assignLevel]!),
      });
      return;
    }
    case "offer":
      await hub.partners.offer(ctxOf(op.actor), {
        assetId: asset!.id,
        partnerBusinessId: partner!.id,
        tasks: presetTasks(asset!.type, PERMISSION_LEVELS[op.level]!),
        endsAt: op.endsInDays === null ? null : world.clock.t + (op.endsInDays + 1) * 86_400_000,
      });
      return;
    case "accept":
      await hub.partners.acceptOrRequest(ctxOf(op.actor), {
        partnerBusinessId: partner!.id,
        assetId: asset!.id,
        tasks: op.level === null ? undefined : presetTasks(asset!.type, PERMISSION_LEVELS[op.level]!),
      });
      return;
    case "decline":
    case "cancel": {
      const pending = (await hub.partners.listForAsset(asset!.id, ["pending"])).find((s) => s.partnerBusinessId === partner!.id);
      if (pending) await hub.partners[op.kind](ctxOf(op.actor), pending.id);
      return;
    }
    case "removeShare":
      await hub.partners.removeShare(ctxOf(op.actor), { assetId: asset!.id, partnerBusinessId: partner!.id });
      return;
    case "removePartner":
      await hub.partners.removePartner(ctxOf(op.actor), { ownerBusinessId: businesses[op.owner]!.id, partnerBusinessId: partner!.id });
      return;
    case "assign":
      await hub.assignments.assign(ctxOf(op.actor), {
        assetId: asset!.id,
        principalId: people[op.principal]!.id,
        tasks: presetTasks(asset!.type, PERMISSION_LEVELS[op.level]!),
      });
      return;
    case "unassign":
      await hub.assignments.unassign(ctxOf(op.actor), { assetId: asset!.id, principalId: people[op.principal]!.id });
      return;
    case "role":
      await hub.businesses.setMemberRole(ctxOf(op.actor), businesses[op.business]!.id, people[op.principal]!.id, ["ADMIN", "EMPLOYEE", "FINANCE_ANALYST"][op.role]!);
      return;
    case "removeMember":
      await hub.businesses.removeMember(ctxOf(op.actor), businesses[op.business]!.id, people[op.principal]!.id);
      return;
    case "grant": {
      const grant = await hub.apps.grant(people[op.principal]!.ctx, {
        appId: world.appId,
        scopes: ["ads_read", "business_management"],
        assetIds: op.assets.map((a) => assets[a]!.id),
      });
      world.grants.push(grant.id);
      return;
    }
    case "advance":
      world.clock.advanceDays(op.days);
      return;
    case "sweep":
      await hub.partners.sweep(systemContext());
      return;
  }
}

/** Whether a decision let the caller through, refused it with a reason, or answered as for an unknown id. */
function outcomeOf(decide: () => void): "allowed" | "refused" | "hidden" {
  try {
    decide();
    return "allowed";
  } catch (error) {
    // The answer for an unknown id, or a refusal worded as one (`concealedNotFound`).
    if (error instanceof GrantlineError && (error.id === "NOT_FOUND" || error.concealed)) return "hidden";
    if (error instanceof GrantlineError && error.id === "PERMISSION_DENIED") return "refused";
    throw error;
  }
}

/** The Graph layer's caller decisions (hub/access/callerAccess.ts) agree with the reference model's plain rules. */
function expectCallerDecisions(hub: Hub, ref: RefWorld, principals: readonly string[], assets: readonly string[]): void {
  const businesses = [...new Set(ref.roles.map((r) => r.business))];
  for (const me of principals) {
    const ctx = principalContext(hub.engine.index.principals.get(me)!.type, me);
    for (const asset of assets) {
      const label = `${me} on ${asset}`;
      expect(outcomeOf(() => requireAssetRelated(hub, ctx, asset)), label).toBe(refKnowsAsset(ref, me, asset) ? "allowed" : "hidden");
      expect(reachesAsset(hub, ctx, asset), label).toBe(refTasks(ref, me, asset).size > 0);
      const partnerSeen = partnersSeenBy(hub, ctx, asset);
      for (const b of businesses) expect(partnerSeen(b), `${label}, partner ${b}`).toBe(refSeesPartner(ref, me, asset, b));
      const personSeen = peopleSeenBy(hub, ctx, asset);
      for (const other of principals) expect(personSeen(other), `${label}, person ${other}`).toBe(refSeesReacher(ref, me, asset, other));
    }
    for (const other of principals) {
      const label = `${me} about ${other}`;
      expect(outcomeOf(() => requirePrincipalVisible(hub, ctx, other)), label).toBe(refSeesPrincipal(ref, me, other) ? "allowed" : "hidden");
      expect(outcomeOf(() => requireSelfOrAdmin(hub, ctx, other)), label).toBe(refSelfOrAdmin(ref, me, other));
    }
    for (const b of businesses) expect(belongsTo(hub, ctx, b), `${me} in ${b}`).toBe(refMember(ref, me, b));
  }
}

/**
 * The hub services' decisions (hub/access/serviceAccess.ts) agree with the reference model's plain
 * rules, for every principal about every asset, business and other principal of the world.
 */
function expectServiceDecisions(hub: Hub, ref: RefWorld, principals: readonly string[], assets: readonly { id: string; name: string; owner: string }[]): void {
  const engine = hub.engine;
  const businesses = [...new Set(ref.roles.map((r) => r.business))];
  for (const me of principals) {
    const ctx = principalContext(engine.index.principals.get(me)!.type, me);
    for (const asset of assets) {
      const stored = { id: asset.id, name: asset.name, owner_business_id: asset.owner };
      const label = `${me} on ${asset.id}`;
      expect(outcomeOf(() => authorizeSharing(engine, ctx, stored)), `${label}, sharing`).toBe(refShares(ref, me, asset.id));
      expect(outcomeOf(() => authorizeGrantingAsset(engine, me, asset.id)), `${label}, granting`).toBe(refTasks(ref, me, asset.id).size > 0 ? "allowed" : "refused");
      expect(mayReadReportRun(engine, ctx, { principal_id: me, account_id: asset.id }), `${label}, own report run`).toBe(refCheck(ref, me, "read_insights", asset.id));
      for (const other of principals) {
        if (other !== me) expect(mayReadReportRun(engine, ctx, { principal_id: other, account_id: asset.id }), `${label}, ${other}'s report run`).toBe(false);
        expect(outcomeOf(() => authorizeTroubleshooting(engine, ctx, other, asset.id, asset.id)), `${label}, troubleshooting ${other}`).toBe(refTroubleshoots(ref, me, other, asset.id));
      }
      expect(subscriberHearsAdAccount(engine, me, asset.id), `${label}, hearing`).toBe(refHearsAdAccount(ref, me, asset.id));
      for (const b of businesses) {
        const about = `${label}, ${b}`;
        expect(outcomeOf(() => authorizeEndingShare(engine, ctx, stored, b)), `${about}: ending the share`).toBe(refEndsShare(ref, me, asset.id, b));
        expect(subscriberHearsAdAccount(engine, me, asset.id, b), `${about}: hearing of the partner`).toBe(refHearsAdAccount(ref, me, asset.id, b));
        const app = { id: "app", business_id: b };
        expect(outcomeOf(() => authorizeSubscribing(engine, ctx, app, asset.id)), `${about}'s app: subscribing`).toBe(refSubscribes(ref, me, b, asset.id));
        expect(outcomeOf(() => authorizeUnsubscribing(engine, ctx, app, asset.id)), `${about}'s app: unsubscribing`).toBe(refUnsubscribes(ref, me, b, asset.id));
      }
    }
    for (const b of businesses) {
      expect(outcomeOf(() => authorizeGrantingBusiness(engine, me, b)), `${me} granting ${b}`).toBe(refMember(ref, me, b) ? "allowed" : "refused");
      expect(subscriberHearsBusiness(engine, me, b), `${me} hearing ${b}`).toBe(refAdmin(ref, me, b));
      for (const person of principals.filter((p) => engine.index.principals.get(p)!.type === "person")) {
        expect(outcomeOf(() => authorizeSelfOrBusinessAdmin(engine, ctx, b, person, "removing people")), `${me} removing ${person} from ${b}`).toBe(refSelfOrBusinessAdmin(ref, me, b, person));
      }
      for (const partner of businesses) {
        for (const partnered of [false, true]) {
          const parties = { ownerId: b, partnerId: partner, partnered };
          expect(outcomeOf(() => authorizeOwnerOrPartnerAdmin(engine, ctx, parties, "removing partners")), `${me} removing ${partner} from ${b} (${partnered})`).toBe(
            refRemovesPartner(ref, me, b, partner, partnered),
          );
        }
        for (const side of [b, partner]) {
          const item = { id: "pending", sender: b, receiver: partner, side };
          expect(outcomeOf(() => authorizeClosingPending(engine, ctx, item, "declining")), `${me} closing ${b} → ${partner} as ${side}`).toBe(refClosesPending(ref, me, b, partner, side));
        }
      }
    }
    for (const grant of ref.grants) {
      const outcome = outcomeOf(() => authorizeAppRemovalCheck(engine, ctx, { principalId: grant.principal, assetIds: grant.assets }));
      expect(outcome, `${me} checking grant ${grant.id}`).toBe(refChecksAppRemoval(ref, me, grant));
    }
  }
  // Trusted contexts pass every check.
  const system = systemContext();
  for (const asset of assets) expect(outcomeOf(() => authorizeSharing(engine, system, { id: asset.id, name: asset.name, owner_business_id: asset.owner }))).toBe("allowed");
}

/** The reference model's world, read straight from the store's tables. */
async function referenceFromStore(hub: Hub, now: number): Promise<RefWorld> {
  const db = hub.store.db;
  const world = emptyWorld(now);
  world.assets = (await db.selectFrom("assets").selectAll().execute()).map((a) => ({ id: a.id, type: a.type as AssetType, owner: a.owner_business_id }));
  world.roles = [
    ...(await db.selectFrom("business_members").selectAll().execute()).map((m) => ({ principal: m.person_id, business: m.business_id, role: m.role })),
    ...(await db.selectFrom("system_users").selectAll().execute()).map((s) => ({ principal: s.id, business: s.business_id, role: s.role })),
  ];
  world.shares = (await db.selectFrom("partner_shares").selectAll().where("status", "=", "active").execute()).map((s) => ({
    id: s.id,
    asset: s.asset_id,
    partner: s.partner_business_id,
    tasks: JSON.parse(s.tasks) as string[],
    endsAt: s.ends_at,
  }));
  world.assignments = (await db.selectFrom("assignments").selectAll().execute()).map((a) => ({
    id: a.id,
    asset: a.asset_id,
    principal: a.principal_id,
    business: a.business_id,
    tasks: JSON.parse(a.tasks) as string[],
  }));
  const grants = await db.selectFrom("app_grants").selectAll().where("revoked_at", "is", null).execute();
  const grantAssets = await db.selectFrom("app_grant_assets").selectAll().execute();
  world.grants = grants.map((g) => ({
    id: g.id,
    principal: g.principal_id,
    scopes: JSON.parse(g.scopes) as string[],
    assets: grantAssets.filter((ga) => ga.grant_id === g.id).map((ga) => ga.asset_id),
  }));
  return world;
}

describe.each(DIALECTS)("services and engine against the reference model on %s", (dialect) => {
  it("agree after random sequences of real calls, and no refused call writes anything", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...ASSET_TYPES), { minLength: A, maxLength: A }),
        fc.array(i(B), { minLength: A, maxLength: A }),
        fc.array(opArb, { minLength: 5, maxLength: 30 }),
        async (types, owners, ops) => {
          const store = makeTestStore(dialect);
          try {
            const clock = new TestClock();
            const hub = await store.open(clock);
            const world = await buildWorld(hub, clock, types, owners);
            for (const op of ops) {
              const seqBefore = hub.engine.appliedSeq;
              try {
                await apply(world, op);
              } catch (error) {
                if (!(error instanceof GrantlineError) || error.status >= 500) throw error;
                // A refused call records no access change (a link is three calls; earlier ones may stand).
                if (op.kind !== "link") expect(hub.engine.appliedSeq).toBe(seqBefore);
              }
            }
            const ref = await referenceFromStore(hub, clock.t);
            const principals = ref.roles.map((r) => r.principal);
            for (const principal of new Set(principals)) {
              for (const asset of world.assets) {
                for (const action of ACTION_NAMES) {
                  const expected = refCheck(ref, principal, action, asset.id);
                  expect(hub.engine.check({ principalId: principal }, action, asset.id), `${principal} ${action} ${asset.id}`).toBe(expected);
                  if (expected) expect(refHasRoute(ref, principal, asset.id)).toBe(true);
                }
              }
            }
            for (const grant of ref.grants) {
              const subject = { principalId: grant.principal, scopes: new Set(grant.scopes), grantId: grant.id };
              for (const asset of world.assets) {
                expect(hub.engine.check(subject, "view_asset", asset.id)).toBe(
                  refCheck(ref, grant.principal, "view_asset", asset.id, { scopes: grant.scopes, grantId: grant.id }),
                );
              }
            }
            // Partner assignments never exceed their live share.
            for (const assignment of ref.assignments) {
              const owner = ref.assets.find((a) => a.id === assignment.asset)!.owner;
              if (assignment.business === owner) continue;
              const share = ref.shares.find((s) => s.asset === assignment.asset && s.partner === assignment.business);
              expect(share, "a partner assignment without an active share").toBeDefined();
              for (const task of assignment.tasks) expect(share!.tasks).toContain(task);
            }
            expectCallerDecisions(hub, ref, [...new Set(principals)], world.assets.map((a) => a.id));
            expectServiceDecisions(hub, ref, [...new Set(principals)], ref.assets.map((a) => ({ ...a, name: hub.engine.asset(a.id)!.name })));
            const fresh = new AccessEngine(hub.store.db, clock.now);
            await fresh.rebuild();
            for (const asset of world.assets) expect(fresh.whoCanAccess(asset.id)).toEqual(hub.engine.whoCanAccess(asset.id));
            expect((await hub.audit.verify()).ok).toBe(true);
          } finally {
            await store.cleanup();
          }
        },
      ),
      { numRuns: dialect === "postgres" ? 25 : 150 },
    );
  }, 240_000);
});
