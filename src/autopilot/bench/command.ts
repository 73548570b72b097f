import { InvalidArgumentError, type Command } from "commander";
import type { BenchResult } from "./benchmark.ts";
import { cliIo } from "../../cliIo.ts";

// The benchmark (simulator scenarios, the engine) loads only when the command runs, so every other
// grantline command starts as fast as before.
const SCENARIOS = "small_shop, scaling_brand, many_weak_ads, seasonal_spike, broken_landing_page, learning_heavy";

const wholeNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
  return n;
};

const percent = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)}%`);

function describe(result: BenchResult): string {
  const rows = (["static", "rules", "autopilot", "oracle"] as const).map((name) => {
    const p = result.policies[name];
    return `  ${name.padEnd(10)} spend ${p.spend.toFixed(2).padStart(12)}  conversions ${String(p.conversions).padStart(8)}  revenue ${p.revenue.toFixed(2).padStart(12)}  CPA ${p.cpa === null ? "—" : p.cpa.toFixed(2)}  ROAS ${p.roas === null ? "—" : p.roas.toFixed(2)}`;
  });
  return [
    `Scenario ${result.scenario}, seed ${result.seed}, ${result.days} days${result.history_days > 0 ? ` after ${result.history_days} days of history` : ""}:`,
    ...rows,
    `Autopilot captured ${percent(result.capture)} of the oracle's gain over static; ${result.cap_violations} cap violation(s).`,
    `The oracle itself, acting only from day ${result.reference.learning_cost.map((l) => `${l.from_day}: ${percent(l.capture)}`).join(", from day ")} (what learning for that long costs).`,
  ].join("\n");
}

/** `grantline autopilot …`: the decision engine's commands that need no store. */
export function registerAutopilotCommands(program: Command): void {
  const autopilot = program.command("autopilot").description("Autopilot, the guarded media buyer.");
  autopilot
    .command("bench")
    .description("Run a simulator scenario under static, rules, autopilot and the oracle from the same start; --json prints one line.")
    .requiredOption("--seed <n>", "seed of the scenario's world", wholeNumber(0, 2 ** 31))
    .requiredOption("--days <n>", "days to simulate", wholeNumber(1, 365))
    .option("--scenario <name>", `one of: ${SCENARIOS} (default: many_weak_ads)`)
    .option("--history-days <n>", "days the accounts ran unchanged before the run, seen by every policy (default 0: a launch)", wholeNumber(0, 365), 0)
    .option("--json", "print one line of JSON")
    .action(async (opts: { seed: number; days: number; scenario?: string; historyDays: number; json?: boolean }, cmd: Command) => {
      const { DEFAULT_BENCH_SCENARIO, isScenarioName, runAutopilotBench } = await import("./benchmark.ts");
      const scenario = opts.scenario ?? DEFAULT_BENCH_SCENARIO;
      if (!isScenarioName(scenario)) cmd.error(`error: option '--scenario <name>' argument '${scenario}' is invalid. unknown scenario; use one of ${SCENARIOS}`);
      else {
        const result = runAutopilotBench({ seed: opts.seed, days: opts.days, scenario, historyDays: opts.historyDays });
        cliIo().stdout.write(opts.json === true ? `${JSON.stringify(result)}\n` : `${describe(result)}\n`);
      }
    });
}
