import { sql, type Insertable, type Selectable } from "kysely";
import type { Executor } from "../store/database.ts";
import type { AuthSessionsTable, PasswordResetsTable, PersonCredentialsTable } from "../store/schema.ts";

export type CredentialsRow = Selectable<PersonCredentialsTable>;
export type SessionRow = Selectable<AuthSessionsTable>;

export async function findCredentials(db: Executor, personId: string): Promise<CredentialsRow | undefined> {
  return db.selectFrom("person_credentials").selectAll().where("person_id", "=", personId).executeTakeFirst();
}

export async function upsertCredentials(db: Executor, personId: string, changes: Partial<Omit<CredentialsRow, "person_id">>, now: number): Promise<void> {
  const existing = await findCredentials(db, personId);
  if (existing) {
    await db.updateTable("person_credentials").set({ ...changes, updated_at: now }).where("person_id", "=", personId).execute();
  } else {
    await db.insertInto("person_credentials").values({ person_id: personId, password_hash: null, password_changed_at: null, totp_sealed: null, totp_pending_sealed: null, totp_last_step: null, ...changes, updated_at: now }).execute();
  }
}

/** Accepts a TOTP step only if it is later than the last one accepted (a code works once). */
export async function claimTotpStep(db: Executor, personId: string, step: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("person_credentials")
    .set({ totp_last_step: step, updated_at: now })
    .where("person_id", "=", personId)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSession(db: Executor, row: Insertable<AuthSessionsTable>): Promise<void> {
  await db.insertInto("auth_sessions").values(row).execute();
}

export async function findSessionByHash(db: Executor, tokenHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom("auth_sessions").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

export async function updateSession(db: Executor, id: string, changes: Partial<Omit<SessionRow, "id">>): Promise<void> {
  await db.updateTable("auth_sessions").set(changes).where("id", "=", id).execute();
}

export async function listLiveSessionsOfPerson(db: Executor, personId: string, now: number): Promise<SessionRow[]> {
  return db
    .selectFrom("auth_sessions")
    .selectAll()
    .where("person_id", "=", personId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
}

/**
 * `login_failures` holds every throttling event, by key: failed sign-ins (`pair:`, `account:`,
 * `ip:`) and password reset requests (`reset-ip:`, `reset-mail:`, `reset-silent:`); see signInThrottle.ts.
 */
export async function insertLoginFailure(db: Executor, id: string, key: string, at: number): Promise<void> {
  await db.insertInto("login_failures").values({ id, key, at }).execute();
}

/** Events under a key since a time: how many, the oldest (when a limit lifts) and the latest (when a cool-down ends). */
export async function countLoginFailures(db: Executor, key: string, since: number): Promise<{ count: number; oldest: number | null; last: number | null }> {
  const row = await db
    .selectFrom("login_failures")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("at").as("oldest"), eb.fn.max("at").as("last")])
    .where("key", "=", key)
    .where("at", ">", since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldest: row.oldest === null ? null : Number(row.oldest), last: row.last === null ? null : Number(row.last) };
}

export async function clearLoginFailures(db: Executor, key: string): Promise<void> {
  await db.deleteFrom("login_failures").where("key", "=", key).execute();
}

/** Clears every key starting with `prefix` (LIKE wildcards in it are taken literally). */
export async function clearLoginFailuresByPrefix(db: Executor, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  await db.deleteFrom("login_failures").where(sql<boolean>`${sql.ref("key")} like ${pattern} escape '\\'`).execute();
}

/** Whether the person started a session from this client address since a time. */
export async function signedInFrom(db: Executor, personId: string, ip: string, since: number): Promise<boolean> {
  const row = await db
    .selectFrom("auth_sessions")
    .select("id")
    .where("person_id", "=", personId)
    .where("ip", "=", ip)
    .where("created_at", ">", since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertPasswordReset(db: Executor, row: Insertable<PasswordResetsTable>): Promise<void> {
  await db.insertInto("password_resets").values(row).execute();
}

/** Marks a live reset link used; false when it is unknown, expired or already used. */
export async function consumePasswordReset(db: Executor, tokenHash: string, now: number): Promise<string | undefined> {
  const row = await db.selectFrom("password_resets").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= now) return undefined;
  const result = await db.updateTable("password_resets").set({ used_at: now }).where("id", "=", row.id).where("used_at", "is", null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? row.person_id : undefined;
}

/** Whether any business the person belongs to requires two-factor authentication. */
export async function twoFactorRequiredFor(db: Executor, personId: string): Promise<boolean> {
  const row = await db
    .selectFrom("business_members")
    .innerJoin("businesses", "businesses.id", "business_members.business_id")
    .select("businesses.id")
    .where("business_members.person_id", "=", personId)
    .where("businesses.two_factor_required", "=", 1)
    .executeTakeFirst();
  return row !== undefined;
}
