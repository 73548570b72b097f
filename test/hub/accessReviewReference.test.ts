import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import type { RequestContext } from "../../src/hub/context.ts";
import type { AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import type { AuditAction } from "../../src/hub/audit/auditActions.ts";
import { requiredTasks } from "../../src/hub/catalogue/actions.ts";
import { LEVEL_LABELS, PERMISSION_LEVELS, presetTasks, type PermissionLevel } from "../../src/hub/catalogue/permissionLevels.ts";
import { actionOfAuditEntry, DAY_MS, FINDING_KINDS, type AccessReviewReport } from "../../src/hub/review/findings.ts";
import { adServicesOf, buildAsset, buildBusiness, buildCampaign, buildMember, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

/**
 * Grant findings (unused, over-privileged, external through a partner) against a plain reference:
 * read straight from the store's tables and the audit log, task names in arrays, no access index,
 * no usage rollup, no masks. The review must report exactly the grants the reference judges, with
 * the same evidence: the owner's, and each agency's own people on the owner's assets shared with it.
 */

type Row = Record<string, unknown>;
const sorted = (values: Iterable<string>) => [...values].sort().join(",");
const iso = (at: number | null) => (at === null ? "null" : new Date(at).toISOString());

async function referenceLines(hub: Hub, businessId: string, now: number, windowDays: number): Promise<string[]> {
  const db = hub.store.db;
  const since = now - windowDays * DAY_MS;
  const allShares = await db.selectFrom("partner_shares").selectAll().execute();
  // Its own assets, and its clients' (shared with it): on those, the assignments it made.
  const clientAssets = new Set(allShares.filter((s) => s.partner_business_id === businessId && s.status === "active").map((s) => s.asset_id));
  const assets = (await db.selectFrom("assets").selectAll().execute()).filter((a) => a.owner_business_id === businessId || clientAssets.has(a.id));
  const assignments: Row[] = await db.selectFrom("assignments").selectAll().execute();
  const shares = allShares.filter((s) => s.owner_business_id === businessId && s.status === "active");
  const members = await db.selectFrom("business_members").selectAll().execute();
  const campaigns = await db.selectFrom("campaigns").selectAll().execute();
  const entries = await db.selectFrom("audit_entries").selectAll().execute();
  const typeOf = (assetId: string) => assets.find((a) => a.id === assetId)?.type as AssetType | undefined;
  const tasksOf = (json: unknown) => JSON.parse(String(json)) as string[];

  /** Catalogue actions and the latest time of each principal's successful uses of an asset in the window. */
  const useOf = (principals: string[], assetId: string) => {
    const actions = new Set<string>();
    let last: number | null = null;
    for (const e of entries) {
      if (e.outcome !== "success" || e.actor_id === null || !principals.includes(e.actor_id) || Number(e.at) < since) continue;
      const target = e.target_id === assetId ? assetId : campaigns.find((c) => c.id === e.target_id)?.account_id;
      if (target !== assetId) continue;
      // Read straight from the table, as the reference reads everything; the hub writes only AuditActions.
      const action = actionOfAuditEntry(e.action as AuditAction, e.target_type);
      if (!action) continue;
      actions.add(action);
      last = Math.max(last ?? 0, Number(e.at));
    }
    return { actions, last };
  };
  const judge = (type: AssetType, tasks: string[], grantedAt: number, use: { actions: Set<string>; last: number | null }) => {
    if (tasks.length === 0 || grantedAt > since) return undefined;
    const used = new Set([...use.actions].flatMap((a) => requiredTasks(a as never, type)).filter((t) => tasks.includes(t)));
    if (used.size === 0) return { kind: "unused", used, level: "-" };
    const first = PERMISSION_LEVELS.find((l: PermissionLevel) => [...used].every((t) => presetTasks(type, l).includes(t)));
    // Presets with the same tasks on a type are one level, named by the one listed last (View only over Analytics view).
    const same = (a: PermissionLevel, b: PermissionLevel) => [...presetTasks(type, a)].sort().join() === [...presetTasks(type, b)].sort().join();
    const level = first && [...PERMISSION_LEVELS].reverse().find((l: PermissionLevel) => same(l, first));
    if (!level || tasks.every((t) => presetTasks(type, level).includes(t))) return undefined;
    return { kind: "over_privileged", used, level: LEVEL_LABELS[level] };
  };
  const evidence = (tasks: string[], use: { actions: Set<string>; last: number | null }, used: Set<string>) =>
    `tasks=${sorted(tasks)} used=${sorted(used)} seen=${sorted(use.actions)} last=${iso(use.last)}`;

  const lines: string[] = [];
  for (const a of assignments) {
    const type = typeOf(String(a.asset_id));
    if (!type || a.business_id !== businessId) continue;
    const tasks = tasksOf(a.tasks);
    const use = useOf([String(a.principal_id)], String(a.asset_id));
    const judged = judge(type, tasks, Number(a.created_at), use);
    if (judged) lines.push(`${judged.kind} assignment ${String(a.id)} ${String(a.principal_id)} ${String(a.asset_id)} ${evidence(tasks, use, judged.used)} level=${judged.level}`);
  }
  for (const s of shares) {
    const type = typeOf(s.asset_id);
    if (!type) continue;
    const shareTasks = tasksOf(s.tasks);
    const live = s.ends_at === null || now < Number(s.ends_at);
    // The partner's people assigned to the asset, with the tasks both the share and the assignment give.
    const reached = live
      ? assignments
          .filter((a) => a.asset_id === s.asset_id && a.business_id === s.partner_business_id)
          .filter((a) => members.some((m) => m.business_id === s.partner_business_id && m.person_id === a.principal_id))
          .map((a) => ({ principal: String(a.principal_id), tasks: tasksOf(a.tasks).filter((t) => shareTasks.includes(t)) }))
          .filter((r) => r.tasks.length > 0)
      : [];
    const use = useOf(
      reached.map((r) => r.principal),
      s.asset_id,
    );
    const judged = judge(type, shareTasks, Number(s.updated_at), use);
    if (judged) {
      lines.push(`${judged.kind} share ${s.id} ${s.partner_business_id} ${s.asset_id} ${evidence(shareTasks, use, judged.used)} level=${judged.level} people=${sorted(reached.map((r) => r.principal))}`);
    }
    for (const r of reached) lines.push(`external ${r.principal} ${s.asset_id} share=${s.id} tasks=${sorted(r.tasks)} last=${iso(useOf([r.principal], s.asset_id).last)}`);
  }
  return lines.sort();
}

/** The evidence fields of grant and external findings that the reference computes. */
interface GrantEvidence {
  assignment_id?: string;
  share_id?: string;
  via?: string;
  tasks: string[];
  tasks_used: string[];
  actions_seen: string[];
  last_used: string | null;
  suggested_level?: string;
  people?: { id: string }[];
}

/** The same facts read from a report. */
function reportLines(report: AccessReviewReport): string[] {
  const lines: string[] = [];
  for (const f of report.findings) {
    const e = f.evidence as unknown as GrantEvidence;
    if (f.kind === "unused" || f.kind === "over_privileged") {
      const grant = e.assignment_id ? `assignment ${e.assignment_id}` : `share ${e.share_id}`;
      const tail =
        `tasks=${sorted(e.tasks)} used=${sorted(e.tasks_used)} seen=${sorted(e.actions_seen)} last=${e.last_used ?? "null"} level=${e.suggested_level ?? "-"}` +
        (e.people ? ` people=${sorted(e.people.map((p) => p.id))}` : "");
      lines.push(`${f.kind} ${grant} ${f.principal!.id} ${f.asset!.id} ${tail}`);
    } else if (f.kind === "external" && e.via === "partner_share") {
      lines.push(`external ${f.principal!.id} ${f.asset!.id} share=${e.share_id} tasks=${sorted(e.tasks)} last=${e.last_used ?? "null"}`);
    }
  }
  return lines.sort();
}

type Step =
  | { kind: "share"; asset: number; partner: number; level: number }
  | { kind: "assign"; asset: number; principal: number; level: number }
  | { kind: "use"; actor: number; asset: number; action: number; success: boolean }
  | { kind: "campaign"; actor: number; asset: number }
  | { kind: "advance"; days: number };

const USES: readonly (readonly [AuditAction, string])[] = [
  ["graph.get", "insights"],
  ["graph.get", "node"],
  ["ad_account.update", "ad_account"],
  ["campaign.update", "ad_account"],
  ["share.offer", "asset"],
];
const LEVELS: readonly PermissionLevel[] = PERMISSION_LEVELS;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("share" as const), asset: fc.nat(2), partner: fc.nat(1), level: fc.nat(LEVELS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("assign" as const), asset: fc.nat(2), principal: fc.nat(4), level: fc.constantFrom(0, 1, 3, 4, 4) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("use" as const), actor: fc.nat(4), asset: fc.nat(2), action: fc.nat(USES.length - 1), success: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("campaign" as const), actor: fc.nat(4), asset: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 0, max: 50 }) }) },
);

const lateUseArb: fc.Arbitrary<Step> = fc.record({ kind: fc.constant("use" as const), actor: fc.nat(4), asset: fc.nat(2), action: fc.nat(USES.length - 1), success: fc.constant(true) });

describe.each(DIALECTS)("access review grant findings against a plain reference on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Hub;
  beforeAll(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it("reports the same unused, over-privileged and partner grants, with the same evidence, on random worlds", async () => {
    let compared = 0;
    let onClientAssets = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 10, maxLength: 60 }), fc.integer({ min: 0, max: 40 }), fc.array(lateUseArb, { maxLength: 15 }), async (history, gap, lateUses) => {
        const owner = await buildBusiness(hub, "Owner");
        const agencies = [await buildBusiness(hub, "Agency A"), await buildBusiness(hub, "Agency B")];
        const assets: { id: string; graphId: string; type: AssetType }[] = [
          { ...(await buildAsset(hub, owner, "ad_account", "Main")), type: "ad_account" },
          { ...(await buildAsset(hub, owner, "ad_account", "Second")), type: "ad_account" },
          { ...(await buildAsset(hub, owner, "page", "Page")), type: "page" },
        ];
        // Two of the owner's people and three of the agencies' (the last one is in both agencies).
        const people = [
          { person: await buildMember(hub, owner, "EMPLOYEE"), homes: [owner] },
          { person: await buildMember(hub, owner, "EMPLOYEE"), homes: [owner] },
          { person: await buildMember(hub, agencies[0]!, "EMPLOYEE"), homes: [agencies[0]!] },
          { person: await buildMember(hub, agencies[1]!, "EMPLOYEE"), homes: [agencies[1]!] },
          { person: await buildMember(hub, agencies[0]!, "EMPLOYEE"), homes: [agencies[0]!, agencies[1]!] },
        ];
        await hub.businesses.setMemberRole(agencies[1]!.admin.ctx, agencies[1]!.id, people[4]!.person.id, "EMPLOYEE");
        // Partners start with a share each, so their people's assignments and use are common.
        await buildShare(hub, owner, agencies[0]!, assets[0]!.id, "ADMIN");
        await buildShare(hub, owner, agencies[1]!, assets[2]!.id, "STANDARD", "page");
        const ads = adServicesOf(hub);
        const ignoreRefusal = () => undefined;

        // A history, a quiet gap, then recent use: grants old enough to judge and used in the window.
        const steps: Step[] = [...history, { kind: "advance", days: gap }, ...lateUses];
        for (const step of steps) {
          if (step.kind === "advance") {
            clock.advanceDays(step.days);
          } else if (step.kind === "share") {
            const asset = assets[step.asset]!;
            await buildShare(hub, owner, agencies[step.partner]!, asset.id, LEVELS[step.level]!, asset.type).catch(ignoreRefusal);
          } else if (step.kind === "assign") {
            const asset = assets[step.asset]!;
            const { person, homes } = people[step.principal]!;
            // Each assigns through every business the person is in: the owner, or the partners.
            for (const home of homes) {
              await hub.assignments
                .assign(home.admin.ctx, { assetId: asset.id, principalId: person.id, tasks: presetTasks(asset.type, LEVELS[step.level]!) })
                .catch(ignoreRefusal);
            }
          } else if (step.kind === "campaign") {
            await buildCampaign(ads, people[step.actor]!.person.ctx, assets[step.asset]!.graphId).catch(ignoreRefusal);
          } else {
            const [action, targetType] = USES[step.action]!;
            const ctx: RequestContext = people[step.actor]!.person.ctx;
            await hub.audit.record(ctx, { action, businessId: owner.id, targetType, targetId: assets[step.asset]!.id, outcome: step.success ? "success" : "denied" });
          }
        }

        // The owner, and each agency for its own people on the owner's assets shared with it.
        for (const reviewed of [owner, ...agencies]) {
          for (const windowDays of [7, 30, 90]) {
            const report = await hub.review.findings(reviewed.admin.ctx, reviewed.id, { windowDays });
            const expected = await referenceLines(hub, reviewed.id, clock.now(), windowDays);
            expect(reportLines(report)).toEqual(expected);
            // Findings come grouped by kind, in the report's order.
            const ranks = report.findings.map((f) => FINDING_KINDS.indexOf(f.kind));
            expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
            compared += expected.length;
            if (reviewed !== owner) onClientAssets += expected.length;
          }
        }
      }),
      { numRuns: dialect === "sqlite" ? 30 : 8, seed: 4242 },
    );
    // The comparison was about real findings, not empty reports.
    expect(compared).toBeGreaterThan(0);
    expect(onClientAssets).toBeGreaterThan(0);
  });
});
