import fs from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { errors } from "../../errors.ts";
import { loadConfig } from "../../config/env.ts";
import { cliIo, CliExit } from "../../cliIo.ts";
import type { Hub } from "../../hub/hub.ts";
import { FORECAST_LIMITS } from "../../impactForecast.ts";
import type { LogEntry } from "./actionLog.ts";
import type { CreativeReport } from "./creatives.service.ts";
import type { Autopilot } from "./autopilot.ts";
import { DEFAULT_SIMULATION } from "./impact.service.ts";
import { parseLaunchSpec } from "./launch/launchSpec.ts";
import { reportPdf, reportText } from "./pilot/pilotDocument.ts";
import { PILOT_DAYS, type PilotView } from "./pilot/pilot.service.ts";
import { registerAutopilotApp } from "./registration.ts";

function print(json: boolean, value: unknown, text: string): void {
  cliIo().stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

/**
 * Runs a command's work on Autopilot beside the configured store's hub, and closes both after;
 * the CLI's entry point builds them (the composition root).
 */
export type WithAutopilot = <T>(work: (autopilot: Autopilot, hub: Hub) => Promise<T>) => Promise<T>;

const whole = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
  return n;
};

const entryLine = (e: LogEntry) => `[${e.id}] ${new Date(e.time).toISOString()} ${e.state.padEnd(16)} ${e.text}${e.approved_by ? ` (approved by ${e.approved_by})` : ""}`;

const pctText = (x: number) => `${(x * 100).toFixed(2)}%`;
const rateText = (r: { mean: number; low: number; high: number }) => `${pctText(r.mean)} (80%: ${pctText(r.low)}–${pctText(r.high)})`;

function creativesText(r: CreativeReport): string {
  if (r.through === null) return `${r.ad_account_id}: not scanned yet; standings come from the latest scan.`;
  const lines = [`${r.ad_account_id}, scanned through ${r.through}:`];
  for (const set of r.ad_sets) {
    lines.push(`  ${set.name}`);
    for (const a of set.ads) {
      const best = a.chance_of_best === null ? "not weighed" : `${Math.round(a.chance_of_best * 100)}% chance of being the best`;
      lines.push(`    ${a.name} [${a.status}${a.in_test ? ", in test" : ""}]: ${Math.round(a.spend_share_7d * 100)}% of 7-day spend, click-through ${rateText(a.ctr)}, purchases per click ${rateText(a.cvr)}, ${best}`);
    }
  }
  return lines.join("\n");
}

/**
 * `grantline autopilot …`: the partner app's commands. They work on the configured store; every
 * read and write of ad data goes through the Graph URL each connection was made with.
 */
export function registerAutopilotAppCommands(program: Command, withAutopilot: WithAutopilot): void {
  const autopilot = program.commands.find((c) => c.name() === "autopilot") ?? program.command("autopilot").description("Autopilot, the guarded media buyer that connects as a partner app.");

  autopilot
    .command("register")
    .description("Register Autopilot as an app of its own business on the hub (OAuth client; the secret is kept sealed in the store).")
    .option("--hub-url <url>", "where people and Autopilot reach the hub (default GRANTLINE_PUBLIC_URL, else http://HOST:PORT)")
    .option("--business-name <name>", "name of Autopilot's business", "Autopilot")
    .option("--app-name <name>", "name of the app", "Autopilot")
    .option("--json", "print one line of JSON")
    .action(async (opts: { hubUrl?: string; businessName: string; appName: string; json?: boolean }) => {
      const config = loadConfig(cliIo().env);
      const hubUrl = opts.hubUrl ?? config.publicUrl ?? `http://${config.host}:${config.port}`;
      await withAutopilot(async (ap, hub) => {
        const out = await registerAutopilotApp(hub, ap, { hubUrl, businessName: opts.businessName, appName: opts.appName });
        print(opts.json === true, out, `Autopilot is app ${out.client_id} of business ${out.business_id}; its callback is ${out.redirect_uri}. The client secret is sealed in the store (autopilot_oauth_clients).`);
      });
    });

  autopilot
    .command("oauth-client")
    .description("Show Autopilot's OAuth client, or set one registered elsewhere (another hub, or Meta's Facebook Login).")
    .option("--issuer <url>", "the authorization server (OpenID discovery is read from it)")
    .option("--login-dialog-url <url>", "instead of --issuer, for a server without discovery (Meta): the login dialog, e.g. https://www.facebook.com/v24.0/dialog/oauth")
    .option("--login-token-url <url>", "with --login-dialog-url: the code exchange, e.g. https://graph.facebook.com/v24.0/oauth/access_token")
    .option("--graph-url <url>", "base URL of the Graph the tokens are for (default: the issuer; required with the login URLs)")
    .option("--client-id <id>", "the app's client ID")
    .option("--client-secret <secret>", "the app's client secret (stored sealed)")
    .option("--redirect-uri <uri>", "Autopilot's callback exactly as registered (…/autopilot/oauth/callback)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { issuer?: string; loginDialogUrl?: string; loginTokenUrl?: string; graphUrl?: string; clientId?: string; clientSecret?: string; redirectUri?: string; json?: boolean }) => {
      const login = opts.loginDialogUrl !== undefined || opts.loginTokenUrl !== undefined;
      if (opts.issuer || login || opts.clientId || opts.clientSecret || opts.redirectUri) {
        if (!(opts.issuer || login) || !opts.clientId || !opts.clientSecret || !opts.redirectUri) {
          throw new InvalidArgumentError("--issuer (or --login-dialog-url and --login-token-url), --client-id, --client-secret and --redirect-uri go together");
        }
        if (login && !opts.graphUrl) throw new InvalidArgumentError("--graph-url is required with the login URLs");
      }
      await withAutopilot(async (ap) => {
        if (opts.clientId && opts.clientSecret && opts.redirectUri) {
          const graphUrl = opts.graphUrl ?? opts.issuer ?? "";
          await ap.connect.saveClient({ issuer: opts.issuer, authorizationEndpoint: opts.loginDialogUrl, tokenEndpoint: opts.loginTokenUrl, graphUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUri: opts.redirectUri });
        }
        const client = await ap.connect.client();
        if (!client) {
          print(opts.json === true, null, "Autopilot has no OAuth client yet: run `grantline autopilot register`.");
          throw new CliExit(1);
        }
        const server = client.authorization_endpoint ? `login ${client.authorization_endpoint}, token ${client.token_endpoint}` : client.issuer;
        print(opts.json === true, client, `Client ID ${client.client_id} at ${server} (Graph ${client.graph_url}), callback ${client.redirect_uri}, scopes ${client.scopes.join(" ")}; the secret is sealed in the store.`);
      });
    });

  autopilot
    .command("workspace")
    .description("Create an Autopilot workspace for an advertiser.")
    .requiredOption("--name <name>", "workspace name")
    .option("--business <id>", "the advertiser's Business ID (alerts go to its notification channels)")
    .option("--json", "print JSON")
    .action(async (opts: { name: string; business?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.create(opts.name, opts.business);
        print(opts.json === true, view, `Workspace ${view.name} (${view.id}) created in semi-auto mode.`);
      });
    });

  autopilot
    .command("connect")
    .description("Connect an ad account with an existing token, e.g. a system user's token issued for Autopilot's app (checked against the Graph, stored sealed); people connect through OAuth in the console.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .requiredOption("--account <act_id>", "ad account, act_<id>")
    .requiredOption("--token <token>", "access token for the account (from the OAuth flow or an existing one)")
    .requiredOption("--graph-url <url>", "base URL of the Graph (the hub's, or Meta's)")
    .option("--pixel <id>", "pixel id")
    .option("--catalog <id>", "product catalog id")
    .option("--expires-at <iso>", "when the token expires, if known")
    .option("--scopes <list>", "the token's scopes, comma-separated, if known")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; account: string; token: string; graphUrl: string; pixel?: string; catalog?: string; expiresAt?: string; scopes?: string; json?: boolean }) => {
      const expires = opts.expiresAt ? Date.parse(opts.expiresAt) : undefined;
      if (opts.expiresAt && !Number.isFinite(expires)) throw new InvalidArgumentError("--expires-at must be a date");
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.connect(opts.workspace, {
          graphUrl: opts.graphUrl,
          accessToken: opts.token,
          adAccountId: opts.account,
          pixelId: opts.pixel,
          catalogId: opts.catalog,
          tokenExpiresAt: expires,
          scopes: opts.scopes ? opts.scopes.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
        });
        print(opts.json === true, view, `Connected ${view.ad_account_id} (connection ${view.id}).`);
      });
    });

  autopilot
    .command("scan")
    .description("Calibration scan: read the connected accounts' objects and daily insights through the Graph.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--days <n>", "days of history", whole(1, 400), 90)
    .option("--json", "print one line of JSON per connection")
    .action(async (opts: { workspace: string; days: number; json?: boolean }) => {
      const { stderr } = cliIo();
      await withAutopilot(async (ap) => {
        let account = 0;
        const report = await ap.scanAndPlan(opts.workspace, {
          days: opts.days,
          plan: false,
          onProgress: (p) => {
            if (p.phase === "planning") return;
            if (stderr.isTTY && account !== 0 && account !== p.account) stderr.write("\n");
            account = p.account;
            const line = `scan ${p.ad_account_id}: ${p.phase} ${p.done}/${p.total}, ${p.rows} rows`;
            stderr.write(stderr.isTTY ? `\r${line}` : `${line}\n`);
          },
        });
        if (stderr.isTTY) stderr.write("\n");
        for (const result of report.scans) {
          print(opts.json === true, result, `Scanned ${result.ad_account_id} ${result.since}..${result.until}: ${result.campaigns} campaigns, ${result.ad_sets} ad sets, ${result.ads} ads, ${result.rows} daily rows (${result.graph_calls} Graph calls).`);
        }
        for (const note of report.notes) stderr.write(`${note}\n`);
      });
    });

  autopilot
    .command("audit")
    .description("The account audit on each connected account's latest scan: structure, learning, pacing, pages, pixels, audiences and fatigue, each finding with its evidence and a fix.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print one line of JSON per account")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        for (const audit of await ap.audits.auditWorkspace(opts.workspace)) {
          const text = [
            `${audit.ad_account_id} (scan up to ${audit.as_of}): ${audit.findings.length === 0 ? "no findings" : `${audit.findings.length} finding${audit.findings.length === 1 ? "" : "s"}`}`,
            ...audit.findings.map((f) => `  ${f.kind} — ${f.object_name} (${f.object_id}): ${f.fix}`),
            ...audit.notes.map((n) => `  note: ${n}`),
          ].join("\n");
          print(opts.json === true, { workspace: audit.workspace, ad_account_id: audit.ad_account_id, scan_id: audit.scan_id, as_of: audit.as_of, findings: audit.findings, notes: audit.notes }, text);
        }
      });
    });

  autopilot
    .command("launch")
    .description("Bulk launch from a spec (YAML or JSON): one campaign, an ad set per audience × placement, an ad per creative (× headline); validated first, all or nothing, and a re-run creates only what is missing.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .requiredOption("--spec <file>", "the launch spec")
    .option("--dry-run", "show the plan and validate it; create nothing")
    .option("--json", "print one line of JSON")
    .action(async (opts: { workspace: string; spec: string; dryRun?: boolean; json?: boolean }) => {
      let text: string;
      try {
        text = fs.readFileSync(opts.spec, "utf8");
      } catch {
        throw errors.invalidParameter(`Cannot read the launch spec ${opts.spec}.`);
      }
      const spec = parseLaunchSpec(text);
      const { stderr } = cliIo();
      await withAutopilot(async (ap) => {
        const report = await ap.launches.launch(opts.workspace, spec, {
          dryRun: opts.dryRun === true,
          onPlan: (plan) =>
            stderr.write(
              `Plan: campaign "${plan.campaign}", ${plan.ad_sets} ad sets, ${plan.ads} ads, ${plan.creatives} creatives; to create: ${plan.to_create.campaigns} campaign, ${plan.to_create.ad_sets} ad sets, ${plan.to_create.ads} ads, ${plan.to_create.creatives} creatives.\n`,
            ),
          onProgress: (p) => {
            const line = `launch: ${p.phase} ${p.done}/${p.total}`;
            stderr.write(stderr.isTTY ? `\r${line}` : `${line}\n`);
          },
        });
        if (stderr.isTTY) stderr.write("\n");
        const counts = (type: string) => report.created.filter((o) => o.type === type).length;
        print(
          opts.json === true,
          report,
          report.dry_run
            ? `Dry run on ${report.ad_account_id}: the plan is valid; nothing was created.`
            : `Launched on ${report.ad_account_id}: created ${counts("campaign")} campaign, ${counts("adset")} ad sets, ${counts("ad")} ads, ${counts("creative")} creatives (${report.graph_calls} Graph calls).`,
        );
      });
    });

  registerPilotCommands(autopilot, withAutopilot);

  autopilot
    .command("settings")
    .description("Show or change a workspace's mode and guardrails.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--mode <mode>", "semi_auto or autopilot (autopilot needs a daily or monthly cap)")
    .option("--guardrails <json>", 'guardrails as JSON, e.g. {"cpaTarget":25,"dailyCap":50000,"maxStepPct":20}')
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; mode?: string; guardrails?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        if (opts.guardrails !== undefined) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(opts.guardrails);
          } catch {
            throw new InvalidArgumentError("--guardrails must be JSON");
          }
          await ap.workspaces.setGuardrails(opts.workspace, parsed);
        }
        if (opts.mode !== undefined) await ap.workspaces.setMode(opts.workspace, opts.mode);
        const view = await ap.workspaces.view(opts.workspace);
        print(opts.json === true, view, `${view.name}: mode ${view.mode}, kill switch ${view.kill_switch ? "ON" : "off"}, guardrails ${JSON.stringify(view.guardrails)}`);
      });
    });

  autopilot
    .command("plan")
    .description("Ask the decision engine for a plan and queue it for approval (or --dry-run: simulate impact, write nothing).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--dry-run", "preview only")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; dryRun?: boolean; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        if (opts.dryRun) {
          const preview = await ap.dryRun(opts.workspace);
          print(opts.json === true, preview, preview.map((p) => [`Dry run (nothing written): daily budgets ${p.budget_before} → ${p.budget_after}`, ...p.items.map((i) => `  ${i.text} — expected: ${i.expected_effect}`), ...p.notes.map((n) => `  note: ${n}`)].join("\n")).join("\n"));
          return;
        }
        const reports = await ap.plan(opts.workspace);
        print(opts.json === true, reports, reports.map((r) => [`${r.ad_account_id}: ${r.proposed.length} proposed, ${r.duplicates} already proposed today`, ...r.proposed.map(entryLine), ...r.notes.map((n) => `  note: ${n}`)].join("\n")).join("\n"));
      });
    });

  autopilot
    .command("creatives")
    .description("Each ad set's creatives on the latest scan: status, in test or not, share of the last 7 days' spend, click-through and purchases per click (80% intervals), and the chance of being the ad set's best ad.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--connection <id>", "only this connection (its id or act_<id>)")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; connection?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const reports = await ap.creatives.standings(opts.workspace, opts.connection);
        print(opts.json === true, reports, reports.map(creativesText).join("\n"));
      });
    });

  autopilot
    .command("simulate")
    .description("Simulate impact: run the current recommendations forward on a fork of the simulator for N days against doing nothing; nothing is queued or written.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--account <act_id>", "only this connected ad account")
    .option("--days <n>", "days to run forward", whole(1, FORECAST_LIMITS.days), DEFAULT_SIMULATION.days)
    .option("--runs <n>", "simulated runs (random streams) behind the intervals", whole(1, FORECAST_LIMITS.runs), DEFAULT_SIMULATION.runs)
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; account?: string; days: number; runs: number; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const reports = await ap.impact.simulate(opts.workspace, { days: opts.days, runs: opts.runs, ...(opts.account ? { account: opts.account } : {}) });
        const range = (i: { mean: number; low: number; high: number } | null) => (i ? `${i.mean} (80%: ${i.low} to ${i.high})` : "n/a");
        print(
          opts.json === true,
          reports,
          reports
            .map((r) =>
              [
                `${r.ad_account_id}, ${r.from}..${r.to} (simulated, nothing written): ${r.summary}`,
                ...r.plan.map((i) => `  ${i.text}`),
                `  without the plan: spend ${range(r.baseline.spend)}, conversions ${range(r.baseline.conversions)}, CPA ${range(r.baseline.cpa)}, ROAS ${range(r.baseline.roas)}`,
                `  with the plan:    spend ${range(r.with_plan.spend)}, conversions ${range(r.with_plan.conversions)}, CPA ${range(r.with_plan.cpa)}, ROAS ${range(r.with_plan.roas)}`,
                `  difference:       spend ${range(r.delta.spend)}, conversions ${range(r.delta.conversions)}, CPA ${range(r.delta.cpa)}, ROAS ${range(r.delta.roas)}`,
                ...r.notes.map((n) => `  note: ${n}`),
              ].join("\n"),
            )
            .join("\n"),
        );
      });
    });

  autopilot
    .command("queue")
    .description("The approval queue (proposals whose data changed expire).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const queue = await ap.actions.queue(await ap.workspaces.require(opts.workspace));
        print(opts.json === true, queue, queue.length === 0 ? "Nothing waiting for approval." : queue.map((e) => `${entryLine(e)}\n    evidence: ${JSON.stringify(e.evidence)}\n    expected: ${e.expected_effect}`).join("\n"));
      });
    });

  for (const [name, description] of [
    ["approve", "Approve a queued action: it is executed at once through the guarded path."],
    ["reject", "Reject a queued action."],
    ["undo", "Undo a confirmed action (the opposite change, through the same path)."],
  ] as const) {
    autopilot
      .command(name)
      .description(description)
      .requiredOption("--action <id>", "action id")
      .option("--by <name>", "who decides (recorded in the log)", "operator")
      .option("--json", "print JSON")
      .action(async (opts: { action: string; by: string; json?: boolean }) => {
        await withAutopilot(async (ap) => {
          const result = name === "approve" ? await ap.actions.approve(opts.action, opts.by) : name === "reject" ? await ap.actions.decline(opts.action, opts.by) : await ap.actions.undo(opts.action, opts.by);
          print(opts.json === true, result, `${result.state}: ${result.text}`);
          if (result.state === "REJECTED" || result.state === "refused") throw new CliExit(6);
        });
      });
  }

  autopilot
    .command("run")
    .description("One autopilot cycle: resolve unknown writes, plan, apply within the guardrails (autopilot mode only).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const report = await ap.run(opts.workspace);
        print(opts.json === true, report, [...report.resolved.map((r) => `resolved ${r.state}: ${r.text}`), ...report.executed.map((r) => `${r.state}: ${r.text}`), ...report.notes.map((n) => `note: ${n}`)].join("\n") || "Nothing to do.");
      });
    });

  autopilot
    .command("resolve")
    .description("Read back every UNKNOWN write and settle it as CONFIRMED or REJECTED (never written again).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const results = await ap.actions.resolveAll(await ap.workspaces.require(opts.workspace));
        print(opts.json === true, results, results.map((r) => `${r.state}: ${r.text}`).join("\n") || "No unknown writes.");
      });
    });

  autopilot
    .command("kill")
    .description("Kill switch: stop every automated action at once (--off to resume).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--off", "turn the kill switch off")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; off?: boolean; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.setKillSwitch(opts.workspace, opts.off !== true);
        print(opts.json === true, view, view.kill_switch ? `Kill switch ON for ${view.name}: no action will be written.` : `Kill switch off for ${view.name}.`);
      });
    });

  autopilot
    .command("log")
    .description("The action log in plain language, newest first.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--limit <n>", "entries", whole(1, 500), 50)
    .option("--json", "print JSON (with Meta's rule-history shape)")
    .action(async (opts: { workspace: string; limit: number; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const log = await ap.actions.log(await ap.workspaces.require(opts.workspace), opts.limit);
        print(opts.json === true, log, log.length === 0 ? "No actions yet." : log.map(entryLine).join("\n"));
      });
    });

  autopilot
    .command("ask")
    .description('A text command or question, e.g. "raise Lookalike budget by 15%" (changes are queued for confirmation).')
    .requiredOption("--workspace <name>", "workspace name or id")
    .argument("<text...>", "the command")
    .option("--json", "print JSON")
    .action(async (text: string[], opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const result = await ap.commands.run(opts.workspace, text.join(" "));
        print(opts.json === true, result, result.kind === "proposal" ? `${result.text}\nApprove with: grantline autopilot approve --action ID` : result.text);
      });
    });

  autopilot
    .command("monitor")
    .description("Run the monitors: spend spikes, disapproved ads, failing landing pages, expiring tokens.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const reports = await ap.monitors.run(opts.workspace);
        print(
          opts.json === true,
          reports,
          reports
            .map((r) => `${r.ad_account_id}: spend ${r.spend ? (r.spend.tooLittleData ? "too little data" : r.spend.spike ? "SPIKE" : "normal") : "not checked"}, ${r.disapproved.length} disapproved, ${r.urls.filter((u) => !u.ok).length}/${r.urls.length} landing pages failing, ${r.paused.length} paused, ${r.queued.length} pauses queued; alerts: ${r.alerts.join(", ") || "none"}`)
            .join("\n"),
        );
      });
    });
}

const accountList = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);
const pilotLine = (p: PilotView) => `${p.id} ${p.status.padEnd(8)} ${p.start_date}..${p.end_date} accounts ${p.accounts.join(",")}${p.holdout.length > 0 ? ` holdout ${p.holdout.join(",")}` : ""}`;

/** `grantline autopilot pilot start|report|list|stop`. */
function registerPilotCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
  const pilot = autopilot.command("pilot").description("Pilots: Autopilot runs chosen accounts for a fixed period, measured against their 90-day baseline, holdout accounts and (on the simulator) the same market with no changes.");

  pilot
    .command("start")
    .description("Start a pilot on connected accounts (scan first: the baseline is the latest scan's last 90 days); holdout accounts are left alone by Autopilot until it ends.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .requiredOption("--accounts <list>", "ad accounts Autopilot runs, act_1,act_2")
    .option("--days <n>", "length of the pilot in days", whole(PILOT_DAYS.min, PILOT_DAYS.max), PILOT_DAYS.default)
    .option("--holdout <list>", "connected ad accounts to leave alone as the comparison group")
    .option("--json", "print one line of JSON")
    .action(async (opts: { workspace: string; accounts: string; days: number; holdout?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.pilots.start(opts.workspace, { accounts: accountList(opts.accounts), holdout: opts.holdout ? accountList(opts.holdout) : [], days: opts.days });
        print(opts.json === true, view, `Pilot ${view.id} started: ${view.accounts.join(", ")} from ${view.start_date} to ${view.end_date}${view.holdout.length > 0 ? `, holdout ${view.holdout.join(", ")}` : ""}.`);
      });
    });

  pilot
    .command("report")
    .description("The before/after report of a pilot (the newest by default) from the latest scans: CPA, ROAS, conversions and spend with 95% intervals, and every action with its effect.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--pilot <id>", "the pilot (default: the newest)")
    .option("--pdf <file>", "also write the report as a PDF")
    .option("--json", "print one line of JSON")
    .action(async (opts: { workspace: string; pilot?: string; pdf?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const report = await ap.pilots.report(opts.workspace, opts.pilot);
        if (opts.pdf) {
          try {
            fs.writeFileSync(opts.pdf, await reportPdf(report));
          } catch {
            throw errors.invalidParameter(`Cannot write the PDF to ${opts.pdf}.`);
          }
        }
        print(opts.json === true, report, reportText(report));
      });
    });

  pilot
    .command("list")
    .description("The workspace's pilots, newest first.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const pilots = await ap.pilots.list(opts.workspace);
        print(opts.json === true, pilots, pilots.length === 0 ? "No pilots yet." : pilots.map(pilotLine).join("\n"));
      });
    });

  pilot
    .command("stop")
    .description("End a running pilot early (the newest by default); its report covers the days up to now.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--pilot <id>", "the pilot (default: the newest)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { workspace: string; pilot?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.pilots.stop(opts.workspace, opts.pilot);
        print(opts.json === true, view, `Pilot ${view.id} stopped.`);
      });
    });
}
