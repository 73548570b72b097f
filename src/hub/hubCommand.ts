import { AsyncLocalStorage } from "node:async_hooks";
import { errors, GrantlineError } from "../errors.ts";
import type { Db, Executor } from "../store/database.ts";
import type { AccessEngine } from "./access/accessEngine.ts";
import { recordAccessChange, type ChangeKind } from "./access/accessChange.repository.ts";
import type { AuditEvent, AuditService } from "./audit/audit.service.ts";
import type { RequestContext } from "./context.ts";

/** What every service needs: the store, the engine, the audit log and the clock. */
export interface HubDeps {
  db: Db;
  engine: AccessEngine;
  audit: AuditService;
  now: () => number;
}

/** What a command records if it is refused: its audit entry without the outcome and the reason. */
export type AuditAttempt = Omit<AuditEvent, "outcome" | "reason">;

/** The transaction of one command, with helpers that keep audit and change log inside it. */
export interface CommandTx {
  trx: Executor;
  now: number;
  audit(event: AuditEvent): Promise<void>;
  changed(kind: ChangeKind, entityId: string): Promise<void>;
  /** Runs `effect` once the transaction has committed (never if it rolls back): in-memory caches of what it wrote. */
  afterCommit(effect: () => void): void;
  /**
   * Tells the other instances, once the transaction has committed and before the command returns,
   * to look at the store before their next request: for data they hold in memory (campaign lists).
   * Access changes (`changed`) are announced anyway.
   */
  announceAtCommit(): void;
}

/** The transaction commands join when they run inside `inOneTransaction`. */
const enclosing = new AsyncLocalStorage<{ trx: Executor; touchedAccess: boolean; announce: boolean; committed: (() => void)[] }>();
/**
 * `inOneTransaction` calls under way. While an AsyncLocalStorage is on, Node tracks every promise
 * in the process, a cost every request would pay; so it is switched off whenever none is running.
 */
let enclosingRuns = 0;

/**
 * Runs several commands as one: they share a transaction, so either all of them commit or none does
 * (bootstrap's business, system user and token, for example).
 */
export async function inOneTransaction<T>(deps: HubDeps, work: () => Promise<T>): Promise<T> {
  if (enclosing.getStore()) return work();
  const state = { trx: deps.db as Executor, touchedAccess: false, announce: false, committed: [] as (() => void)[] };
  let result: T;
  enclosingRuns++;
  try {
    result = await deps.db.transaction().execute((trx) => {
      state.trx = trx;
      return enclosing.run(state, work);
    });
  } finally {
    if (--enclosingRuns === 0) enclosing.disable();
  }
  for (const effect of state.committed) effect();
  if (state.touchedAccess) await deps.engine.afterLocalCommit();
  else if (state.announce) await deps.engine.announce();
  return result;
}

/** Thrown after a validate-only command's work to roll back everything it wrote; never leaves runCommand. */
class ValidatedOnly<T> {
  constructor(readonly result: T) {}
}

/**
 * Runs one change as a single transaction: the data, its audit entries and its access-change
 * records commit together or not at all. After commit the engine catches up, so the next check sees
 * the change. A refused attempt (bad input or no permission) is itself audited, outside the rolled
 * back transaction. A validate-only command (`ctx.validateOnly`) goes through the same checks and
 * writes, then rolls back: it leaves nothing, not even its audit entry, unless it is refused.
 */
export async function runCommand<T>(
  deps: HubDeps,
  ctx: RequestContext,
  attempt: AuditAttempt,
  work: (tx: CommandTx) => Promise<T>,
): Promise<T> {
  const outer = enclosing.getStore();
  let touchedAccess = false;
  let announce = false;
  const committed: (() => void)[] = [];
  const makeTx = (trx: Executor): CommandTx => {
    const now = deps.now();
    return {
      trx,
      now,
      audit: async (event) => {
        await deps.audit.record(ctx, event, trx);
      },
      changed: async (kind, entityId) => {
        if (outer) outer.touchedAccess = true;
        else touchedAccess = true;
        await recordAccessChange(trx, kind, entityId, now);
      },
      afterCommit: (effect) => {
        (outer ? outer.committed : committed).push(effect);
      },
      announceAtCommit: () => {
        if (outer) outer.announce = true;
        else announce = true;
      },
    };
  };
  // Inside a larger transaction the outer one commits, catches up and audits a refusal.
  if (outer) {
    // A rollback here would undo the enclosing transaction's other commands too.
    if (ctx.validateOnly) throw errors.internal();
    return work(makeTx(outer.trx));
  }
  try {
    const result = await deps.db.transaction().execute(async (trx) => {
      const done = await work(makeTx(trx));
      if (ctx.validateOnly) throw new ValidatedOnly(done);
      return done;
    });
    for (const effect of committed) effect();
    if (touchedAccess) await deps.engine.afterLocalCommit();
    else if (announce) await deps.engine.announce();
    return result;
  } catch (error) {
    if (error instanceof ValidatedOnly) return error.result as T;
    if (error instanceof GrantlineError && error.status < 500 && !error.audited) {
      error.audited = true;
      await deps.audit.record(ctx, {
        ...attempt,
        // A stranger's refused attempt is kept as the stranger's own, not written into the log of
        // the business it probed: nobody outside a business can add entries to its audit log.
        ...(error.concealed ? { businessId: null } : {}),
        outcome: error.isDenial ? "denied" : "invalid",
        reason: error.options.userMsg ?? error.message,
      });
    }
    throw error;
  }
}
