import type { Kysely, Transaction } from "kysely";
import type { Db } from "../../store/database.ts";
import type { AutopilotDatabase } from "./schema.ts";

/** Autopilot's tables on an opened store. */
export type AutopilotDb = Kysely<AutopilotDatabase>;
/** Anything an Autopilot repository can run a query on: the database or an open transaction. */
export type AutopilotExecutor = Kysely<AutopilotDatabase> | Transaction<AutopilotDatabase>;

/**
 * Autopilot's view of an opened store (the hub's, or its own in a process of its own): the same
 * connection, typed on Autopilot's tables only. The cast is sound because the store's migrations
 * create Autopilot's tables in every store, while the hub's `Database` type leaves them out; no
 * hub table is reachable through the view.
 */
export function autopilotDb(db: Db): AutopilotDb {
  return db as unknown as AutopilotDb;
}
