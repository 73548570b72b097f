import { GrantlineError } from "../errors.ts";
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

/** The transaction of one command, with helpers that keep audit and change log inside it. */
export interface CommandTx {
  trx: Executor;
  now: number;
  audit(event: AuditEvent): Promise<void>;
  changed(kind: ChangeKind, entityId: string): Promise<void>;
}

/**
 * Runs one change as a single transaction: the data, its audit entries and its access-change
 * records commit together or not at all. After commit the engine catches up, so the next check sees
 * the change. A refused attempt (bad input or no permission) is itself audited, outside the rolled
 * back transaction.
 */
export async function runCommand<T>(
  deps: HubDeps,
  ctx: RequestContext,
  attempt: Omit<AuditEvent, "outcome" | "reason">,
  work: (tx: CommandTx) => Promise<T>,
): Promise<T> {
  let touchedAccess = false;
  try {
    const result = await deps.db.transaction().execute(async (trx) => {
      const now = deps.now();
      const tx: CommandTx = {
        trx,
        now,
        audit: async (event) => {
          await deps.audit.record(ctx, event, trx);
        },
        changed: async (kind, entityId) => {
          touchedAccess = true;
          await recordAccessChange(trx, kind, entityId, now);
        },
      };
      return work(tx);
    });
    if (touchedAccess) await deps.engine.catchUp();
    return result;
  } catch (error) {
    if (error instanceof GrantlineError && error.status < 500) {
      await deps.audit.record(ctx, {
        ...attempt,
        outcome: error.status === 403 || error.status === 401 ? "denied" : "invalid",
        reason: error.options.userMsg ?? error.message,
      });
    }
    throw error;
  }
}
