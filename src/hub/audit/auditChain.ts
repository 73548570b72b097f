import crypto from "node:crypto";
import type { AuditEntriesTable } from "../../store/schema.ts";

export const GENESIS_HASH = "0".repeat(64);

/** The hash of an entry: its own fields chained to the previous entry's hash (its action as stored, whatever it is). */
export function auditEntryHash(prevHash: string, row: Omit<AuditEntriesTable, "hash" | "prev_hash">): string {
  const fields = [
    row.seq,
    row.at,
    row.request_id,
    row.actor_type,
    row.actor_id,
    row.app_id,
    row.business_id,
    row.action,
    row.target_type,
    row.target_id,
    row.before_json,
    row.after_json,
    row.outcome,
    row.reason,
  ];
  return crypto.createHash("sha256").update(prevHash).update("\n").update(JSON.stringify(fields)).digest("hex");
}
