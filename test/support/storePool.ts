import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { dropPostgresSchema, openStore } from "../../src/store/database.ts";

/**
 * Stores for tests, made once per worker process and emptied between tests rather than made anew.
 *
 * Migrating a new PostgreSQL schema runs about 280 statements of DDL (0.6 s, most of it inside
 * the server), and a new SQLite file about 0.1 s; some 600 tests open one of each. So a
 * test's PostgreSQL schema, once the test is done, is emptied back to what the migrations left
 * (every row deleted, children before parents; the rows the migrations insert put back) and handed
 * to the next test, and a new SQLite store is a copy of one migrated file. A schema that is not
 * as the migrations left it (a table added or missing) is dropped instead of reused.
 *
 * Every schema is named after its worker's process id (`test_p<pid>_…`), so that the run's global
 * teardown (`test/support/globalSetup.ts`) drops the schemas of workers that have ended, and never
 * those of another run still going.
 */

export const SCHEMA_PREFIX = "test_p";

/** A new schema name of this worker. */
export function newSchemaName(): string {
  return `${SCHEMA_PREFIX}${process.pid}_${crypto.randomBytes(6).toString("hex")}`;
}

/** The worker's process id in one of its schemas' names; undefined for any other schema. */
export function workerOfSchema(schema: string): number | undefined {
  const match = new RegExp(`^${SCHEMA_PREFIX}(\\d+)_[0-9a-f]+$`).exec(schema);
  return match ? Number(match[1]) : undefined;
}

/** What a just-migrated schema holds, read once per worker from the first one it migrates. */
interface Layout {
  /** Every table but Kysely's own bookkeeping, sorted. */
  tables: string[];
  /** The same tables, each after every table that refers to it. */
  deleteOrder: string[];
  /** Rows the migrations insert, as JSON, by table. */
  seeds: { table: string; rows: string }[];
}

let layout: Layout | undefined;
const MAX_READY = 4;
/** Schemas emptied back to the layout, ready for the next test of this worker (at most MAX_READY). */
const readySchemas: string[] = [];

/** A schema for a new test store: one emptied by an earlier test (`migrated`), or a new name (migrated on first open). */
export function takeSchema(): { schema: string; migrated: boolean } {
  const ready = readySchemas.pop();
  return ready ? { schema: ready, migrated: true } : { schema: newSchemaName(), migrated: false };
}

/** Whether this worker has read the layout yet (from a schema just migrated and not yet used). */
export function knowsLayout(): boolean {
  return layout !== undefined;
}

/**
 * Before a test's first hub opens a schema that does not exist yet: migrates it and reads the
 * layout from it; true when it did. A schema the test has already made (with the CLI, say) may
 * hold its rows: it is left to the hub, and the layout read from a later one.
 */
export async function migrateAndReadLayout(url: string, schema: string): Promise<boolean> {
  const client = await connect(url);
  try {
    if ((await tablesOf(client, schema)).length > 0) return false;
    const store = await openStore({ databaseUrl: url, pgSchema: schema });
    await store.close();
    layout ??= await readLayout(client, schema);
    return true;
  } finally {
    await client.end();
  }
}

const KYSELY_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);

async function readLayout(client: pg.Client, schema: string): Promise<Layout> {
  const tables = await tablesOf(client, schema);
  const { rows: references } = await client.query<{ child: string; parent: string }>(
    `select c.relname as child, p.relname as parent
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_class p on p.oid = k.confrelid
       join pg_namespace n on n.oid = k.connamespace
      where k.contype = 'f' and n.nspname = $1 and c.relname <> p.relname`,
    [schema],
  );
  const seeds: Layout["seeds"] = [];
  for (const table of tables) {
    const { rows } = await client.query<{ rows: unknown[] | null }>(`select json_agg(t) as rows from ${qualified(schema, table)} t`);
    if (rows[0]?.rows) seeds.push({ table, rows: JSON.stringify(rows[0].rows) });
  }
  return { tables, deleteOrder: childrenFirst(tables, references), seeds };
}

/** Tables ordered so that each comes after every table referring to it (references form no cycle here). */
function childrenFirst(tables: string[], references: { child: string; parent: string }[]): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (table: string) => {
    if (placed.has(table)) return;
    if (visiting.has(table)) throw new Error(`tables refer to each other in a cycle through ${table}`);
    visiting.add(table);
    for (const { child, parent } of references) if (parent === table) place(child);
    visiting.delete(table);
    placed.add(table);
    order.push(table);
  };
  for (const table of tables) place(table);
  return order;
}

/**
 * After a test: empties the schema back to what the migrations left and keeps it for the next test,
 * or drops it when it cannot (its tables differ, a lock is held, the layout is not known) or the
 * worker keeps enough already.
 */
export async function giveBackSchema(url: string, schema: string): Promise<void> {
  // A worker keeps a few schemas: about one per store its tests hold open at once.
  if (layout && readySchemas.length < MAX_READY) {
    const client = await connect(url);
    try {
      if ((await tablesOf(client, schema)).join() === layout.tables.join()) {
        await client.query("begin");
        await client.query(layout.deleteOrder.map((table) => `delete from ${qualified(schema, table)};`).join("\n"));
        for (const { table, rows } of layout.seeds) {
          await client.query(`insert into ${qualified(schema, table)} select * from json_populate_recordset(null::${qualified(schema, table)}, $1)`, [rows]);
        }
        await client.query("commit");
        readySchemas.push(schema);
        return;
      }
    } catch {
      await client.query("rollback").catch(() => undefined);
    } finally {
      await client.end();
    }
  }
  await dropPostgresSchema(url, schema);
}

async function connect(url: string): Promise<pg.Client> {
  // A connection the test left holding a lock on a table makes the schema one to drop, not to wait for.
  const client = new pg.Client({ connectionString: url, options: "-c lock_timeout=5000" });
  await client.connect();
  return client;
}

async function tablesOf(client: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1",
    [schema],
  );
  return rows.map((row) => row.name).filter((name) => !KYSELY_TABLES.has(name));
}

function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}

/** A migrated SQLite store file of this worker, copied for each new test store. */
let sqliteTemplate: string | undefined;

/**
 * Puts a migrated store file into `dir` as `grantline.sqlite`, unless one is there already (the
 * test made it, say with `grantline init`); true when it did.
 */
export async function seedSqliteStore(dir: string): Promise<boolean> {
  const file = path.join(dir, "grantline.sqlite");
  if (fs.existsSync(file)) return false;
  if (!sqliteTemplate) {
    const templateDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-template-"));
    const store = await openStore({ dataDir: templateDir });
    await store.close();
    // Closed cleanly, the store is one file: SQLite folds the write-ahead log back in on close.
    if (fs.existsSync(path.join(templateDir, "grantline.sqlite-wal"))) throw new Error("the migrated SQLite store kept its write-ahead log after closing");
    sqliteTemplate = path.join(templateDir, "grantline.sqlite");
    process.once("exit", () => fs.rmSync(templateDir, { recursive: true, force: true }));
  }
  fs.copyFileSync(sqliteTemplate, file);
  return true;
}
