// `grantline autopilot pilot start|report|list|stop`: pilots measured against their baseline.
import fs from "node:fs";
import type { Command } from "commander";
import { errors } from "../../../errors.ts";
import { reportPdf, reportText } from "../pilot/pilotDocument.ts";
import { PILOT_DAYS, type PilotView } from "../pilot/pilot.service.ts";
import { print, whole, type WithAutopilot } from "./commandHelpers.ts";

const accountList = (value: string) => value.split(",").map((s) => s.trim()).filter(Boolean);
const pilotLine = (p: PilotView) => `${p.id} ${p.status.padEnd(8)} ${p.start_date}..${p.end_date} accounts ${p.accounts.join(",")}${p.holdout.length > 0 ? ` holdout ${p.holdout.join(",")}` : ""}`;

/** `grantline autopilot pilot start|report|list|stop`. */
export function registerPilotCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
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
