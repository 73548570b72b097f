// `grantline sim …`: runs the simulated ad market that writes the hub's insights.
import type { Command } from "commander";
import { cliIo } from "../cliIo.ts";
import { HubSimulation, type SimulationSummary } from "../simulator/hubSimulation.ts";
import { days, print, withHub } from "./commandKit.ts";

/** On a terminal, how many days are simulated so far, rewritten on one line. */
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

/** `grantline sim backfill` and `grantline sim advance`. */
export function registerSimCommands(program: Command): void {
  const sim = program.command("sim").description("The simulated ad market behind insights.");
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
}
