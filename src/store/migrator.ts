import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import * as m001 from "./migrations/001_hub.ts";
import * as m002 from "./migrations/002_ads.ts";
import * as m003 from "./migrations/003_webhooks.ts";
import * as m004 from "./migrations/004_invitations.ts";
import * as m005 from "./migrations/005_report_runs.ts";
import * as m006 from "./migrations/006_simulation.ts";
import * as m007 from "./migrations/007_review_campaigns.ts";
import * as m008 from "./migrations/008_oauth.ts";
import * as m009 from "./migrations/009_notifications.ts";
import * as m010 from "./migrations/010_usage_rollup.ts";
import * as m011 from "./migrations/011_autopilot.ts";
import * as m012 from "./migrations/012_oauth_businesses.ts";
import * as m013 from "./migrations/013_autopilot_oauth.ts";
import * as m014 from "./migrations/014_hourly_insights.ts";
import * as m015 from "./migrations/015_ad_object_versions.ts";
import * as m016 from "./migrations/016_autopilot_schedule.ts";
import * as m017 from "./migrations/017_autopilot_link_checks.ts";
import * as m018 from "./migrations/018_page_tokens.ts";
import * as m019 from "./migrations/019_partner_guardrails.ts";
import * as m020 from "./migrations/020_ad_images.ts";
import * as m021 from "./migrations/021_partner_guardrail_limits.ts";
import * as m022 from "./migrations/022_invitation_links.ts";
import * as m023 from "./migrations/023_ad_labels.ts";
import * as m024 from "./migrations/024_review_item_removals.ts";
import * as m025 from "./migrations/025_autopilot_account_names.ts";
import * as m026 from "./migrations/026_autopilot_login_endpoints.ts";
import * as m027 from "./migrations/027_graph_review_campaigns.ts";
import * as m028 from "./migrations/028_autopilot_pilots.ts";
import * as m030 from "./migrations/030_first_party_apps.ts";

/** Migrations in order; each file's name is its key, and they run at start. */
const MIGRATIONS: Record<string, Migration> = {
  "001_hub": m001,
  "002_ads": m002,
  "003_webhooks": m003,
  "004_invitations": m004,
  "005_report_runs": m005,
  "006_simulation": m006,
  "007_review_campaigns": m007,
  "008_oauth": m008,
  "009_notifications": m009,
  "010_usage_rollup": m010,
  "011_autopilot": m011,
  "012_oauth_businesses": m012,
  "013_autopilot_oauth": m013,
  "014_hourly_insights": m014,
  "015_ad_object_versions": m015,
  "016_autopilot_schedule": m016,
  "017_autopilot_link_checks": m017,
  "018_page_tokens": m018,
  "019_partner_guardrails": m019,
  "020_ad_images": m020,
  "021_partner_guardrail_limits": m021,
  "022_invitation_links": m022,
  "023_ad_labels": m023,
  "024_review_item_removals": m024,
  "025_autopilot_account_names": m025,
  "026_autopilot_login_endpoints": m026,
  "027_graph_review_campaigns": m027,
  "028_autopilot_pilots": m028,
  "030_first_party_apps": m030,
};

/** This version's migrations, oldest first. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Brings the store's schema up to date; returns how many migrations it applied. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function migrateToLatest(db: Kysely<any>, pgSchema?: string): Promise<number> {
  // Kysely looks for its bookkeeping tables across every schema it can see; naming ours keeps a
  // store in its own PostgreSQL schema from mistaking another schema's tables for its own.
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(), ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? "unknown error");
    throw new Error(`Store migration ${failed?.migrationName ?? ""} failed: ${reason}`, { cause: error });
  }
  return results?.filter((r) => r.status === "Success").length ?? 0;
}

/**
 * Brings the store's schema up to `name` and no further (a store as an older version left it, for
 * tests of upgrades); returns how many migrations it applied.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function migrateUpTo(db: Kysely<any>, name: string, pgSchema?: string): Promise<number> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(), ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  const { error, results } = await migrator.migrateTo(name);
  if (error) throw new Error(`Store migration to ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  return results?.filter((r) => r.status === "Success").length ?? 0;
}

export interface MigrationStatus {
  /** Migrations this version has that the store has not run. */
  pending: string[];
  /** Migrations the store has run that this version does not know: a newer version migrated it. */
  unknown: string[];
}

/**
 * How the store's schema compares with this version's migrations, read from Kysely's bookkeeping
 * table alone (not the catalog), so readiness probes can ask often.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bookkeeping table is not in the typed schema
export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    applied = rows.map((row) => row.name);
  } catch (error) {
    // No bookkeeping table at all: nothing has been migrated. Anything else is the store's fault.
    if (/kysely_migration/.test(error instanceof Error ? error.message : "")) applied = [];
    else throw error;
  }
  const known = Object.keys(MIGRATIONS);
  return { pending: known.filter((name) => !applied.includes(name)), unknown: applied.filter((name) => !known.includes(name)) };
}
