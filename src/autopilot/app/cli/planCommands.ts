// `grantline autopilot settings|plan|creatives|simulate`: what Autopilot may do (mode and
// guardrails) and what it would do (the plan, the creatives' standings, the simulated impact).
import { InvalidArgumentError, type Command } from "commander";
import { FORECAST_LIMITS } from "../../../impactForecast.ts";
import type { CreativeReport } from "../creatives.service.ts";
import { DEFAULT_SIMULATION } from "../impact.service.ts";
import { entryLine, print, whole, type WithAutopilot } from "./commandHelpers.ts";

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

export function registerPlanCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
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
}
