// `grantline autopilot scan|audit|launch`: work on the connected accounts themselves: read them
// through the Graph, audit the latest scan, and bulk-launch campaigns into them.
import fs from "node:fs";
import type { Command } from "commander";
import { errors } from "../../../errors.ts";
import { cliIo } from "../../../cliIo.ts";
import { parseLaunchSpec } from "../launch/launchSpec.ts";
import { print, whole, type WithAutopilot } from "./commandHelpers.ts";

export function registerAccountCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
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
}
