import type { Db, Executor } from "../../store/database.ts";
import type { RequestContext } from "../context.ts";
import {
  auditPage,
  claimAuditHead,
  insertAuditEntry,
  readAuditHead,
  setAuditHeadHash,
  type AuditRow,
} from "./audit.repository.ts";
import { listAuditEntries, type AuditFilter } from "./audit.repository.ts";
import { auditEntryHash, GENESIS_HASH } from "./auditChain.ts";
import type { AccessIndex } from "../access/accessIndex.ts";
import { rollUpAuditEntry } from "./usageRollup.ts";
import type { AuditAction } from "./auditActions.ts";

export type AuditOutcome = "success" | "denied" | "invalid" | "failed";

export interface AuditEvent {
  action: AuditAction;
  businessId?: string | null | undefined;
  targetType?: string | null | undefined;
  targetId?: string | null | undefined;
  before?: unknown;
  after?: unknown;
  outcome?: AuditOutcome;
  reason?: string | null | undefined;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First entry that fails, when not ok. */
  brokenAt?: number;
  problem?: string;
}

/** The append-only, hash-chained log of every change and every refused attempt. */
export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** The access index, to record which path each use went through (`direct`, `share:<id>`, …). */
    private readonly index?: AccessIndex,
  ) {}

  /** Appends an entry; pass the write's transaction so the entry commits (or not) with the change. */
  async record(ctx: RequestContext, event: AuditEvent, trx?: Executor): Promise<number> {
    const executor = trx ?? this.db;
    if (executor.isTransaction) return this.append(executor, ctx, event);
    return this.db.transaction().execute((t) => this.append(t, ctx, event));
  }

  private async append(trx: Executor, ctx: RequestContext, event: AuditEvent): Promise<number> {
    const head = await claimAuditHead(trx);
    const entry: Omit<AuditRow, "hash" | "prev_hash"> = {
      seq: head.seq,
      at: this.now(),
      request_id: ctx.requestId,
      actor_type: ctx.actor.type,
      actor_id: "id" in ctx.actor ? ctx.actor.id : null,
      app_id: ctx.appId ?? null,
      business_id: event.businessId ?? null,
      action: event.action,
      target_type: event.targetType ?? null,
      target_id: event.targetId ?? null,
      before_json: event.before === undefined ? null : JSON.stringify(event.before),
      after_json: event.after === undefined ? null : JSON.stringify(event.after),
      outcome: event.outcome ?? "success",
      reason: event.reason ?? null,
    };
    const hash = auditEntryHash(head.hash, entry);
    await insertAuditEntry(trx, { ...entry, prev_hash: head.hash, hash });
    await setAuditHeadHash(trx, hash);
    // The usage rollup commits (or not) with the entry, so it never disagrees with the log.
    await rollUpAuditEntry(trx, this.index, ctx, entry);
    return head.seq;
  }

  /** Walks the whole chain: any edited, inserted or deleted entry (the newest included) breaks it. */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<AuditVerification> {
    const head = await readAuditHead(this.db);
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    const pageSize = 5000;
    for (;;) {
      const page = await auditPage(this.db, expectedSeq - 1, pageSize);
      for (const row of page) {
        if (row.seq !== expectedSeq) {
          return { ok: false, entries: checked, brokenAt: expectedSeq, problem: `entry ${expectedSeq} is missing` };
        }
        if (row.prev_hash !== prevHash) {
          return { ok: false, entries: checked, brokenAt: row.seq, problem: `entry ${row.seq} does not follow entry ${row.seq - 1}` };
        }
        const { hash, prev_hash: _prev, ...fields } = row;
        if (auditEntryHash(prevHash, fields) !== hash) {
          return { ok: false, entries: checked, brokenAt: row.seq, problem: `entry ${row.seq} was altered` };
        }
        prevHash = hash;
        expectedSeq += 1;
        checked += 1;
      }
      onProgress?.(checked, head.seq);
      if (page.length < pageSize) break;
    }
    if (checked !== head.seq || prevHash !== head.hash) {
      return {
        ok: false,
        entries: checked,
        brokenAt: checked + 1,
        problem: `the log ends at entry ${checked} but ${head.seq} were written`,
      };
    }
    return { ok: true, entries: checked };
  }

  /** Entries matching the filter, newest first (the console's audit log). */
  list(filter: AuditFilter): Promise<AuditRow[]> {
    return listAuditEntries(this.db, filter);
  }
}
