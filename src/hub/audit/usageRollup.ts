import type { Db, Executor } from "../../store/database.ts";
import type { AccessIndex } from "../access/accessIndex.ts";
import type { ActionName } from "../catalogue/actions.ts";
import type { RequestContext } from "../context.ts";
import { resolveUsedAsset, touchActivity, upsertUsage, type UsageDelta } from "./usageRollup.repository.ts";
import type { AuditRow } from "./audit.repository.ts";
import { actionOfAuditEntry } from "../review/findings.ts";

/**
 * The path a use went through, as the rollup records it: the app grant (or app) of an app token;
 * `direct` when the principal reaches the asset from its owner's side; `share:<id>` through a
 * partner share; `none` when no path is left (removed in the same change).
 */
export function viaOf(index: AccessIndex | undefined, ctx: RequestContext, principalId: string, assetId: string, at: number): string {
  if (ctx.grantId) return `app_grant:${ctx.grantId}`;
  if (ctx.appId) return `app:${ctx.appId}`;
  if (!index) return "none";
  const paths = index.paths(principalId, assetId, at);
  if (paths.some((p) => p.kind !== "partner_assignment")) return "direct";
  const share = paths.find((p) => p.kind === "partner_assignment");
  return share && share.kind === "partner_assignment" ? `share:${share.shareId}` : "none";
}

/**
 * Adds one audit entry to the rollup, inside the entry's own transaction: any entry by a person or
 * system user moves their latest activity; a successful one that exercised an asset (see
 * `actionOfAuditEntry`) adds a use of that asset.
 */
export async function rollUpAuditEntry(trx: Executor, index: AccessIndex | undefined, ctx: RequestContext, entry: Omit<AuditRow, "hash" | "prev_hash">): Promise<void> {
  if (!entry.actor_id) return;
  await touchActivity(trx, [{ principal_id: entry.actor_id, last_at: entry.at }]);
  if (entry.outcome !== "success" || !entry.target_id) return;
  const action = actionOfAuditEntry(entry.action, entry.target_type);
  if (!action) return;
  const assetId = await resolveUsedAsset(trx, entry.target_id);
  if (!assetId) return;
  await upsertUsage(trx, [
    { principal_id: entry.actor_id, asset_id: assetId, action, via: viaOf(index, ctx, entry.actor_id, assetId, entry.at), first_at: entry.at, last_at: entry.at, count: 1 },
  ]);
}

export interface UsageRecorderOptions {
  /** Flush as soon as this many distinct keys wait (default 5,000). */
  maxPending?: number;
  onError?: (error: unknown) => void;
}

/**
 * Successful Graph reads counted as use without an audit entry per read: uses are summed in memory
 * by (principal, asset, action, path) and written in one upsert per batch — on a timer, when many
 * are waiting, before findings are computed, and at shutdown.
 */
export class UsageRecorder {
  private pending = new Map<string, UsageDelta>();
  private activity = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<number> | undefined;
  private readonly maxPending: number;

  constructor(
    private readonly db: Db,
    private readonly index: () => AccessIndex,
    private readonly now: () => number,
    private readonly options: UsageRecorderOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 5000;
  }

  /** Notes one successful read of an asset by the caller; people and system users only (not the operator). */
  noteRead(ctx: RequestContext, assetId: string, action: ActionName): void {
    if (!("id" in ctx.actor)) return;
    const principalId = ctx.actor.id;
    const at = this.now();
    const via = viaOf(this.index(), ctx, principalId, assetId, at);
    const key = `${principalId}\u0000${assetId}\u0000${action}\u0000${via}`;
    const row = this.pending.get(key);
    if (row) {
      row.first_at = Math.min(row.first_at, at);
      row.last_at = Math.max(row.last_at, at);
      row.count += 1;
    } else {
      this.pending.set(key, { principal_id: principalId, asset_id: assetId, action, via, first_at: at, last_at: at, count: 1 });
    }
    this.activity.set(principalId, Math.max(this.activity.get(principalId) ?? 0, at));
    if (this.pending.size >= this.maxPending) void this.flush().catch((error: unknown) => this.options.onError?.(error));
  }

  /** Uses waiting to be written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes what is waiting (one transaction); on failure the uses stay waiting for the next flush. */
  async flush(): Promise<number> {
    // One flush at a time; a caller arriving meanwhile waits for it, then writes what came since.
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.pending.size === 0 && this.activity.size === 0) return 0;
    const rows = [...this.pending.values()];
    const activity = [...this.activity].map(([principal_id, last_at]) => ({ principal_id, last_at }));
    this.pending = new Map();
    this.activity = new Map();
    this.flushing = this.db
      .transaction()
      .execute(async (trx) => {
        await upsertUsage(trx, rows);
        await touchActivity(trx, activity);
        return rows.length;
      })
      .catch((error: unknown) => {
        this.restore(rows, activity);
        throw error;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Flushes every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.flush().catch((error: unknown) => this.options.onError?.(error));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private restore(rows: UsageDelta[], activity: { principal_id: string; last_at: number }[]): void {
    for (const row of rows) {
      const key = `${row.principal_id}\u0000${row.asset_id}\u0000${row.action}\u0000${row.via}`;
      const current = this.pending.get(key);
      if (current) {
        current.first_at = Math.min(current.first_at, row.first_at);
        current.last_at = Math.max(current.last_at, row.last_at);
        current.count += row.count;
      } else {
        this.pending.set(key, row);
      }
    }
    for (const a of activity) this.activity.set(a.principal_id, Math.max(this.activity.get(a.principal_id) ?? 0, a.last_at));
  }
}
