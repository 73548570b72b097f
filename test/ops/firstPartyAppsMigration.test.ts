import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest, migrateUpTo } from "../../src/store/migrator.ts";

describe("migration 030: the hub's own app", () => {
  it("marks the app whose client Autopilot keeps in the store as first-party, and no other app", async () => {
    // The store as the version before 030 left it, written before the typed schema knows it.
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(":memory:") }) });
    try {
      await migrateUpTo(db, "028_autopilot_pilots");
      await db.insertInto("businesses").values({ id: "100", name: "Autopilot", created_at: 1 }).execute();
      await db.insertInto("apps").values([
        { id: "201", business_id: "100", name: "Autopilot", created_at: 1 },
        { id: "202", business_id: "100", name: "Reports", created_at: 1 },
      ]).execute();
      await db
        .insertInto("autopilot_oauth_clients")
        .values({ id: "c1", issuer: "http://127.0.0.1:8080", graph_url: "http://127.0.0.1:8080", client_id: "201", sealed_secret: "v1.x", redirect_uri: "http://127.0.0.1:8080/autopilot/oauth/callback", scopes_json: "[]", created_at: 1 })
        .execute();

      expect(await migrateToLatest(db)).toBeGreaterThan(0);
      const apps = await db.selectFrom("apps").select(["id", "first_party"]).orderBy("id").execute();
      expect(apps).toEqual([
        { id: "201", first_party: 1 },
        { id: "202", first_party: 0 },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
