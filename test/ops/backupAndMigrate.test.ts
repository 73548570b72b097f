import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openGrantline, type Grantline } from "../../src/app/openGrantline.ts";
import { MIGRATION_NAMES, migrateUpTo } from "../../src/store/migrator.ts";
import { LOCAL_RECEIVERS, makeTestStore, snapshotState, type TestStore } from "../support/hubs.ts";
import { runToExit, startHubProcess, type HubProcess } from "../support/hubProcess.ts";
import { graphClient } from "../support/servers.ts";

/** The data a store holds, and its whole audit log (entries and head), to compare two stores by. */
async function contentsOf(dataDir: string): Promise<{ state: Record<string, unknown[]>; audit: unknown[]; head: unknown[] }> {
  const hub: Grantline = await openGrantline({ dataDir, createDataDir: false, outbound: LOCAL_RECEIVERS });
  try {
    return {
      state: await snapshotState(hub),
      audit: await hub.store.db.selectFrom("audit_entries").selectAll().orderBy("seq").execute(),
      head: await hub.store.db.selectFrom("audit_head").selectAll().execute(),
    };
  } finally {
    await hub.close();
  }
}

describe("grantline backup and restore (SQLite)", () => {
  let root: string;
  let hub: HubProcess | undefined;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-backup-"));
  });
  afterEach(async () => {
    await hub?.kill();
    hub = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("backs up a serving hub and restores into a new data directory with the same data and audit chain", async () => {
    const source = path.join(root, "source");
    const env = { GRANTLINE_DATA_DIR: source, GRANTLINE_AUTOPILOT_SCHEDULE: "off" };
    expect((await runToExit(env, "init")).code).toBe(0);
    const owner = JSON.parse((await runToExit(env, "bootstrap", "--business-name", "Acme", "--json")).stdout) as { business_id: string; access_token: string };
    hub = await startHubProcess(env);
    const graph = graphClient(hub.url, owner.access_token);
    const account = (await graph("POST", `/v24.0/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const createCampaign = async (name: string) => {
      const response = await graph("POST", `/v24.0/${account}/campaigns`, { name, objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: "[]" });
      expect(response.status).toBe(200);
    };
    for (let i = 0; i < 5; i++) await createCampaign(`Before ${i}`);

    // Taken while the hub serves.
    const file = path.join(root, "grantline-backup.sqlite");
    const backup = await runToExit(env, "backup", "--to", file, "--json");
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ file, businesses: 1 });
    expect((await runToExit(env, "backup", "--to", file)).stderr).toMatch(/already exists/);

    hub.signal("SIGTERM");
    expect((await hub.exit).code).toBe(0);
    hub = undefined;

    const target = path.join(root, "restored");
    const restored = await runToExit({ GRANTLINE_DATA_DIR: target }, "restore", "--from", file, "--json");
    expect(restored.code, restored.stderr).toBe(0);
    const report = JSON.parse(restored.stdout) as { audit: { ok: boolean; entries: number } };
    expect(report.audit.ok).toBe(true);
    expect(report.audit.entries).toBeGreaterThan(5);

    const [original, copy] = [await contentsOf(source), await contentsOf(target)];
    expect(copy.state).toEqual(original.state);
    expect(copy.audit).toEqual(original.audit);
    expect(copy.head).toEqual(original.head);
    expect((copy.state.campaigns ?? []).length).toBe(5);

    // The restored store serves.
    const check = await runToExit({ GRANTLINE_DATA_DIR: target }, "audit", "verify");
    expect(check.stdout).toMatch(/^Audit log intact/);
  }, 180_000);

  it("takes a consistent backup while writes go on", async () => {
    const source = path.join(root, "busy");
    const env = { GRANTLINE_DATA_DIR: source, GRANTLINE_AUTOPILOT_SCHEDULE: "off" };
    expect((await runToExit(env, "init")).code).toBe(0);
    const owner = JSON.parse((await runToExit(env, "bootstrap", "--business-name", "Acme", "--json")).stdout) as { business_id: string; access_token: string };
    hub = await startHubProcess(env);
    const graph = graphClient(hub.url, owner.access_token);
    const account = (await graph("POST", `/v24.0/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const response = await graph("POST", `/v24.0/${account}/campaigns`, { name: `C${written}`, objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: "[]" });
        expect(response.status).toBe(200);
        written++;
      }
    })();
    const file = path.join(root, "during-writes.sqlite");
    const backup = await runToExit(env, "backup", "--to", file);
    writing = false;
    await writer;
    expect(backup.code, backup.stderr).toBe(0);

    const restored = await runToExit({ GRANTLINE_DATA_DIR: path.join(root, "restored") }, "restore", "--from", file, "--json");
    expect(restored.code, restored.stderr).toBe(0);
    expect((JSON.parse(restored.stdout) as { audit: { ok: boolean } }).audit.ok).toBe(true);
  }, 180_000);

  it("refuses to replace a store holding data without --force, and files that are not a Grantline store this version can run", async () => {
    const source = path.join(root, "a");
    expect((await runToExit({ GRANTLINE_DATA_DIR: source }, "bootstrap", "--business-name", "Acme")).code).toBe(0);
    const file = path.join(root, "a.sqlite");
    expect((await runToExit({ GRANTLINE_DATA_DIR: source }, "backup", "--to", file)).code).toBe(0);

    // A store just made by `init` holds nothing: restoring into it needs no --force.
    const fresh = path.join(root, "fresh");
    expect((await runToExit({ GRANTLINE_DATA_DIR: fresh }, "init")).code).toBe(0);
    expect((await runToExit({ GRANTLINE_DATA_DIR: fresh }, "restore", "--from", file)).code).toBe(0);
    // Now it holds data.
    const refused = await runToExit({ GRANTLINE_DATA_DIR: fresh }, "restore", "--from", file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds data; .*--force/);
    expect((await runToExit({ GRANTLINE_DATA_DIR: fresh }, "restore", "--from", file, "--force")).code).toBe(0);

    const text = path.join(root, "notes.txt");
    fs.writeFileSync(text, "not a database at all, but long enough to look like a file with a header ".repeat(10));
    const notSqlite = await runToExit({ GRANTLINE_DATA_DIR: path.join(root, "b") }, "restore", "--from", text);
    expect(notSqlite.code).toBe(1);
    expect(notSqlite.stderr).toMatch(/is not an SQLite database/);

    const other = path.join(root, "other.sqlite");
    new SQLite(other).exec("create table things (id integer primary key)").close();
    const foreign = await runToExit({ GRANTLINE_DATA_DIR: path.join(root, "c") }, "restore", "--from", other);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/is not a Grantline store/);

    const newer = path.join(root, "newer.sqlite");
    fs.copyFileSync(file, newer);
    const db = new SQLite(newer);
    db.prepare("insert into kysely_migration (name, timestamp) values (?, ?)").run("999_from_the_future", new Date().toISOString());
    db.close();
    const future = await runToExit({ GRANTLINE_DATA_DIR: path.join(root, "d") }, "restore", "--from", newer);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/newer Grantline .*999_from_the_future/);
    // Nothing was put in place by a refused restore.
    expect(fs.existsSync(path.join(root, "d", "grantline.sqlite"))).toBe(false);
  }, 180_000);

  it("prints pg_dump and pg_restore instructions for a PostgreSQL store", async () => {
    const result = await runToExit({ DATABASE_URL: "postgres://grantline@db.example:5432/grantline", DATABASE_SCHEMA: "hub" }, "backup");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("pg_dump --format=custom --schema=hub");
    expect(result.stdout).toContain("pg_restore");
  });
});

describe("grantline migrate", () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-migrate-"));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("on SQLite: --check lists what an older store lacks and changes nothing; migrate applies it", async () => {
    const dataDir = path.join(root, "data");
    fs.mkdirSync(dataDir);
    const file = path.join(dataDir, "grantline.sqlite");
    // The store as the version before this one left it.
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    const last = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]!;
    await migrateUpTo(db, MIGRATION_NAMES[MIGRATION_NAMES.length - 2]!);
    await db.destroy();
    const env = { GRANTLINE_DATA_DIR: dataDir };

    for (let i = 0; i < 2; i++) {
      const check = await runToExit(env, "migrate", "--check", "--json");
      expect(check.code).toBe(1);
      expect(JSON.parse(check.stdout)).toEqual({ pending: [last] });
    }
    const applied = await runToExit(env, "migrate");
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`Applied 1 migration(s): ${last}`);
    const after = await runToExit(env, "migrate", "--check");
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/up to date/);
    expect((await runToExit(env, "migrate")).stdout).toMatch(/up to date/);

    // A missing data directory is named, as `serve` names it, and not created.
    const missing = await runToExit({ GRANTLINE_DATA_DIR: path.join(root, "nowhere") }, "migrate", "--check");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere does not exist/);
    expect(fs.existsSync(path.join(root, "nowhere"))).toBe(false);
  }, 240_000);

  describe.runIf(process.env.DATABASE_URL)("on PostgreSQL", () => {
    let store: TestStore;
    afterEach(async () => {
      await store.cleanup();
    });

    it("--check on a schema of its own lists every migration without creating the schema; migrate applies them", async () => {
      // A schema of this test's own (dropped afterwards), so nothing else in the database is touched.
      store = makeTestStore("postgres", { fresh: true });
      const schema = store.env.DATABASE_SCHEMA!;
      const schemaExists = async () => {
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        try {
          return (await client.query("select 1 from information_schema.schemata where schema_name = $1", [schema])).rowCount === 1;
        } finally {
          await client.end();
        }
      };
      const check = await runToExit(store.env, "migrate", "--check", "--json");
      expect(check.code, check.stderr).toBe(1);
      expect(JSON.parse(check.stdout)).toEqual({ pending: [...MIGRATION_NAMES] });
      expect(await schemaExists()).toBe(false);

      const applied = await runToExit(store.env, "migrate", "--json");
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout)).toEqual({ applied: [...MIGRATION_NAMES] });
      const after = await runToExit(store.env, "migrate", "--check", "--json");
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toEqual({ pending: [] });
    }, 240_000);
  });
});
