// Allowed: the store and its migrations run SQL.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table report_runs (id text primary key)`.execute(db);
}
