import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Dialect } from "../../src/store/database.ts";
import { openGrantline, type Grantline, type GrantlineOptions } from "../../src/app/openGrantline.ts";
import { giveBackSchema, knowsLayout, migrateAndReadLayout, newSchemaName, seedSqliteStore, takeSchema } from "./storePool.ts";

/** SQLite always; PostgreSQL too whenever DATABASE_URL is set (CI always sets it). */
export const DIALECTS: Dialect[] = process.env.DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

/** A clock tests move by hand. */
export class TestClock {
  constructor(public t = Date.UTC(2026, 0, 5, 12)) {}
  now = (): number => this.t;
  advanceDays(days: number): void {
    this.t += days * 24 * 60 * 60 * 1000;
  }
}

/**
 * Tests post to receivers on 127.0.0.1, so the hubs and CLI runs they start allow internal
 * addresses, as GRANTLINE_OUTBOUND_ALLOW_PRIVATE=on does; test/security/outbound.test.ts opens
 * hubs without it.
 */
export const LOCAL_RECEIVERS: NonNullable<GrantlineOptions["outbound"]> = { allowPrivate: true };

export interface TestStore {
  dialect: Dialect;
  /** Environment that points `grantline` (the CLI) at this store. */
  env: Record<string, string>;
  /** Opens a hub instance on this store; several may be open at once, like several servers. */
  open(clock?: TestClock, options?: Pick<GrantlineOptions, "adObjectsMaxAgeMs" | "outbound" | "secretKey" | "auth" | "invitations">): Promise<Grantline>;
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty store of the given dialect: a temp SQLite file, or a PostgreSQL schema of its own.
 * Either is as the migrations leave it, and comes from `storePool.ts` (a copied file, a schema an
 * earlier test emptied); `fresh: true` gives a schema that does not exist yet, for tests of what
 * creates and migrates it.
 */
export function makeTestStore(dialect: Dialect, { fresh = false }: { fresh?: boolean } = {}): TestStore {
  const hubs: Grantline[] = [];
  const dir = dialect === "sqlite" ? fs.mkdtempSync(path.join(os.tmpdir(), "grantline-test-")) : "";
  // Whether the store is known to be migrated already, so that hubs open it as they open an up-to-date store.
  const taken = dialect === "sqlite" ? { schema: "", migrated: false } : fresh ? { schema: newSchemaName(), migrated: false } : takeSchema();
  const schema = taken.schema;
  let migrated = taken.migrated;
  return {
    dialect,
    env:
      dialect === "postgres"
        ? { DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: schema, GRANTLINE_DATA_DIR: os.tmpdir(), GRANTLINE_OUTBOUND_ALLOW_PRIVATE: "on" }
        : { GRANTLINE_DATA_DIR: dir, GRANTLINE_OUTBOUND_ALLOW_PRIVATE: "on" },
    async open(clock, options) {
      if (dialect === "sqlite") migrated ||= await seedSqliteStore(dir);
      else if (!migrated && !knowsLayout()) migrated = await migrateAndReadLayout(process.env.DATABASE_URL!, schema);
      const hub = await openGrantline({
        outbound: LOCAL_RECEIVERS,
        ...options,
        databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
        pgSchema: dialect === "postgres" ? schema : undefined,
        dataDir: dir,
        now: clock?.now,
        ...(migrated ? { migrate: false } : {}),
      });
      migrated = true;
      hubs.push(hub);
      return hub;
    },
    async cleanup() {
      for (const hub of hubs.splice(0)) await hub.close();
      if (dialect === "postgres") await giveBackSchema(process.env.DATABASE_URL!, schema);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of every table except the audit log, to prove a refused change wrote nothing. */
export async function snapshotState(hub: Grantline): Promise<Record<string, unknown[]>> {
  const tables = [
    "people",
    "businesses",
    "business_members",
    "system_users",
    "assets",
    "ad_accounts",
    "partner_shares",
    "assignments",
    "apps",
    "app_grants",
    "app_grant_assets",
    "access_tokens",
    "access_seq",
    "access_changes",
    "ad_object_versions",
    "campaigns",
    "ad_sets",
    "ad_creatives",
    "ad_images",
    "ad_labels",
    "ad_object_labels",
    "ads",
    "ad_insights_daily",
    "budget_changes",
  ] as const;
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await hub.store.db.selectFrom(table).selectAll().execute();
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
