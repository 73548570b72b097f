import { errors } from "../../errors.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import type { AssetEntry } from "../access/accessIndex.ts";
import { describePath } from "../access/explain.ts";
import { tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import type { UsageRecorder } from "../audit/usageRollup.ts";
import * as repo from "./accessReview.repository.ts";
import { ACTION_BITS, actionOfAuditEntry, DAY_MS, type AccessReviewReport } from "./findings.ts";
import { judgeSnapshot, type ReviewProgress, type ShareReach } from "./reviewRules.ts";

export type { ReviewProgress } from "./reviewRules.ts";

/** A per-review cache of what depends only on an asset type and a mask. */
function byTypeAndMask<T>(compute: (type: AssetType, mask: number) => T): (type: AssetType, mask: number) => T {
  const cache = new Map<AssetType, Map<number, T>>();
  return (type, mask) => {
    let forType = cache.get(type);
    if (!forType) cache.set(type, (forType = new Map()));
    let value = forType.get(mask);
    if (value === undefined) forType.set(mask, (value = compute(type, mask)));
    return value;
  };
}

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
    options: { windowDays?: number; usageSource?: UsageSource; onProgress?: (progress: ReviewProgress) => Promise<void> | void } = {},
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
    const [shares, assignments, members, systemUsers, appGrants, useRows, activity] = await Promise.all([
      repo.listActiveSharesOwnedBy(db, businessId),
      repo.listOwnAssignments(db, businessId),
      repo.listMembers(db, businessId),
      repo.listSystemUserTokenUse(db, businessId, now),
      repo.listAppGrantsOnAssetsOf(db, businessId),
      fromLog ? repo.listUseSince(db, businessId, since).then(poolAuditedUse) : repo.listRolledUpUseSince(db, businessId, since),
      fromLog ? repo.lastActivitySince(db, businessId, since) : repo.lastRolledUpActivitySince(db, businessId, since),
    ]);

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
        const reached = { principalId, tasks: tasksOf(asset.type, path.mask), via: describePath(engine.index, asset, name, path) };
        if (list) list.push(reached);
        else reach.set(path.shareId, [reached]);
      }
    }
    return judgeSnapshot(
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
  }

  /**
   * Whether each person of the business has turned on two-factor authentication, for the Graph's
   * `business_users{two_fac_status}`; the caller has checked that the reader belongs to the business.
   */
  async twoFactorEnrolment(businessId: string): Promise<Map<string, boolean>> {
    const members = await repo.listMembers(this.deps.db, businessId);
    return new Map(members.map((m) => [m.id, m.totp_enabled === 1]));
  }
}
