// `grantline serve`, `init`, `migrate`, `backup`, `restore`, `demo` and `bootstrap`: the commands that
// start the hub and set up, migrate, back up and restore its store.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { cliIo, CliExit } from "../cliIo.ts";
import { loadConfig, type Config } from "../config/env.ts";
import { openGrantline } from "../app/openGrantline.ts";
import { bootstrapBusiness, type Hub } from "../hub/hub.ts";
import { MissingDataDirError, openStore, StoreSetupError } from "../store/database.ts";
import { MIGRATION_NAMES, migrationStatus } from "../store/migrator.ts";
import { backupSqliteStore, inspectBackup, replaceSqliteStore, sqliteStoreHasData, SQLITE_STORE_FILE } from "../store/backup.ts";
import { hubOptions, print, reportError, withHub } from "./commandKit.ts";

/**
 * The server (and the OAuth provider it carries) loads only for the commands that serve. The
 * process ends here (through the run's `endProcess`), with the server's exit code or, when it could
 * not start, 1 after one line on stderr: whatever a library may still hold open (a timer, a socket)
 * cannot keep a stopped server's process alive.
 */
async function startServer(options: { demo: boolean }): Promise<void> {
  let code: number;
  try {
    const config = loadConfig(cliIo().env);
    if (options.demo) await initStore(config);
    const { runServer } = await import("./serve.ts");
    code = await runServer(config, options);
  } catch (error) {
    reportError(error);
    code = 1;
  }
  cliIo().endProcess?.(code);
  if (code !== 0) throw new CliExit(code);
}

/** Creates the data folder when needed and brings the store's schema up to date. */
async function initStore(config: Config): Promise<{ created: boolean; migrations: number }> {
  const created = !config.databaseUrl && !fs.existsSync(config.dataDir);
  const store = await openStore({ ...hubOptions(config), createDataDir: true });
  await store.close();
  return { created, migrations: store.migrated };
}

/** Migrations this version has that the store has not run, read without changing anything (not even creating a missing store). */
async function pendingMigrations(config: Config): Promise<string[]> {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, SQLITE_STORE_FILE))) {
    // No store file at all: everything is pending. A missing data directory is refused as `serve` refuses it.
    if (!fs.existsSync(config.dataDir)) throw new MissingDataDirError(config.dataDir);
    return [...MIGRATION_NAMES];
  }
  const store = await openStore({ ...hubOptions(config), createDataDir: false, migrate: false });
  try {
    const status = await migrationStatus(store.db);
    if (status.unknown.length > 0) {
      throw new StoreSetupError(`the store was migrated by a newer Grantline (migrations this version does not know: ${status.unknown.join(", ")})`);
    }
    return status.pending;
  } finally {
    await store.close();
  }
}

/** What `backup` and `restore` say on PostgreSQL: its own tools do it best, consistently while the hub runs. */
function postgresBackupHelp(config: Config): string {
  const schema = config.databaseSchema;
  const only = schema ? ` --schema=${schema}` : "";
  return [
    "The store is PostgreSQL: back it up and restore it with PostgreSQL's own tools (docs/operations.md, \"Backup and restore\").",
    "",
    "Back up (a consistent snapshot, while the hub runs):",
    `  pg_dump --format=custom${only} --file=grantline.dump "$DATABASE_URL"`,
    "",
    "Restore (stop the hub; into an empty database or schema):",
    `  pg_restore --no-owner${only} --dbname="$DATABASE_URL" grantline.dump`,
    "  grantline migrate        # brings an older backup up to this version",
    "  grantline audit verify   # checks the audit log end to end",
    "",
  ].join("\n");
}

/** The commands that run the hub and look after its store, in the order `--help` lists them. */
export function registerStoreCommands(program: Command): void {
  program
    .command("serve")
    .description("Start the hub (no demo data).")
    .action(async () => {
      await startServer({ demo: false });
    });

  program
    .command("init")
    .description("Create the store: the data directory (SQLite) and the schema, or bring the schema up to date. `serve` refuses to start without it.")
    .option("--json", "print one line of JSON")
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig(cliIo().env);
      const result = await initStore(config);
      const where = config.databaseUrl ? `PostgreSQL${config.databaseSchema ? ` (schema ${config.databaseSchema})` : ""}` : config.dataDir;
      print(
        opts.json === true,
        { store: config.databaseUrl ? "postgres" : "sqlite", ...(config.databaseUrl ? {} : { data_dir: config.dataDir }), created: result.created, migrations_applied: result.migrations },
        `${result.created ? "Created" : "Store ready in"} ${where}: ${result.migrations === 0 ? "schema already up to date" : `${result.migrations} migration(s) applied`}.`,
      );
    });

  program
    .command("migrate")
    .description("Apply the store's pending migrations. With --check, list them and change nothing: exit 1 when any are pending, 0 when up to date.")
    .option("--check", "only list pending migrations")
    .option("--json", "print one line of JSON")
    .action(async (opts: { check?: boolean; json?: boolean }) => {
      const config = loadConfig(cliIo().env);
      const json = opts.json === true;
      const pending = await pendingMigrations(config);
      if (opts.check) {
        print(json, { pending }, pending.length === 0 ? "The store is up to date." : `${pending.length} migration(s) pending: ${pending.join(", ")}`);
        if (pending.length > 0) throw new CliExit(1);
        return;
      }
      // Applied as every start applies them: on PostgreSQL under a lock, so instances starting meanwhile wait.
      const store = await openStore({ ...hubOptions(config), createDataDir: false });
      await store.close();
      print(json, { applied: pending.slice(0, store.migrated) }, store.migrated === 0 ? "The store is up to date." : `Applied ${store.migrated} migration(s): ${pending.join(", ")}`);
    });

  program
    .command("backup")
    .description("Copy the SQLite store to a file, consistent while the hub runs; for PostgreSQL, print how to back it up with pg_dump.")
    .option("--to <file>", "the backup file to write (must not exist)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { to?: string; json?: boolean }, cmd: Command) => {
      const config = loadConfig(cliIo().env);
      if (config.databaseUrl) {
        cliIo().stdout.write(postgresBackupHelp(config));
        return;
      }
      if (!opts.to) cmd.error("error: required option '--to <file>' not specified");
      const target = path.resolve(opts.to);
      if (fs.existsSync(target)) throw new StoreSetupError(`${target} already exists; choose a new file name`);
      const source = path.join(config.dataDir, SQLITE_STORE_FILE);
      const result = await backupSqliteStore(source, target);
      print(
        opts.json === true,
        { file: target, bytes: result.bytes, migrations: result.migrations.length, businesses: result.businesses, audit_entries: result.auditEntries },
        `Backed up ${source} to ${target}: ${result.bytes} bytes, ${result.businesses} business(es), ${result.auditEntries} audit entries.`,
      );
    });

  program
    .command("restore")
    .description("Make a backup file the SQLite store (stop the hub first). Refuses a store holding data unless --force; checks the file, migrates it, and verifies the audit log.")
    .option("--from <file>", "the backup file")
    .option("--force", "replace a store that holds data")
    .option("--json", "print one line of JSON")
    .action(async (opts: { from?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const config = loadConfig(cliIo().env);
      if (config.databaseUrl) {
        cliIo().stdout.write(postgresBackupHelp(config));
        return;
      }
      if (!opts.from) cmd.error("error: required option '--from <file>' not specified");
      const from = path.resolve(opts.from);
      const contents = inspectBackup(from);
      const target = path.join(config.dataDir, SQLITE_STORE_FILE);
      if (path.resolve(target) === from) throw new StoreSetupError(`${from} is the store itself`);
      if (!opts.force && sqliteStoreHasData(target)) {
        throw new StoreSetupError(`the store ${target} holds data; restoring would replace it. Stop the hub, and run again with --force to replace it`);
      }
      replaceSqliteStore(from, target);
      // A backup of an older version is brought up to this one, and its audit log checked end to end.
      const hub = await openGrantline(hubOptions(config));
      let verification: Awaited<ReturnType<Hub["audit"]["verify"]>>;
      try {
        verification = await hub.audit.verify();
      } finally {
        await hub.close();
      }
      print(
        opts.json === true,
        { restored: from, store: target, migrations_applied: hub.store.migrated, businesses: contents.businesses, audit: verification },
        `Restored ${from} into ${target} (${contents.businesses} business(es)${hub.store.migrated > 0 ? `, ${hub.store.migrated} migration(s) applied` : ""}). ` +
          (verification.ok ? `Audit log intact: ${verification.entries} entries verified.` : `Audit log BROKEN at entry ${verification.brokenAt}: ${verification.problem}.`),
      );
      if (!verification.ok) throw new CliExit(4);
    });

  program
    .command("demo")
    .description("Start the hub on the configured store with a demo world (created on first run).")
    .action(async () => {
      await startServer({ demo: true });
    });

  program
    .command("bootstrap")
    .description("Create a business, an ADMIN system user and a non-expiring token with every scope.")
    .requiredOption("--business-name <name>", "name of the new business")
    .option("--json", "print one line of JSON")
    .action(async (opts: { businessName: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const result = await bootstrapBusiness(hub, opts.businessName);
        print(
          opts.json === true,
          result,
          `Business ${result.business_id} created.\nSystem user: ${result.system_user_id}\nAccess token (shown once): ${result.access_token}`,
        );
      });
    });
}
