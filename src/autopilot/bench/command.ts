import { InvalidArgumentError, type Command } from "commander";
import { SCENARIO_NAMES } from "../../simulator/scenarios.ts";
import { DEFAULT_BENCH_SCENARIO, isScenarioName, runAutopilotBench, type BenchResult } from "./benchmark.ts";

const wholeNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
  return n;
};

function describe(result: BenchResult): string {
  const rows = (["static", "rules", "autopilot", "oracle"] as const).map((name) => {
    const p = result.policies[name];
    return `  ${name.padEnd(10)} spend ${p.spend.toFixed(2).padStart(12)}  conversions ${String(p.conversions).padStart(8)}  revenue ${p.revenue.toFixed(2).padStart(12)}  CPA ${p.cpa === null ? "—" : p.cpa.toFixed(2)}  ROAS ${p.roas === null ? "—" : p.roas.toFixed(2)}`;
  });
  return [
    `Scenario ${result.scenario}, seed ${result.seed}, ${result.days} days (oracle: expected values of the best split of static's spend):`,
    ...rows,
    `Autopilot captured ${result.capture === null ? "—" : `${Math.round(result.capture * 100)}%`} of the oracle's gain over static; ${result.cap_violations} cap violation(s).`,
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
    .option("--scenario <name>", `one of: ${SCENARIO_NAMES.join(", ")}`, (value: string) => {
      if (!isScenarioName(value)) throw new InvalidArgumentError(`unknown scenario; use one of ${SCENARIO_NAMES.join(", ")}`);
      return value;
    }, DEFAULT_BENCH_SCENARIO)
    .option("--json", "print one line of JSON")
    .action((opts: { seed: number; days: number; scenario: string; json?: boolean }) => {
      if (!isScenarioName(opts.scenario)) return;
      const result = runAutopilotBench({ seed: opts.seed, days: opts.days, scenario: opts.scenario });
      process.stdout.write(opts.json === true ? `${JSON.stringify(result)}\n` : `${describe(result)}\n`);
    });
}
