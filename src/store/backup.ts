import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { StoreSetupError } from "./database.ts";
import { MIGRATION_NAMES } from "./migrator.ts";

/** The SQLite store's file name inside GRANTLINE_DATA_DIR (what `openStore` opens by default). */
export const SQLITE_STORE_FILE = "grantline.sqlite";

/** What a backup file holds, as far as restoring it is concerned. */
export interface BackupContents {
  migrations: string[];
  businesses: number;
  auditEntries: number;
}

/**
 * Copies the SQLite store at `source` to `target` with SQLite's online backup API: a consistent
 * copy as of one moment, taken while the hub keeps reading and writing (it waits out a write
 * under way instead of copying half of it). The copy is written next to `target` and renamed into
 * place once checked, so a file at `target` is always a whole backup.
 */
export async function backupSqliteStore(source: string, target: string): Promise<BackupContents & { bytes: number }> {
  if (!fs.existsSync(source)) throw new StoreSetupError(`there is no SQLite store at ${source} (GRANTLINE_DATA_DIR)`);
  const partial = `${target}.partial-${process.pid}`;
  let db: SQLite.Database;
  try {
    db = new SQLite(source, { fileMustExist: true });
    db.pragma("busy_timeout = 5000");
  } catch (error) {
    throw new StoreSetupError(`cannot open the SQLite store ${source}: ${messageOf(error)}`, { cause: error });
  }
  try {
    await db.backup(partial);
    // A file of its own: out of write-ahead-log mode, so nothing it holds lives in a -wal beside it.
    const copy = new SQLite(partial, { fileMustExist: true });
    try {
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new StoreSetupError(`cannot write the backup ${target}: ${messageOf(error)}`, { cause: error });
  } finally {
    db.close();
  }
  let contents: BackupContents;
  try {
    contents = inspectBackup(partial);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  fs.renameSync(partial, target);
  return { ...contents, bytes: fs.statSync(target).size };
}

/**
 * Checks that `file` is a whole Grantline store this version can run: an SQLite database that
 * passes SQLite's own check, with Grantline's migration table, and no migration this version does
 * not know (a newer version's store). Throws a StoreSetupError saying what is wrong.
 */
export function inspectBackup(file: string): BackupContents {
  if (!fs.existsSync(file)) throw new StoreSetupError(`there is no file ${file}`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreSetupError(`${file} cannot be opened as an SQLite database: ${messageOf(error)}`, { cause: error });
  }
  try {
    let check: unknown;
    try {
      check = db.pragma("quick_check", { simple: true });
    } catch (error) {
      throw new StoreSetupError(`${file} is not an SQLite database: ${messageOf(error)}`, { cause: error });
    }
    if (check !== "ok") throw new StoreSetupError(`${file} is damaged: ${String(check)}`);
    let migrations: string[];
    try {
      migrations = (db.prepare("select name from kysely_migration order by name").all() as { name: string }[]).map((row) => row.name);
    } catch {
      throw new StoreSetupError(`${file} is not a Grantline store (it has no migration table)`);
    }
    if (!migrations.includes(MIGRATION_NAMES[0]!)) throw new StoreSetupError(`${file} is not a Grantline store (its migrations are not Grantline's)`);
    const unknown = migrations.filter((name) => !MIGRATION_NAMES.includes(name));
    if (unknown.length > 0) {
      throw new StoreSetupError(`${file} was written by a newer Grantline (migrations this version does not know: ${unknown.join(", ")}); restore it with that version or a later one`);
    }
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return { migrations, businesses: count("businesses"), auditEntries: count("audit_entries") };
  } finally {
    db.close();
  }
}

/** Whether the SQLite store at `file` holds anything: a business, a person or an audit entry (a store just made by `init` does not). */
export function sqliteStoreHasData(file: string): boolean {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return false;
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((row) => row.name));
    return ["businesses", "people", "audit_entries"].some((table) => tables.has(table) && db.prepare(`select 1 from ${table} limit 1`).get() !== undefined);
  } finally {
    db.close();
  }
}

/**
 * Puts the backup `from` in place as the SQLite store `target` (whatever was there goes, with its
 * write-ahead log). The hub must not be running on it. The copy is made next to the target and
 * renamed into place, so an interrupted restore leaves the old store or the new one, never half.
 */
export function replaceSqliteStore(from: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.restoring-${process.pid}`;
  fs.copyFileSync(from, partial);
  try {
    // The old store's log and shared memory belong to the old file; left beside the new one, SQLite would replay them onto it.
    for (const suffix of ["-wal", "-shm"]) fs.rmSync(`${target}${suffix}`, { force: true });
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
