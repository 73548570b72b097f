/**
 * `npm run bench:autopilot`: the decision engine's quality and speed.
 *
 * 1. Quality: every suite scenario over --seeds seeds × --days days, each run from the same start
 *    under static, rules, autopilot and the oracle (`grantline autopilot bench` per seed). Printed
 *    as distributions (min / p10 / median / p90 / max), not only means:
 *    - capture: autopilot's share of the oracle's expected-conversion gain over static at equal spend
 *      (bar: ≥ 85%);
 *    - seeds where autopilot beats the rules baseline (bar: ≥ 90%), counted three ways because rules
 *      change spend freely: more conversions; more conversions at no more spend; lower CPA;
 *    - cap violations (bar: 0).
 * 2. Speed: one full decision cycle (calibration, decisions, guardrail check, estimates) over
 *    --accounts ad accounts × 50 ad sets × 3 ads with 28 days of insights, in-process (target: under
 *    10 s), against the rules policy's cycle over the same accounts in the same run.
 *
 *    Beside it, the learning cost: the same clairvoyant oracle acting only from day 3, 5 or 7, i.e.
 *    what a policy that learned everything perfectly in that many days would capture.
 * 3. The expert's tables: per scenario mean, median, p10 and a 95% bootstrap interval of capture, the
 *    oracle's headroom over static, the prior-aware reference and the paired difference Autopilot −
 *    reference with its interval, capture by stretch of days, spend ÷ static, cap violations; written
 *    with a per-day capture chart (SVG) and the per-run JSON to --out (default bench/out).
 * Options: --seeds 20  --first-seed 1  --days 30  --scenarios all|name,name  --accounts 1000  --out bench/out
 *   --engine '{"keepSets":false}' (engine settings over the defaults, for ablations)
 *   --history-days 0 (days the accounts ran unchanged before the run; every policy sees them)
 *   --ablation all|alone|without (instead of 1–3: the engine's changes measured alone on the first
 *   engine and taken back one at a time from the engine, each paired with the engine as it is)
 * (--first-seed 21 runs seeds 21–40: unseen seeds, to check that a tuned constant holds beyond 1–20)
 */
import { planAccount } from "../src/autopilot/engine/engine.ts";
import { DEFAULT_GUARDRAILS, type AccountSnapshot, type AdSetSnapshot } from "../src/autopilot/engine/types.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ablationVariants, isScenarioName, runAblation, runAutopilotBench, type AblationRun, type BenchResult } from "../src/autopilot/bench/benchmark.ts";
import { ablationTable, captureChartSvg, dayBucketTable, summarize, summaryTable } from "../src/autopilot/bench/summary.ts";
import { simulateDays, toInsightRow } from "../src/simulator/market.ts";
import { rulesPolicy, type Observation } from "../src/simulator/policies.ts";
import { SCENARIO_NAMES, type ScenarioName } from "../src/simulator/scenarios.ts";
import { generateWorld } from "../src/simulator/worldBuilder.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SEEDS = Number(args.get("seeds") ?? 20);
const FIRST_SEED = Number(args.get("first-seed") ?? 1);
const DAYS = Number(args.get("days") ?? 30);
const ACCOUNTS = Number(args.get("accounts") ?? 1000);
const HISTORY_DAYS_BEFORE = Number(args.get("history-days") ?? 0);
const chosen = args.get("scenarios") ?? "all";
/** --out DIR: where the report (markdown), the per-run JSON and the per-day capture chart (SVG) are written. */
const OUT = args.get("out") ?? "bench/out";
/** --engine '{"keepSets":false}': engine settings over the defaults (ablations). */
const ENGINE = args.has("engine") ? (JSON.parse(args.get("engine")!) as Record<string, unknown>) : undefined;
const SCENARIOS: ScenarioName[] = chosen === "all" ? SCENARIO_NAMES : chosen.split(",").filter(isScenarioName);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
const dist = (values: number[], format: (x: number) => string) => {
  const s = [...values].sort((a, b) => a - b);
  return [0, 0.1, 0.5, 0.9, 1].map((q) => format(quantile(s, q))).join(" / ");
};
const pctf = (x: number) => `${(x * 100).toFixed(0)}%`;
const ratio = (x: number) => `${x.toFixed(2)}×`;

// ---- 1. Quality ---- (--seeds 0 skips it)
const mean = (values: number[]) => values.reduce((x, y) => x + y, 0) / Math.max(1, values.length);
/** Autopilot beats rules: more conversions under the same cap (rules rebalance idle budget, so both aim at the same spend). */
const beatsRules = (r: BenchResult) => r.policies.autopilot.conversions > r.policies.rules.conversions;
/** … and at a CPA no higher than theirs (where rules paused their way to less spend, this asks more). */
const dominatesRules = (r: BenchResult) => beatsRules(r) && (r.policies.autopilot.cpa ?? Infinity) <= (r.policies.rules.cpa ?? Infinity);

function runQuality(): void {
  console.log(`Quality: ${SEEDS} seeds × ${DAYS} days per scenario${HISTORY_DAYS_BEFORE > 0 ? `, after ${HISTORY_DAYS_BEFORE} days of history every policy sees` : " from launch"}; distributions are min / p10 / median / mean / p90 / max.`);
  console.log("Every policy runs under the same daily cap (the starting budgets) and the same ±20%/day step; the oracle knows the true rates (see src/autopilot/bench/benchmark.ts).\n");
  console.log("| scenario | capture of oracle gain | oracle acting from day 3 / 5 / 7 (median capture) | capture of step-free oracle (reference) | autopilot ÷ static conversions | autopilot ÷ static spend | oracle ÷ static spend | rules ÷ static spend | beats rules (more conv.) | … at CPA ≤ rules' | more conv. than uncapped rules | cap violations |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: |");
  const all: BenchResult[] = [];
  const started = process.hrtime.bigint();
  for (const scenario of SCENARIOS) {
    const results: BenchResult[] = [];
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) results.push(runAutopilotBench({ seed, days: DAYS, scenario, historyDays: HISTORY_DAYS_BEFORE, ...(ENGINE ? { autopilot: { settings: ENGINE } } : {}) }));
    all.push(...results);
    printRow(scenario, results);
  }
  if (SCENARIOS.length > 1) printRow("**all**", all);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`\n(${seconds.toFixed(0)} s.) Per-seed capture (seeds ${FIRST_SEED}…${FIRST_SEED + SEEDS - 1}):\n`);
  console.log("| scenario | " + Array.from({ length: SEEDS }, (_, i) => String(FIRST_SEED + i)).join(" | ") + " |");
  console.log("| --- |" + " ---: |".repeat(SEEDS));
  for (const scenario of SCENARIOS) {
    const row = all.filter((r) => r.scenario === scenario).map((r) => (r.capture === null ? "—" : pctf(r.capture)) + (beatsRules(r) ? "" : "†"));
    console.log(`| ${scenario} | ${row.join(" | ")} |`);
  }
  console.log("(† = does not beat rules on that seed.)\n");
  expertReport(all);
  const captures = all.map((r) => r.capture ?? 0).sort((a, b) => a - b);
  const median = quantile(captures, 0.5);
  const beats = all.filter(beatsRules).length / all.length;
  const violations = all.reduce((x, r) => x + r.cap_violations, 0);
  console.log("Bars: capture ≥ 85% at equal spend, beats rules on ≥ 90% of seeds, 0 cap violations.");
  console.log(
    `Overall: capture min ${pctf(captures[0]!)}, p10 ${pctf(quantile(captures, 0.1))}, median ${pctf(median)}, mean ${pctf(mean(captures))} (bar 85%: ${median >= 0.85 ? "met" : "NOT met"}); ` +
      `beats rules in ${pctf(beats)} of runs (bar 90%: ${beats >= 0.9 ? "met" : "NOT met"}); ${violations} cap violation(s) (bar 0: ${violations === 0 ? "met" : "NOT met"}).`,
  );
}

/** The expert's tables (mean, median, p10, bootstrap intervals, paired difference, per-day capture), also written to --out with the chart. */
function expertReport(all: BenchResult[]): void {
  const regime = HISTORY_DAYS_BEFORE > 0 ? `after ${HISTORY_DAYS_BEFORE} days of history` : "from launch";
  const groups: { label: string; results: BenchResult[] }[] = SCENARIOS.map((scenario) => ({ label: scenario, results: all.filter((r) => r.scenario === scenario) }));
  if (SCENARIOS.length > 1) groups.push({ label: "**all**", results: all });
  const summaries = groups.map((g) => summarize(g.label, g.results));
  const overall = summaries.at(-1)!;
  const bars =
    HISTORY_DAYS_BEFORE > 0
      ? [
          `mean capture ${(overall.capture.mean * 100).toFixed(1)}% (bar ≥ 85%: ${overall.capture.mean >= 0.85 ? "met" : "NOT met"})`,
          `p10 ${(overall.capture.p10 * 100).toFixed(1)}% (bar ≥ 65%: ${overall.capture.p10 >= 0.65 ? "met" : "NOT met"})`,
          `beats rules on ${(overall.beatsRules * 100).toFixed(0)}% of runs (bar ≥ 90%: ${overall.beatsRules >= 0.9 ? "met" : "NOT met"})`,
          `spend ${overall.spendRatio.mean.toFixed(3)}× static (bar 0.98–1.02: ${overall.spendRatio.mean >= 0.98 && overall.spendRatio.mean <= 1.02 ? "met" : "NOT met"})`,
          `${overall.capViolations} cap violation(s) (bar 0: ${overall.capViolations === 0 ? "met" : "NOT met"})`,
        ]
      : [
          `mean capture ${(overall.capture.mean * 100).toFixed(1)}% (bar ≥ 72%: ${overall.capture.mean >= 0.72 ? "met" : "NOT met"})`,
          `median ${(overall.capture.median * 100).toFixed(1)}% (bar ≥ 75%: ${overall.capture.median >= 0.75 ? "met" : "NOT met"})`,
          `Autopilot − reference ${(overall.paired.mean * 100).toFixed(1)} pts [${(overall.paired.ci[0] * 100).toFixed(1)}, ${(overall.paired.ci[1] * 100).toFixed(1)}] (bar ≥ −3: ${overall.paired.mean >= -0.03 ? "met" : "NOT met"})`,
        ];
  const report = [
    `# Autopilot benchmark: seeds ${FIRST_SEED}–${FIRST_SEED + SEEDS - 1} × ${DAYS} days, ${regime}`,
    "",
    "Capture = (policy − static) ÷ (oracle − static) in expected conversions. The oracle sees outages and disapprovals a day late and may keep several ads per ad set; the platform splits an ad set's spend by its own estimates from delivered data.",
    "",
    summaryTable(summaries),
    "",
    "Capture by stretch of days (pooled over runs):",
    "",
    dayBucketTable(groups),
    "",
    `Bars: ${bars.join("; ")}.`,
    "",
    "![per-day capture](capture.svg)",
    "",
  ].join("\n");
  console.log(`\n${report}`);
  const dir = join(OUT, `autopilot-h${HISTORY_DAYS_BEFORE}-s${FIRST_SEED}-${FIRST_SEED + SEEDS - 1}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "report.md"), report);
  writeFileSync(join(dir, "capture.svg"), captureChartSvg(all, `Per-day capture, ${regime} (seeds ${FIRST_SEED}–${FIRST_SEED + SEEDS - 1}, all scenarios)`));
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(all)}\n`);
  console.log(`(Report, chart and per-run JSON written to ${dir}.)`);
}

/** Median capture of the oracle that starts acting on each of the learning-cost days. */
function learningCost(results: BenchResult[]): string {
  const days = results[0]?.reference.learning_cost.map((l) => l.from_day) ?? [];
  return days
    .map((day) => pctf(quantile(results.map((r) => r.reference.learning_cost.find((l) => l.from_day === day)?.capture ?? 0).sort((a, b) => a - b), 0.5)))
    .join(" / ");
}

function printRow(label: string, results: BenchResult[]): void {
  const p = (r: BenchResult) => r.policies;
  const d = (values: number[], format: (x: number) => string) => {
    const s = [...values].sort((a, b) => a - b);
    return [0, 0.1, 0.5].map((q) => format(quantile(s, q))).concat(format(mean(s)), format(quantile(s, 0.9)), format(quantile(s, 1))).join(" / ");
  };
  const moreThanUncapped = results.filter((r) => p(r).autopilot.conversions > r.reference.rules_uncapped.conversions).length;
  console.log(
    `| ${label} | ${d(results.map((r) => r.capture ?? 0), pctf)} | ${learningCost(results)} | ${d(results.map((r) => r.reference.capture_of_unstepped ?? 0), pctf)} | ${dist(results.map((r) => p(r).autopilot.conversions / Math.max(1, p(r).static.conversions)), ratio)} | ${dist(results.map((r) => p(r).autopilot.spend / p(r).static.spend), (x) => x.toFixed(3))} | ${dist(results.map((r) => p(r).oracle.spend / p(r).static.spend), (x) => x.toFixed(3))} | ${dist(results.map((r) => p(r).rules.spend / p(r).static.spend), (x) => x.toFixed(3))} | ${results.filter(beatsRules).length}/${results.length} | ${results.filter(dominatesRules).length}/${results.length} | ${moreThanUncapped}/${results.length} | ${results.reduce((x, r) => x + r.cap_violations, 0)} |`,
  );
}

/** --ablation: which rows (all; only the engine, each change taken back, and none; or each change alone). */
const ABLATION = args.get("ablation");

function runAblations(which: string): void {
  const variants = ablationVariants().filter((v, i) => i === 0 || which === "all" || (which === "alone" ? v.name.startsWith("only:") || v.name.startsWith("none") : !v.name.startsWith("only:")));
  const regime = HISTORY_DAYS_BEFORE > 0 ? `after ${HISTORY_DAYS_BEFORE} days of history` : "from launch";
  console.log(`Ablation: ${variants.length} engines × ${SEEDS} seeds × ${SCENARIOS.length} scenarios × ${DAYS} days, ${regime}; static and the oracle are shared by all.`);
  const runs: AblationRun[] = [];
  const started = Date.now();
  for (const scenario of SCENARIOS)
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      runs.push(runAblation({ seed, days: DAYS, scenario, historyDays: HISTORY_DAYS_BEFORE }, variants));
      process.stderr.write(`\r${runs.length}/${SCENARIOS.length * SEEDS} runs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  process.stderr.write("\n");
  const names = variants.map((v) => v.name);
  const report = [`# Autopilot engine ablation: seeds ${FIRST_SEED}–${FIRST_SEED + SEEDS - 1} × ${DAYS} days, ${regime}`, "", ablationTable(runs, names), ""];
  for (const scenario of SCENARIOS) report.push(`**${scenario}**`, "", ablationTable(runs.filter((r) => r.scenario === scenario), names), "");
  console.log(report.join("\n"));
  const dir = join(OUT, `ablation-h${HISTORY_DAYS_BEFORE}-s${FIRST_SEED}-${FIRST_SEED + SEEDS - 1}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ablation.md"), report.join("\n"));
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(runs)}\n`);
  console.log(`(Ablation and per-run JSON written to ${dir}.)`);
}

if (ABLATION !== undefined) {
  runAblations(ABLATION === "" ? "all" : ABLATION);
  process.exit(0);
}
if (SEEDS > 0) runQuality();

// ---- 2. Speed ----
const TEMPLATES = 10;
const world = generateWorld(
  { startDate: "2026-03-02", accounts: TEMPLATES, campaignsPerAccount: 5, adSetsPerCampaign: 10, adsPerAdSet: 3, dailyBudgetMinor: [2000, 40_000], disapprovalDailyHazard: 0.001 },
  7,
);
const HISTORY_DAYS = 28;
const simulated = simulateDays(world, HISTORY_DAYS).days;
const asOf = HISTORY_DAYS - 1;
const accountOfCampaign = new Map(world.campaigns.map((c) => [c.id, c.accountId]));
const adSetOfAd = new Map(world.ads.map((a) => [a.id, a.adSetId]));
const templates = world.accounts.map((account) => {
  const adSets = world.adSets.filter((s) => accountOfCampaign.get(s.campaignId) === account.id);
  const setIds = new Set(adSets.map((s) => s.id));
  const ads = world.ads.filter((a) => setIds.has(a.adSetId));
  const rows = simulated.flatMap((day) => day.ads.filter((d) => d.accountId === account.id).map((d) => ({ row: toInsightRow(d, asOf), dayIndex: day.dayIndex })));
  const snapshot: AccountSnapshot = {
    accountId: account.id,
    currency: "USD",
    clock: { now: Date.parse("2026-03-29T23:00:00Z"), today: "2026-03-29", hour: 23 },
    campaigns: [...new Set(adSets.map((s) => s.campaignId))].map((id) => ({ id, name: id, status: "ACTIVE" })),
    adSets: adSets.map((s): AdSetSnapshot => ({ id: s.id, campaignId: s.campaignId, name: s.id, status: "ACTIVE", budget: { kind: "daily", amountMinor: s.budget.amountMinor } })),
    ads: ads.map((a) => ({ id: a.id, adSetId: a.adSetId, name: a.id, status: "ACTIVE", reviewStatus: "APPROVED" })),
    insights: rows.map(({ row }) => ({ adId: row.ad_id, date: row.date, impressions: row.impressions, reach: row.reach, clicks: row.link_clicks ?? row.clicks, spendMinor: row.spend, conversions: row.conversions, revenueMinor: row.revenue })),
    guardrails: { ...DEFAULT_GUARDRAILS, mode: "autopilot", targetCpaMinor: 3000, dailyBudgetCapMinor: adSets.reduce((x, s) => x + s.budget.amountMinor, 0), monthlyBudgetCapMinor: 50_000_000 },
    capabilities: { actions: ["change_budget", "pause", "unpause", "notify"], objectIds: [account.id] },
    history: [],
  };
  const observation: Observation = {
    dayIndex: asOf,
    targetCpaMinor: 3000,
    adSets: adSets.map((s) => ({ id: s.id, campaignId: s.campaignId, accountId: account.id, status: s.status, budget: { ...s.budget } })),
    ads: ads.map((a) => ({ id: a.id, adSetId: a.adSetId, status: a.status, reviewStatus: "APPROVED" })),
    rows: rows.map(({ row, dayIndex }) => ({ ...row, dayIndex, adSetId: adSetOfAd.get(row.ad_id)! })),
  };
  return { snapshot, observation };
});

/** Wall time and this process's CPU time (a machine busy with other work inflates the first, less the second). */
function timeCycle(label: string, runOne: (k: number) => number): { label: string; seconds: number; cpuSeconds: number; actions: number } {
  let best = Infinity;
  let bestCpu = Infinity;
  let actions = 0;
  for (let r = 0; r < 2; r++) {
    actions = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let k = 0; k < ACCOUNTS; k++) actions += runOne(k);
    const cpu = process.cpuUsage(c0);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  return { label, seconds: best, cpuSeconds: bestCpu, actions };
}

const insightRows = templates[0]!.snapshot.insights.length;
const engine = timeCycle("autopilot engine (planAccount)", (k) => {
  const t = templates[k % TEMPLATES]!.snapshot;
  return planAccount({ ...t, accountId: `${t.accountId}_${k}`, capabilities: { ...t.capabilities, objectIds: [`${t.accountId}_${k}`] } }).actions.length;
});
const rules = rulesPolicy();
const baseline = timeCycle("rules policy (baseline)", (k) => rules.decide(templates[k % TEMPLATES]!.observation).length);
console.log(`\nSpeed: one decision cycle over ${ACCOUNTS.toLocaleString("en-US")} ad accounts × 50 ad sets × 3 ads, ${HISTORY_DAYS} days of insights (~${insightRows.toLocaleString("en-US")} rows per account), best of 2.\n`);
console.log("| cycle | accounts | seconds | CPU seconds | accounts/s | actions proposed | vs rules (wall / CPU) |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const m of [engine, baseline])
  console.log(
    `| ${m.label} | ${ACCOUNTS} | ${m.seconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${Math.round(ACCOUNTS / m.seconds).toLocaleString("en-US")} | ${m.actions} | ${(m.seconds / baseline.seconds).toFixed(2)}× / ${(m.cpuSeconds / baseline.cpuSeconds).toFixed(2)}× |`,
  );
console.log(`\nTarget: under 10 s for the engine's cycle (${engine.seconds < 10 ? "met" : "missed"} on wall time, ${engine.cpuSeconds < 10 ? "met" : "missed"} on CPU time).`);
