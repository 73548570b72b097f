import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";
import { migrateToLatest } from "./migrator.ts";

export type Db = Kysely<Database>;
/** Anything a repository can run a query on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Dialect = "sqlite" | "postgres";

export interface Store {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) arrives as a string by default; every such value here is an epoch-ms time,
// a sequence number or a count, all far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export interface OpenStoreOptions {
  databaseUrl?: string | undefined;
  /** Folder for the SQLite file; ignored for PostgreSQL. */
  dataDir?: string;
  /** SQLite file name inside dataDir, or ":memory:". */
  sqliteFile?: string;
  /** PostgreSQL schema to use (created if missing); lets tests run side by side. */
  pgSchema?: string;
  migrate?: boolean;
}

/** Opens the configured store (PostgreSQL when a URL is given, else embedded SQLite) and migrates it. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (!options.databaseUrl) {
    const store = openSqlite(options);
    if (options.migrate !== false) await migrateToLatest(store.db);
    return store;
  }
  const url = options.databaseUrl;
  const schema = options.pgSchema;
  return withSchemaChangeLock(url, async (admin) => {
    if (schema) await admin.query(`CREATE SCHEMA IF NOT EXISTS ${checkedSchema(schema)}`);
    const store = openPostgres(url, schema);
    if (options.migrate !== false) await migrateToLatest(store.db, schema);
    return store;
  });
}

/** An advisory lock key shared by every Grantline process that changes schemas on a server. */
const SCHEMA_CHANGE_LOCK = 0x6772_616e;

/**
 * Runs schema changes one at a time per PostgreSQL server. Kysely's migrator reads the catalog of
 * every schema to see what exists, and PostgreSQL's catalog functions fail with "does not exist"
 * when another session drops a schema mid-read — which instances starting together, or test runs
 * side by side in schemas of their own, would otherwise do.
 */
async function withSchemaChangeLock<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock($1)", [SCHEMA_CHANGE_LOCK]);
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function checkedSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name ${schema}`);
  return schema;
}

function openSqlite(options: OpenStoreOptions): Store {
  const file = options.sqliteFile ?? "grantline.sqlite";
  let location = file;
  if (file !== ":memory:") {
    const dir = options.dataDir ?? "./data";
    fs.mkdirSync(dir, { recursive: true });
    location = path.join(dir, file);
  }
  const sqlite = new SQLite(location);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  // Another process (the CLI next to a running server) may hold the write lock briefly.
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

/**
 * Kysely prepares every query afresh; compiling SQL is a large part of a small SQLite query's
 * cost, and the hub runs the same few hundred statements over and over. Prepared statements are
 * kept by their SQL text (bounded), which is safe because better-sqlite3 runs one at a time.
 */
function withStatementCache(sqlite: SQLite.Database, limit = 1000) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= limit) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, schema?: string): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${checkedSchema(schema)}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: "postgres", close: () => db.destroy() };
}

/** Drops a PostgreSQL schema made for a test run. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  await withSchemaChangeLock(url, (admin) => admin.query(`DROP SCHEMA IF EXISTS ${checkedSchema(schema)} CASCADE`));
}
