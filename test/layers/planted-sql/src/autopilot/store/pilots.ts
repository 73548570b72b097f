// Allowed: Autopilot's own store runs SQL like src/store/.
import { sql, type Kysely } from "kysely";

export async function dropPilots(db: Kysely<unknown>): Promise<void> {
  await sql`drop table pilots`.execute(db);
}
