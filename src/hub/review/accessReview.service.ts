import { errors } from "../../errors.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import type { AssetEntry } from "../access/accessIndex.ts";
import { describePath } from "../access/explain.ts";
import { tasksOfMask } from "../catalogue/assetTypes.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import type { UsageRecorder } from "../audit/usageRollup.ts";
import * as repo from "./accessReview.repository.ts";
import { listGuardrailsOfAssets } from "../guardrails/guardrail.repository.ts";
import { spendTotals } from "../ads/insights.repository.ts";
import { requiredMask } from "../catalogue/actions.ts";
import { describeGrant } from "../catalogue/permissionLevels.ts";
import { taskMask } from "../catalogue/assetTypes.ts";
import { ACTION_BITS, actionOfAuditEntry, DAY_MS, UNGUARDED_SPEND_THRESHOLD, withFixes, type AccessReviewReport, type Finding } from "./findings.ts";
import { judgeSnapshot } from "./reviewRules.ts";
import { byTypeAndMask, parseList, type ReviewProgress, type ShareReach } from "./reviewSnapshot.ts";

export type { ReviewProgress } from "./reviewSnapshot.ts";


/** Audited uses (one row per raw action) as the rollup pools them: catalogue actions as bits; entries that are not use dropped. */
function poolAuditedUse(rows: repo.UseRow[]): repo.PooledUseRow[] {
  const out: repo.PooledUseRow[] = [];
  for (const row of rows) {
    const action = actionOfAuditEntry(row.action, row.target_type);
    if (action) out.push({ actor_id: row.actor_id, asset_id: row.asset_id, actions: ACTION_BITS.get(action)!, last_at: row.last_at });
  }
  return out;
}

/**
 * Where findings read use from: the usage rollup (the default; one row per principal, asset and
 * action) or the raw audit log (the original computation, kept as the reference the rollup is
 * tested and benchmarked against).
 */
export type UsageSource = "rollup" | "audit_log";

/**
 * Access review findings for one business from the hub's own store: the store and the access index
 * make the snapshot, and the rules in `reviewRules.ts` judge it. Read-only; each finding carries
 * the fix a UI or the CLI can apply.
 */
export class AccessReviewService {
  constructor(
    private readonly deps: HubDeps,
    private readonly usage?: UsageRecorder,
  ) {}

  /**
   * `onProgress` hears after each phase how many items (uses, grants, assets, principals) are
   * judged of the total, so a caller can show real progress; it may pause to let progress out.
   */
  async findings(
    ctx: RequestContext,
    businessId: string,
    options: {
      windowDays?: number;
      usageSource?: UsageSource;
      onProgress?: (progress: ReviewProgress) => Promise<void> | void;
      /** Spend (minor units) in the window above which an unguarded share is a finding; default UNGUARDED_SPEND_THRESHOLD. */
      guardrailSpendThreshold?: number;
    } = {},
  ): Promise<AccessReviewReport> {
    const windowDays = options.windowDays ?? 90;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3650) {
      throw errors.invalidParameter("Invalid window_days: use a whole number of days from 1 to 3650.");
    }
    const { db, engine } = this.deps;
    await engine.ensureCurrent();
    const business = await repo.findReviewBusiness(db, businessId);
    if (!business) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(engine, ctx, businessId, "reviewing access");

    const fromLog = options.usageSource === "audit_log";
    // Reads counted on this instance but not yet written count too.
    if (!fromLog) await this.usage?.flush();
    const now = this.deps.now();
    const since = now - windowDays * DAY_MS;
    const useOn = (side: repo.ReviewSide) =>
      fromLog ? repo.listUseSince(db, businessId, since, side).then(poolAuditedUse) : repo.listRolledUpUseSince(db, businessId, since, side);
    // Besides its own assets, the business's own people and system users on its clients' assets
    // (shared with it): who it staffed there is its grant to review; the share is the client's.
    const [shares, ownAssignments, clientAssignments, clientAssetIds, members, systemUsers, appGrants, ownUse, clientUse, activity] = await Promise.all([
      repo.listActiveSharesOwnedBy(db, businessId),
      repo.listOwnAssignments(db, businessId),
      repo.listClientAssignments(db, businessId),
      repo.listClientAssetIds(db, businessId),
      repo.listMembers(db, businessId),
      repo.listSystemUserTokenUse(db, businessId, now),
      repo.listAppGrantsOnAssetsOf(db, businessId),
      useOn("owned"),
      useOn("client"),
      fromLog ? repo.lastActivitySince(db, businessId, since) : repo.lastRolledUpActivitySince(db, businessId, since),
    ]);
    const assignments = [...ownAssignments, ...clientAssignments];
    const useRows = clientUse.length === 0 ? ownUse : [...ownUse, ...clientUse];

    // The business's assets as the access index holds them (current: see ensureCurrent above).
    const assets = new Map<string, AssetEntry>();
    for (const a of engine.index.assetsOwnedBy(businessId)) assets.set(a.id, a);
    // Everyone a share lets in, per share: the partner's people and system users assigned to the asset.
    // Only the partner paths are read from the index and described: at 100,000 grants, building and
    // presenting every path of every principal is most of the work.
    const tasksOf = byTypeAndMask((type, mask): readonly string[] => Object.freeze(tasksOfMask(type, mask)));
    const reach = new Map<string, ShareReach[]>();
    for (const asset of assets.values()) {
      for (const { principalId, path } of engine.index.partnerPaths(asset.id, now)) {
        const name = engine.index.principals.get(principalId)!.name;
        const list = reach.get(path.shareId);
        const reached = { principalId, tasks: tasksOf(asset.type, path.mask), via: describePath(engine.index, asset, name, path), assignmentId: path.assignmentId };
        if (list) list.push(reached);
        else reach.set(path.shareId, [reached]);
      }
    }
    // Clients' assets come after the partner reach above: their shares are the clients' to review.
    for (const id of clientAssetIds) {
      const asset = engine.index.assets.get(id);
      if (asset) assets.set(asset.id, asset);
    }
    const report = await judgeSnapshot(
      {
        business: { id: business.id, name: business.name, twoFactorRequired: business.two_factor_required === 1 },
        now,
        windowDays,
        assets,
        assignments,
        shares,
        reach,
        members,
        systemUsers,
        appGrants,
        uses: useRows,
        activity,
        principal: (id) => {
          const p = engine.index.principals.get(id);
          return { name: p?.name ?? id, type: p?.type ?? "person" };
        },
        assignmentPath: (a, principalName) => {
          const asset = assets.get(a.asset_id)!;
          const path = engine.index.paths(a.principal_id, asset.id, now).find((p) => p.kind === "owner_assignment" && p.assignmentId === a.id);
          return path ? describePath(engine.index, asset, principalName, path) : undefined;
        },
      },
      options.onProgress,
    );
    // Guardrails live in the hub's store, not in the snapshot a Graph-sourced review can read: this
    // rule is the native review's own (docs/review-graph.md). Its kind comes last in FINDING_KINDS.
    const unguarded: Finding[] = [];
    await this.unguardedPartners(shares, assets, since, options.guardrailSpendThreshold ?? UNGUARDED_SPEND_THRESHOLD, business.name, (f) => unguarded.push(f));
    return unguarded.length === 0 ? report : { ...report, findings: [...report.findings, ...unguarded] };
  }

  /**
   * Whether each person of the business has turned on two-factor authentication, for the Graph's
   * `business_users{two_fac_status}`; the caller has checked that the reader belongs to the business.
   */
  async twoFactorEnrolment(businessId: string): Promise<Map<string, boolean>> {
    const members = await repo.listMembers(this.deps.db, businessId);
    return new Map(members.map((m) => [m.id, m.totp_enabled === 1]));
  }

  /**
   * Shares of ad accounts that let a partner change budgets (Standard, Admin), with no partner
   * guardrails, on accounts that spent more than the threshold in the window: the partner can raise
   * any budget by any amount at any hour.
   */
  private async unguardedPartners(
    shares: Awaited<ReturnType<typeof repo.listActiveSharesOwnedBy>>,
    assets: ReadonlyMap<string, AssetEntry>,
    since: number,
    threshold: number,
    ownerName: string,
    add: (finding: Finding) => void,
  ): Promise<void> {
    const budgetMask = requiredMask("change_budget", "ad_account");
    const candidates = shares.filter((s) => {
      const asset = assets.get(s.asset_id);
      return asset?.type === "ad_account" && (taskMask(asset.type, parseList(s.tasks)) & budgetMask) === budgetMask;
    });
    if (candidates.length === 0) return;
    const accountIds = [...new Set(candidates.map((s) => s.asset_id))];
    const [guarded, spend] = await Promise.all([
      listGuardrailsOfAssets(this.deps.db, accountIds),
      spendTotals(this.deps.db, "account_id", accountIds, new Date(since).toISOString().slice(0, 10)),
    ]);
    const hasGuardrails = new Set(guarded.map((g) => `${g.asset_id}:${g.partner_business_id}`));
    for (const s of candidates) {
      const spent = spend.get(s.asset_id)?.spend ?? 0;
      if (spent <= threshold || hasGuardrails.has(`${s.asset_id}:${s.partner_business_id}`)) continue;
      const asset = assets.get(s.asset_id)!;
      const words = describeGrant(asset.type, parseList(s.tasks));
      add(withFixes({
        kind: "unguarded_partner",
        principal: Object.freeze({ id: s.partner_business_id, name: s.partner_name, type: "business" }),
        asset: Object.freeze({ id: asset.id, name: asset.name, type: asset.type }),
        path: `${ownerName} shared ${asset.name} with ${s.partner_name} (${words})`,
        evidence: { share_id: s.id, spend_in_window: spent, spend_threshold: threshold, tasks: parseList(s.tasks) },
        fix: {
          action: "set_guardrails",
          description: `${s.partner_name} can raise any budget on ${asset.name} by any amount at any hour. Set partner guardrails (a maximum daily budget, a maximum increase, approval above an amount) on the share.`,
          params: { asset_id: asset.id, partner_business_id: s.partner_business_id },
        },
      }));
    }
  }
}
