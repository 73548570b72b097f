import type { AdapterPayload } from "oidc-provider";
import { z } from "zod";
import type { Executor } from "../store/database.ts";
import { jsonColumn } from "../store/jsonColumn.ts";

/** `oidc_payloads.payload`: what the authorization server stored for a code, token, session or grant; its fields are the library's. */
export const oidcPayload = jsonColumn(
  z.custom<AdapterPayload>((value) => typeof value === "object" && value !== null && !Array.isArray(value)),
  "oidc_payloads.payload",
);

export interface StoredPayload {
  payload: string;
  consumed_at: number | null;
  expires_at: number | null;
}

export async function upsertPayload(
  db: Executor,
  row: { model: string; id: string; payload: string; grant_id: string | null; uid: string | null; user_code: string | null; expires_at: number | null },
): Promise<void> {
  await db
    .insertInto("oidc_payloads")
    .values({ ...row, consumed_at: null })
    .onConflict((oc) =>
      oc.columns(["model", "id"]).doUpdateSet({ payload: row.payload, grant_id: row.grant_id, uid: row.uid, user_code: row.user_code, expires_at: row.expires_at }),
    )
    .execute();
}

export async function findPayload(db: Executor, model: string, id: string): Promise<StoredPayload | undefined> {
  return db.selectFrom("oidc_payloads").select(["payload", "consumed_at", "expires_at"]).where("model", "=", model).where("id", "=", id).executeTakeFirst();
}

export async function findPayloadBy(db: Executor, model: string, column: "uid" | "user_code", value: string): Promise<StoredPayload | undefined> {
  return db.selectFrom("oidc_payloads").select(["payload", "consumed_at", "expires_at"]).where("model", "=", model).where(column, "=", value).executeTakeFirst();
}

export async function consumePayload(db: Executor, model: string, id: string, at: number): Promise<void> {
  await db.updateTable("oidc_payloads").set({ consumed_at: at }).where("model", "=", model).where("id", "=", id).execute();
}

export async function deletePayload(db: Executor, model: string, id: string): Promise<void> {
  await db.deleteFrom("oidc_payloads").where("model", "=", model).where("id", "=", id).execute();
}

export async function findAppGrantByOidcGrant(db: Executor, oidcGrantId: string) {
  return db.selectFrom("app_grants").selectAll().where("oidc_grant_id", "=", oidcGrantId).executeTakeFirst();
}

/**
 * Deletes up to `limit` rows that expired at or before `now`, oldest expiry first; returns how many.
 * Rows with no expiry are never touched.
 */
export async function deleteExpiredPayloads(db: Executor, now: number, limit: number): Promise<number> {
  const expired = await db
    .selectFrom("oidc_payloads")
    .select(["model", "id"])
    .where("expires_at", "is not", null)
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  const byModel = new Map<string, string[]>();
  for (const row of expired) byModel.set(row.model, [...(byModel.get(row.model) ?? []), row.id]);
  let deleted = 0;
  for (const [model, ids] of byModel) {
    // expires_at is checked again: a row refreshed since the read above stays.
    const result = await db.deleteFrom("oidc_payloads").where("model", "=", model).where("id", "in", ids).where("expires_at", "<=", now).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
