import fs from "node:fs";
import { escapeTerminalOutput, terminalSafe } from "./terminal.ts";
import { cliIo, CliExit, runWithIo, type CliIo, type CliOutput } from "../cliIo.ts";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { ConfigError, loadConfig, type Config } from "../config/env.ts";
import { errors, GrantlineError } from "../errors.ts";
import { isActionName, ACTION_NAMES } from "../hub/catalogue/actions.ts";
import { openGrantline, type Grantline, type GrantlineOptions } from "../app/openGrantline.ts";
import { bootstrapBusiness, type Hub } from "../hub/hub.ts";
import { operatorContext } from "../hub/context.ts";
import { assetIdFromGraph } from "../graphIds.ts";
import { HubSimulation, type SimulationSummary } from "../simulator/hubSimulation.ts";
import { registerPeopleCommands } from "../auth/authCli.ts";
import { registerAutopilotCommands } from "../autopilot/bench/command.ts";
import { registerAlertCommands } from "../notify/alertCommands.ts";
import { registerAppCommands } from "../oauth/appsCli.ts";
import { describeGuardrails, registerGuardrailCommands } from "./guardrailsCli.ts";
import { registerAutopilotAppCommands, type WithAutopilot } from "../autopilot/app/cli.ts";
import { openAutopilot } from "../app/autopilotHost.ts";
import { registerAutopilotServeCommands } from "./autopilotServe.ts";
import path from "node:path";
import { MissingDataDirError, openStore, StoreSetupError } from "../store/database.ts";
import { MIGRATION_NAMES, migrationStatus } from "../store/migrator.ts";
import { backupSqliteStore, inspectBackup, replaceSqliteStore, sqliteStoreHasData, SQLITE_STORE_FILE } from "../store/backup.ts";
import { StoreFaultError } from "../store/storeFault.ts";
import type { AccessReviewReport } from "../hub/review/findings.ts";
import { applyGraphReviewFix, runGraphReview } from "./graphReviewCli.ts";
import { GraphReviewClientSource } from "../graph/client/graphReviewSource.ts";

function hubOptions(config: Config): GrantlineOptions {
  return { databaseUrl: config.databaseUrl, pgSchema: config.databaseSchema, dataDir: config.dataDir, timeouts: { queryMs: config.timeouts.dbQueryMs, connectMs: config.timeouts.dbConnectMs }, diskMinFreeBytes: config.diskMinFreeBytes, pendingTtlDays: config.pendingTtlDays, invitations: { ttlDays: config.invitationTtlDays, publicUrl: config.publicUrl }, secretKey: config.secretKey, mail: config.mail, notifications: config.alerts, outbound: config.outbound };
}

async function withHub<T>(work: (hub: Grantline, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(cliIo().env);
  const hub = await openGrantline(hubOptions(config));
  try {
    return await work(hub, config);
  } finally {
    await hub.close();
  }
}

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

/** `--token` or the contents of `--token-file` (which keeps it out of the process list). */
function readToken(opts: { token?: string; tokenFile?: string }, cmd: Command): string {
  const token = opts.tokenFile !== undefined ? fs.readFileSync(opts.tokenFile, "utf8").trim() : opts.token;
  if (!token) cmd.error("error: --graph-url needs --token <token> or --token-file <file>");
  return token;
}

/**
 * `review campaign start --graph-url`: holds the business for review by a business of this hub
 * (its token sealed) and starts a campaign over what its Graph API shows now.
 */
async function startGraphCampaign(
  hub: Hub,
  graph: { graphUrl: string; business: string; token: string; heldBy?: string },
  terms: { name?: string; closePolicy: string; dueInDays: number },
  cmd: Command,
) {
  hub.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: hub.outbound }));
  const holder = graph.heldBy ?? graph.business;
  const ctx = operatorContext();
  try {
    const target = await hub.reviewCampaigns.addGraphTarget(ctx, holder, { graphUrl: graph.graphUrl, graphBusinessId: graph.business, token: graph.token });
    return await hub.reviewCampaigns.start(ctx, holder, { ...terms, graphTargetId: target.id });
  } catch (error) {
    if (graph.heldBy === undefined && error instanceof GrantlineError && error.id === "UNKNOWN_BUSINESS") {
      cmd.error(`error: business ${graph.business} is not a business of this hub; give --held-by <id>, the business of this hub whose admins decide the campaign`);
    }
    throw error;
  }
}

function print(json: boolean, value: unknown, text: string): void {
  cliIo().stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

export function buildCli(): Command {
  const program = new Command("grantline")
    .description("Partner access to advertising assets, with a Graph-compatible API and Autopilot.")
    .showHelpAfterError()
    .exitOverride()
    // Set before any subcommand is added, so that each inherits it: commander's own help and
    // errors go to the run's streams too.
    .configureOutput({
      writeOut: (text) => cliIo().stdout.write(text),
      writeErr: (text) => cliIo().stderr.write(text),
      getOutHelpWidth: () => helpWidth(cliIo().stdout),
      getErrHelpWidth: () => helpWidth(cliIo().stderr),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });

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

  program
    .command("explain")
    .description("Why a principal can or cannot perform an action on an asset, and what would change it.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--action <name>", `one of: ${ACTION_NAMES.join(", ")}`, (value) => {
      if (!isActionName(value)) throw new InvalidArgumentError(`unknown action; use one of ${ACTION_NAMES.join(", ")}`);
      return value;
    })
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--json", "print JSON")
    .action(async (opts: { principal: string; action: string; asset: string; json?: boolean }) => {
      await withHub(async (hub) => {
        if (!isActionName(opts.action)) return;
        const explanation = hub.engine.explain({ principalId: opts.principal }, opts.action, assetIdFromGraph(opts.asset));
        // Tasks may allow a write that a partner guardrail still limits: name those as the missing link.
        const guardrails = await hub.guardrails.bindingOn(opts.principal, opts.asset);
        const lines = [
          `${explanation.allowed ? "ALLOWED" : "DENIED"}: ${explanation.reason}`,
          ...(explanation.fix ? [`Fix: ${explanation.fix}`] : []),
          ...explanation.paths.map((p) => `  path: ${p.via} [${p.tasks.join(", ")}]`),
          ...guardrails.map((g) => `  limited by the partner guardrails ${describeGuardrails(g)} that ${explanation.asset?.ownerName ?? "the owner"} set on ${g.business_name}; its admins can change them`),
        ];
        print(opts.json === true, guardrails.length > 0 ? { ...explanation, guardrails } : explanation, lines.join("\n"));
        if (!explanation.allowed) throw new CliExit(3);
      });
    });

  const sim = program.command("sim").description("The simulated ad market behind insights.");
  const days = (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError("a whole number of days from 1 to 3650");
    return n;
  };
  const progress = (json: boolean) => (done: number, total: number) => {
    const { stderr } = cliIo();
    if (!json && stderr.isTTY) stderr.write(`\rsimulated ${done}/${total} days`);
  };
  const printSummary = (json: boolean, summary: SimulationSummary) =>
    print(
      json,
      summary,
      `\nSimulated ${summary.days} days (${summary.from} to ${summary.to}) for ${summary.ads} ads: ` +
        `spend ${summary.spend.toFixed(2)}, ${summary.impressions} impressions, ${summary.clicks} clicks, ` +
        `${summary.conversions} conversions reported so far, revenue ${summary.revenue.toFixed(2)}.`,
    );
  sim
    .command("backfill")
    .description("Create history up to yesterday for every ad in the hub (the store must have none yet).")
    .requiredOption("--days <n>", "days of history", days)
    .option("--seed <n>", "seed of the market's hidden parameters", days, 1)
    .option("--json", "print one line of JSON")
    .action(async (opts: { days: number; seed: number; json?: boolean }) => {
      await withHub(async (hub) => {
        const summary = await new HubSimulation(hub).backfill(opts.days, { seed: opts.seed, onProgress: progress(opts.json === true) });
        printSummary(opts.json === true, summary);
      });
    });
  sim
    .command("advance")
    .description("Simulate N more days for every active ad and write their insights.")
    .requiredOption("--days <n>", "days to simulate", days)
    .option("--json", "print one line of JSON")
    .action(async (opts: { days: number; json?: boolean }) => {
      await withHub(async (hub) => {
        printSummary(opts.json === true, await new HubSimulation(hub).advance(opts.days, { onProgress: progress(opts.json === true) }));
      });
    });

  const review = program
    .command("review")
    .description("Access review findings for a business: unused, stale, over-privileged and external access, risky apps, ending shares, 2FA gaps.")
    // Not requiredOption: commander checks a parent's required options for its subcommands too.
    .option("--business <id>", "business id (required)")
    .option("--window-days <n>", "days of history to judge use by", days, 90)
    .option("--json", "print one line of JSON")
    .option("--graph-url <url>", "review through this Graph API only (Meta's, or a Grantline hub's), with --token")
    .option("--token <token>", "with --graph-url: an access token of the business (business_management)")
    .option("--token-file <file>", "with --graph-url: read the token from this file instead (keeps it out of the process list)")
    .option("--checkpoint <file>", "with --graph-url: where pages read are kept until the review completes")
    .option("--resume", "with --graph-url: go on from the checkpoint of an interrupted review")
    .option("--apply-fix <json>", "with --graph-url: apply one finding's fix through the Graph API and check it (exit 5 if the check fails)")
    .action(async (opts: { business?: string; windowDays: number; json?: boolean; graphUrl?: string; token?: string; checkpoint?: string; resume?: boolean; applyFix?: string; tokenFile?: string }, cmd: Command) => {
      if (!opts.business) cmd.error("error: required option '--business <id>' not specified");
      const businessId = opts.business;
      const printReport = (report: AccessReviewReport & { not_reviewed?: { what: string; why: string }[] }) => {
        const lines = report.findings.map((f) => {
          const who = [f.principal?.name, f.asset?.name].filter(Boolean).join(" on ");
          const fixes = f.fixes ?? [f.fix];
          const fixLines =
            fixes.length > 1 ? `    Fixes, narrowest first:\n${fixes.map((x, i) => `      ${i + 1}. (${x.action}) ${x.description}`).join("\n")}` : `    Fix (${f.fix.action}): ${f.fix.description}`;
          return `- [${f.kind}] ${who}\n    ${f.path}\n${fixLines}`;
        });
        const gaps = (report.not_reviewed ?? []).map((g) => `- NOT REVIEWED: ${g.what}: ${g.why}`);
        print(
          opts.json === true,
          report,
          [`Access review of business ${report.business_id} over the last ${report.window_days} days: ${report.findings.length} finding(s).`, ...lines, ...gaps].join("\n"),
        );
      };
      if (opts.applyFix !== undefined && opts.graphUrl === undefined) cmd.error("error: --apply-fix needs --graph-url and --token");
      if (opts.graphUrl !== undefined) {
        opts.token = readToken(opts, cmd);
        // On a terminal, progress rewrites one line; otherwise (a log, CI) each step is a line.
        const { stderr } = cliIo();
        const tty = stderr.isTTY === true;
        let open = false;
        const progress = (line: string) => {
          stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
          open = tty;
        };
        const endProgress = () => {
          if (open) stderr.write("\n");
          open = false;
        };
        if (opts.applyFix !== undefined) {
          const applied = await applyGraphReviewFix({ graphUrl: opts.graphUrl, business: businessId, token: opts.token, windowDays: opts.windowDays, fix: opts.applyFix, progress }).finally(endProgress);
          const check = applied.result.removal_check;
          print(
            opts.json === true,
            applied,
            [
              `${applied.result.summary} ${applied.result.confirmed ? "Confirmed by reading it back." : "NOT confirmed: the Graph still shows the old state."}`,
              check.verified ? "Removal check: nothing reaches it any more through that path." : "Removal check FAILED:",
              ...check.remaining.map((r) => `- ${r}`),
            ].join("\n"),
          );
          if (!applied.result.confirmed || !check.verified) throw new CliExit(5);
          return;
        }
        const report = await runGraphReview({
          graphUrl: opts.graphUrl,
          business: businessId,
          token: opts.token,
          windowDays: opts.windowDays,
          checkpoint: opts.checkpoint,
          resume: opts.resume,
          progress,
        }).finally(endProgress);
        printReport(report);
        return;
      }
      await withHub(async (hub) => {
        printReport(await hub.review.findings(operatorContext(), businessId, { windowDays: opts.windowDays }));
      });
    });

  program
    .command("verify")
    .description("Verify a removal: nothing reaches the affected assets through a removed partner, person or app grant (exit 5 if something does).")
    .option("--owner <id>", "owner business id (with --partner)")
    .option("--partner <id>", "removed partner business id")
    .option("--business <id>", "business id (with --person)")
    .option("--person <id>", "removed person id")
    .option("--grant <id>", "revoked app grant id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { owner?: string; partner?: string; business?: string; person?: string; grant?: string; json?: boolean }) => {
      const ctx = operatorContext();
      await withHub(async (hub) => {
        let result;
        if (opts.owner && opts.partner) result = await hub.removal.verifyPartnerRemoved(ctx, opts.owner, opts.partner);
        else if (opts.business && opts.person) result = await hub.removal.verifyPersonRemoved(ctx, opts.business, opts.person);
        else if (opts.grant) result = await hub.removal.verifyAppRemoved(ctx, opts.grant);
        else throw errors.invalidParameter("Give --owner and --partner, --business and --person, or --grant.");
        const lines = [
          result.summary,
          `Checked ${result.checked_assets} asset(s).`,
          ...result.remaining.map((r) => `- [${r.kind}] ${r.path}`),
        ];
        print(opts.json === true, result, lines.join("\n"));
        if (!result.verified) throw new CliExit(5);
      });
    });

  // `review` owns --business and --json, and commander hands a parent's options to the parent even
  // after a subcommand's name, so the campaign commands read them with optsWithGlobals().
  const reviewCampaign = review.command("campaign").description("Access review campaigns: every grant of a business's assets, decided by its admins.");
  reviewCampaign
    .command("start")
    .description("Start a campaign now for the business given by --business ID (its admins certify, downgrade or revoke each grant); --json prints one line.")
    .option("--close-policy <policy>", "what closing does to undecided items: skip or revoke", "skip")
    .option("--name <name>", "campaign name")
    .option("--due-in-days <n>", "days until the campaign is due", days, 14)
    .option("--held-by <id>", "with --graph-url: the business of this hub whose admins decide the campaign (default --business, when it is one)")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        business?: string;
        closePolicy: string;
        name?: string;
        dueInDays: number;
        json?: boolean;
        graphUrl?: string;
        token?: string;
        tokenFile?: string;
        heldBy?: string;
      }>();
      if (!opts.business) cmd.error("error: required option '--business <id>' not specified");
      const businessId = opts.business;
      await withHub(async (hub) => {
        const terms = { name: opts.name, closePolicy: opts.closePolicy, dueInDays: opts.dueInDays };
        const campaign =
          opts.graphUrl === undefined
            ? await hub.reviewCampaigns.start(operatorContext(), businessId, terms)
            : await startGraphCampaign(hub, { graphUrl: opts.graphUrl, business: businessId, token: readToken(opts, cmd), heldBy: opts.heldBy }, terms, cmd);
        print(
          opts.json === true,
          campaign,
          `Started campaign ${campaign.id} "${campaign.name}"${campaign.graph ? ` over business ${campaign.graph.business_id} read through ${campaign.graph.url}, held by ${campaign.business_id},` : ""} with ${campaign.items} item(s), due ${campaign.due_at}; undecided items will be ${campaign.close_policy === "revoke" ? "revoked" : "skipped"} at close.`,
        );
      });
    });
  reviewCampaign
    .command("close")
    .description("Close a campaign: undecided items are skipped or revoked, per its close policy; --json prints one line.")
    .requiredOption("--campaign <id>", "campaign id")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ campaign: string; json?: boolean }>();
      await withHub(async (hub) => {
        hub.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: hub.outbound }));
        const summary = await hub.reviewCampaigns.close(operatorContext(), opts.campaign);
        print(opts.json === true, summary, `Closed campaign ${summary.campaign.id}: ${summary.revoked} item(s) revoked, ${summary.skipped} skipped (close policy ${summary.policy}).`);
      });
    });

  const troubleshoot = program.command("troubleshoot").description("Plain-words answers to the common access and spend problems.");
  const answer = (json: boolean, result: { answer: string }) => print(json, result, result.answer);
  troubleshoot
    .command("missing-asset")
    .description("Which task is missing for a principal on an asset, and who can grant it.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--action <name>", `one of: ${ACTION_NAMES.join(", ")}`, (value) => {
      if (!isActionName(value)) throw new InvalidArgumentError(`unknown action; use one of ${ACTION_NAMES.join(", ")}`);
      return value;
    })
    .option("--json", "print one line of JSON")
    .action(async (opts: { principal: string; asset: string; action?: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const action = opts.action !== undefined && isActionName(opts.action) ? opts.action : undefined;
        answer(opts.json === true, await hub.troubleshoot.missingAsset(operatorContext(), { principalId: opts.principal, assetId: opts.asset, action }));
      });
    });
  troubleshoot
    .command("invitation")
    .description("Why a partner did not receive an invitation: pending offer, wrong or unknown Business ID, expired offer.")
    .requiredOption("--partner <id>", "the partner business that expected the invitation")
    .requiredOption("--owner <id>", "the owner's Business ID as entered")
    .option("--asset <id>", "only this asset")
    .option("--json", "print one line of JSON")
    .action(async (opts: { partner: string; owner: string; asset?: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const input = { partnerBusinessId: opts.partner, ownerBusinessIdEntered: opts.owner, ...(opts.asset ? { assetId: opts.asset } : {}) };
        answer(opts.json === true, await hub.troubleshoot.invitationNotReceived(operatorContext(), input));
      });
    });
  troubleshoot
    .command("permissions")
    .description("What a principal's share and assignment on an asset allow, and what to raise.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { principal: string; asset: string; json?: boolean }) => {
      await withHub(async (hub) => {
        answer(opts.json === true, await hub.troubleshoot.wrongPermissions(operatorContext(), { principalId: opts.principal, assetId: opts.asset }));
      });
    });
  troubleshoot
    .command("spend-spike")
    .description("Budget, spend cap, bid and status changes on an ad account and everything under it, and who made them.")
    .requiredOption("--asset <id>", "ad account id (act_<n>)")
    .requiredOption("--since <time>", "ISO date or time to look back to", (value) => {
      const at = Date.parse(value);
      if (!Number.isFinite(at)) throw new InvalidArgumentError("an ISO date or time, e.g. 2026-01-01");
      return at;
    })
    .option("--json", "print one line of JSON")
    .action(async (opts: { asset: string; since: number; json?: boolean }) => {
      await withHub(async (hub) => {
        answer(opts.json === true, await hub.troubleshoot.spendSpike(operatorContext(), { assetId: opts.asset, since: opts.since }));
      });
    });

  const audit = program.command("audit").description("The audit log.");
  audit
    .command("verify")
    .description("Check the audit log's hash chain; any edited or deleted entry is reported.")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHub(async (hub) => {
        const { stderr } = cliIo();
        const result = await hub.audit.verify((checked, total) => {
          if (!opts.json && stderr.isTTY) stderr.write(`\rchecked ${checked}/${total}`);
        });
        if (!opts.json && stderr.isTTY) stderr.write("\n");
        print(
          opts.json === true,
          result,
          result.ok ? `Audit log intact: ${result.entries} entries verified.` : `Audit log BROKEN at entry ${result.brokenAt}: ${result.problem}.`,
        );
        if (!result.ok) throw new CliExit(4);
      });
    });

  registerPeopleCommands(program, withHub);
  registerAutopilotCommands(program);
  // The partner app's commands join the same `grantline autopilot` group.
  registerAutopilotAppCommands(program, withAutopilot);
  registerAutopilotServeCommands(program, withAutopilot);
  registerAlertCommands(program, withHub, print);
  registerAppCommands(program, withHub);
  registerGuardrailCommands(program, withHub, print);

  return program;
}

/** Autopilot's commands run on the configured store's hub, with Autopilot's host in this process. */
const withAutopilot: WithAutopilot = (work) => withHub((hub, config) => work(openAutopilot(hub, config).autopilot, hub));

/** Commander's help wraps at the terminal's width, else at 80 columns. */
function helpWidth(stream: CliOutput): number {
  return stream.isTTY && stream.columns ? stream.columns : 80;
}

/** Text written to `output` made terminal-safe on the way. */
function safeOutput(output: CliOutput): CliOutput {
  return { write: (text: string) => output.write(terminalSafe(text)), isTTY: output.isTTY, columns: output.columns };
}

/**
 * Runs `grantline ARGS…` on the given streams and settings and resolves with its exit code. Nothing
 * here writes to the process's streams unless given them, reads `process.env`, or ends the process
 * (a stopped server asks `io.endProcess`): bin/grantline.mjs passes the process's own, tests run it
 * in-process with buffers.
 */
export async function main(args: string[], io: CliIo): Promise<number> {
  // The process's own streams are made safe for everything written to them, the server's lines too.
  if (io.stdout === process.stdout) escapeTerminalOutput(process.stdout);
  if (io.stderr === process.stderr) escapeTerminalOutput(process.stderr);
  const run: CliIo = { ...io, stdout: safeOutput(io.stdout), stderr: safeOutput(io.stderr) };
  return runWithIo(run, async () => {
    try {
      await buildCli().parseAsync(args, { from: "user" });
      return 0;
    } catch (error) {
      if (error instanceof CliExit) return error.exitCode;
      if (error instanceof CommanderError) {
        // Commander has already printed what it found wrong while parsing ("error: option …"); an
        // InvalidArgumentError a command's own action throws has not been printed by anyone.
        if (error.code === "commander.invalidArgument" && !error.message.startsWith("error:")) reportError(error);
        return error.exitCode;
      }
      reportError(error);
      return 1;
    }
  });
}

/** A failed command's one line on stderr (a configuration error lists every problem); never a stack trace. */
function reportError(error: unknown): void {
  const { stderr } = cliIo();
  if (error instanceof ConfigError) {
    stderr.write(`${error.message}\n`);
  } else if (error instanceof GrantlineError) {
    stderr.write(`Error: ${error.options.userMsg ?? error.message}\n`);
  } else if (error instanceof StoreFaultError || error instanceof StoreSetupError) {
    stderr.write(`Error: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    stderr.write(`Error: ${message.split("\n")[0]}\n`);
  }
}
