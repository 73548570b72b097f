import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";
import { migrateToLatest } from "./migrator.ts";
import { BackoffPool, guardedDialect } from "./guardedDialect.ts";
import { StoreHealth } from "./storeHealth.ts";

export type Db = Kysely<Database>;
/** Anything a repository can run a query on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Dialect = "sqlite" | "postgres";

export interface Store {
  db: Db;
  dialect: Dialect;
  /** Where the store is, for messages: the SQLite file's path, or PostgreSQL's host, port and database (never credentials). */
  location: string;
  /** Faults seen (unreachable, disk full, read-only) and the readiness checks of the store. */
  health: StoreHealth;
  /** Migrations applied when it was opened (0: the schema was up to date, or `migrate: false`, which also leaves a missing PostgreSQL schema uncreated). */
  migrated: number;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) arrives as a string by default; every such value here is an epoch-ms time,
// a sequence number or a count, all far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export interface StoreTimeouts {
  /** Longest a PostgreSQL statement may run (statement_timeout), and, a second more, wait for its answer (query_timeout). */
  queryMs: number;
  /** Longest to wait for a PostgreSQL connection, new or from the pool (connectionTimeoutMillis). */
  connectMs: number;
}

export const DEFAULT_STORE_TIMEOUTS: StoreTimeouts = { queryMs: 30_000, connectMs: 5_000 };

export interface OpenStoreOptions {
  databaseUrl?: string | undefined;
  /** Folder for the SQLite file; ignored for PostgreSQL. */
  dataDir?: string;
  /** SQLite file name inside dataDir, or ":memory:". */
  sqliteFile?: string;
  /** PostgreSQL schema to use (created if missing); lets tests run side by side. */
  pgSchema?: string;
  migrate?: boolean;
  /**
   * Whether a missing SQLite data folder is created (default) or refused with a
   * `MissingDataDirError`: `serve` refuses, so a volume that failed to mount is not mistaken for a
   * fresh install.
   */
  createDataDir?: boolean;
  /** PostgreSQL timeouts; default `DEFAULT_STORE_TIMEOUTS`. */
  timeouts?: Partial<StoreTimeouts>;
  /** Free space the data folder's disk must keep for readiness (bytes); default 64 MB. */
  diskMinFreeBytes?: number;
}

/** The store could not be opened; the message names the place and the problem, for one line on a terminal. */
export class StoreSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreSetupError";
  }
}

/** The SQLite data folder does not exist and the caller did not ask for it to be created. */
export class MissingDataDirError extends StoreSetupError {
  constructor(readonly dir: string) {
    super(`the data directory ${dir} does not exist`);
    this.name = "MissingDataDirError";
  }
}

/** Opens the configured store (PostgreSQL when a URL is given, else embedded SQLite) and migrates it. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (!options.databaseUrl) {
    const store = openSqlite(options);
    if (options.migrate !== false) {
      try {
        store.migrated = await migrateToLatest(store.db);
      } catch (error) {
        await store.close();
        throw new StoreSetupError(`cannot migrate the SQLite store ${store.location}: ${reason(error)}`, { cause: error });
      }
    }
    return store;
  }
  const url = options.databaseUrl;
  const schema = options.pgSchema;
  const timeouts = { ...DEFAULT_STORE_TIMEOUTS, ...options.timeouts };
  const where = postgresLocation(url);
  try {
    return await withSchemaChangeLock(url, timeouts.connectMs, async (admin) => {
      // Opened only to be looked at (`grantline migrate --check`), a store is left as it is.
      if (schema && options.migrate !== false) await admin.query(`CREATE SCHEMA IF NOT EXISTS ${checkedSchema(schema)}`);
      const store = openPostgres(url, where, timeouts, options, schema);
      if (options.migrate !== false) {
        try {
          store.migrated = await migrateToLatest(store.db, schema);
        } catch (error) {
          await store.close();
          throw error;
        }
      }
      return store;
    });
  } catch (error) {
    if (error instanceof StoreSetupError) throw error;
    throw new StoreSetupError(`cannot open PostgreSQL at ${where}: ${reason(error)}`, { cause: error });
  }
}

/** An advisory lock key shared by every Grantline process that changes schemas on a server. */
const SCHEMA_CHANGE_LOCK = 0x6772_616e;

/**
 * Runs schema changes one at a time per PostgreSQL server. Kysely's migrator reads the catalog of
 * every schema to see what exists, and PostgreSQL's catalog functions fail with "does not exist"
 * when another session drops a schema mid-read — which instances starting together, or test runs
 * side by side in schemas of their own, would otherwise do.
 */
async function withSchemaChangeLock<T>(url: string, connectMs: number, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectMs });
  // A connection lost while waiting for the lock fails the query below; the event must not crash the process.
  admin.on("error", () => undefined);
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
  const dir = path.resolve(options.dataDir ?? "./data");
  const location = file === ":memory:" ? file : path.join(dir, file);
  if (file !== ":memory:") prepareDataDir(dir, location, options.createDataDir !== false);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(location);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    // Another process (the CLI next to a running server) may hold the write lock briefly.
    sqlite.pragma("busy_timeout = 5000");
  } catch (error) {
    throw new StoreSetupError(`cannot open the SQLite store ${location}: ${reason(error)}`, { cause: error });
  }
  const health = new StoreHealth({ dialect: "sqlite", location, dataDir: file === ":memory:" ? undefined : dir, diskMinFreeBytes: options.diskMinFreeBytes });
  const dialect = new SqliteDialect({ database: withStatementCache(sqlite) });
  // SQLite ends a transaction itself when a statement in it fails with SQLITE_FULL (and a few
  // others); Kysely's ROLLBACK then fails with "no transaction is active", which must not hide why.
  const db = new Kysely<Database>({ dialect: guardedDialect(dialect, health, () => !sqlite.inTransaction) });
  health.attach(db);
  return { db, dialect: "sqlite", location, health, migrated: 0, close: () => db.destroy() };
}

/** The data folder exists (or is created when allowed), is a folder, and it and the store file can be written. */
function prepareDataDir(dir: string, file: string, create: boolean): void {
  if (!fs.existsSync(dir)) {
    if (!create) throw new MissingDataDirError(dir);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new StoreSetupError(`cannot create the data directory ${dir}: ${reason(error)}`, { cause: error });
    }
  }
  if (!fs.statSync(dir).isDirectory()) throw new StoreSetupError(`the data directory ${dir} is not a directory`);
  for (const [target, what] of [[dir, "the data directory"], [file, "the SQLite store"]] as const) {
    if (target === file && !fs.existsSync(file)) continue;
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (error) {
      throw new StoreSetupError(`cannot write to ${what} ${target} (read-only or not permitted): ${reason(error)}`, { cause: error });
    }
  }
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

function openPostgres(url: string, where: string, timeouts: StoreTimeouts, options: OpenStoreOptions, schema?: string): Store {
  const settings = [`-c statement_timeout=${timeouts.queryMs}`, ...(schema ? [`-c search_path=${checkedSchema(schema)}`] : [])];
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: settings.join(" "),
    connectionTimeoutMillis: timeouts.connectMs,
    // The server cancels a statement at statement_timeout; this is for a server that does not answer at all.
    query_timeout: timeouts.queryMs + 1000,
    keepAlive: true,
  });
  const health = new StoreHealth({ dialect: "postgres", location: where, dataDir: undefined, diskMinFreeBytes: options.diskMinFreeBytes });
  // A pooled connection that breaks (the server restarts, an administrator or a proxy ends it)
  // emits "error": idle ones on the pool, busy ones on the client. Unheard, either would end the
  // process; the pool drops the broken connection and opens a new one on the next request.
  pool.on("error", (error) => health.connectionLost(error));
  pool.on("connect", (client) => client.on("error", (error) => health.connectionLost(error)));
  const db = new Kysely<Database>({ dialect: guardedDialect(new PostgresDialect({ pool: new BackoffPool(pool, health) }), health) });
  health.attach(db);
  return { db, dialect: "postgres", location: where, health, migrated: 0, close: () => db.destroy() };
}

/** host:port/database of a PostgreSQL URL, without its user name or password. */
function postgresLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "the configured DATABASE_URL";
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || (error instanceof AggregateError ? error.errors.map(reason).join("; ") : error.name);
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}

/** Drops a PostgreSQL schema made for a test run. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  await withSchemaChangeLock(url, DEFAULT_STORE_TIMEOUTS.connectMs, (admin) => admin.query(`DROP SCHEMA IF EXISTS ${checkedSchema(schema)} CASCADE`));
}
