import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "./outboxRetry.ts";
import type { Executor } from "./database.ts";

/**
 * The outboxes whose rows are sent by leased attempts: Graph webhook deliveries and alert
 * deliveries. Both tables have the same delivery columns (id, status, attempts, next_attempt_at,
 * lease_until, last_attempt_at, last_http_status, last_error, delivered_at); these queries are
 * the one copy of how a row is claimed, taken over after a dead sender, and settled.
 *
 * A row is `pending` (due at next_attempt_at), `delivering` (claimed until lease_until), or done
 * (`delivered`, `failed`; the alert outbox also has `held` and `digested`, which are never claimed).
 */
export type OutboxTable = "webhook_deliveries" | "notification_deliveries";

/** What one attempt changes on its row. */
export interface AttemptChanges {
  status: "delivered" | "pending" | "failed";
  last_http_status: number | null;
  last_error: string | null;
  next_attempt_at?: number;
  delivered_at?: number;
}

/** A row this sender holds for one attempt. */
export interface OutboxClaim {
  id: string;
  /** 1-based attempt number; finishAttempt records only if the row is still this attempt's. */
  attempt: number;
}

/** Rows still to be sent (pending or being sent), and when the oldest of them was created (null when none). */
export async function outboxBacklog(db: Executor, table: OutboxTable): Promise<{ rows: number; oldestCreatedAt: number | null }> {
  const row = await db
    .selectFrom(table)
    .select((eb) => [eb.fn.countAll<number>().as("rows"), eb.fn.min<number | null>("created_at").as("oldest")])
    .where("status", "in", ["pending", "delivering"])
    .executeTakeFirstOrThrow();
  return { rows: Number(row.rows), oldestCreatedAt: row.oldest === null ? null : Number(row.oldest) };
}

/**
 * Rows a sender may take now: pending ones that are due, and ones whose sender's lease ran out (it
 * stopped mid-attempt). An idle poll is this one indexed read.
 */
export async function listClaimable(db: Executor, table: OutboxTable, now: number, limit: number): Promise<{ id: string; status: string; attempts: number }[]> {
  return db
    .selectFrom(table)
    .select(["id", "status", "attempts"])
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "pending"), eb("next_attempt_at", "<=", now)]),
        eb.and([eb("status", "=", "delivering"), eb("lease_until", "<=", now)]),
      ]),
    )
    .orderBy("next_attempt_at")
    .orderBy("id")
    .limit(limit)
    .execute();
}

/**
 * Takes one row for an attempt: a single conditional UPDATE, so of several senders racing for the
 * same row exactly one sees it change. Returns the attempt number, or undefined if another sender
 * took it first or it is no longer due.
 */
export async function claimRow(db: Executor, table: OutboxTable, id: string, now: number, leaseUntil: number, maxAttempts = MAX_DELIVERY_ATTEMPTS): Promise<number | undefined> {
  const claimed = await db
    .updateTable(table)
    .set((eb) => ({ status: "delivering", attempts: eb("attempts", "+", 1), lease_until: leaseUntil, last_attempt_at: now }))
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "pending"), eb("next_attempt_at", "<=", now)]),
        eb.and([eb("status", "=", "delivering"), eb("lease_until", "<=", now), eb("attempts", "<", maxAttempts)]),
      ]),
    )
    .returning("attempts")
    .executeTakeFirst();
  return claimed?.attempts;
}

/** A row whose sender stopped during its last allowed attempt: it will not be tried again. */
export async function failAbandoned(db: Executor, table: OutboxTable, id: string, now: number, maxAttempts = MAX_DELIVERY_ATTEMPTS): Promise<void> {
  await db
    .updateTable(table)
    .set({ status: "failed", lease_until: null, last_error: "The sender stopped during the last attempt." })
    .where("id", "=", id)
    .where("status", "=", "delivering")
    .where("lease_until", "<=", now)
    .where("attempts", ">=", maxAttempts)
    .execute();
}

/**
 * Claims up to `limit` due rows for one attempt each, leased until `now + leaseMs`; rows abandoned
 * on their last attempt are failed instead. Rows another sender claimed first are skipped, so no
 * row is sent twice at once.
 */
export async function claimDue(db: Executor, table: OutboxTable, now: number, limit: number, leaseMs: number): Promise<OutboxClaim[]> {
  const claims: OutboxClaim[] = [];
  for (const { id, status, attempts } of await listClaimable(db, table, now, limit)) {
    if (status === "delivering" && attempts >= MAX_DELIVERY_ATTEMPTS) {
      await failAbandoned(db, table, id, now);
      continue;
    }
    const attempt = await claimRow(db, table, id, now, now + leaseMs);
    if (attempt !== undefined) claims.push({ id, attempt });
  }
  return claims;
}

/**
 * What an attempt's outcome does to its row: delivered on success; otherwise retried after the
 * backoff, or failed after the last attempt or when retrying cannot help (`permanent`).
 */
export function attemptChanges(attempt: number, outcome: { ok: boolean; status: number | null; error?: string | null }, now: number, permanent = false): AttemptChanges {
  if (outcome.ok) return { status: "delivered", last_http_status: outcome.status, last_error: null, delivered_at: now };
  const error = outcome.error ?? null;
  if (permanent || attempt >= MAX_DELIVERY_ATTEMPTS) return { status: "failed", last_http_status: outcome.status, last_error: error };
  return { status: "pending", last_http_status: outcome.status, last_error: error, next_attempt_at: now + retryDelayMs(attempt) };
}

/**
 * Records an attempt's outcome, only if the row is still this attempt's (a sender whose lease ran
 * out and was taken over must not overwrite the newer attempt). Returns whether it did.
 */
export async function finishAttempt(db: Executor, table: OutboxTable, claim: OutboxClaim, changes: AttemptChanges): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ ...changes, lease_until: null })
    .where("id", "=", claim.id)
    .where("status", "=", "delivering")
    .where("attempts", "=", claim.attempt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
