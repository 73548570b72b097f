import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * `apps.first_party`: 1 for an app the hub's operator registered as the hub's own (Autopilot's app
 * on this hub), 0 for every app a business registered. Autopilot's app registered before this
 * migration is the app whose client Autopilot keeps in the same store.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable("apps")
    .addColumn("first_party", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .updateTable("apps")
    .set({ first_party: 1 })
    .where("id", "in", db.selectFrom("autopilot_oauth_clients").select("client_id"))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("apps").dropColumn("first_party").execute();
}
