/**
 * `npm run bench:sim`: simulated ad-days per second for 30 days × 1,000 ads (target: under 2 s),
 * against the same model drawing from a stateless keyed-hash generator (a string hash per draw,
 * the common "random(seed, key)" approach) instead of a seeded Mulberry32 stream, in the same run.
 *
 * Options: --days 30  --ads 1000  --runs 5
 */
import { dayRng, simulateDays, type World } from "../src/simulator/market.ts";
import { KeyedHashRng } from "../src/random.ts";
import { generateWorld } from "../src/simulator/worldBuilder.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const DAYS = Number(args.get("days") ?? 30);
const ADS = Number(args.get("ads") ?? 1000);
const RUNS = Number(args.get("runs") ?? 5);

function buildWorld(): World {
  // 10 accounts × 4 campaigns × 5 ad sets × 5 ads = 1,000 ads by default.
  const adSetsTotal = Math.max(1, Math.round(ADS / 5));
  return generateWorld(
    {
      startDate: "2026-03-02",
      accounts: 10,
      campaignsPerAccount: 4,
      adSetsPerCampaign: Math.max(1, Math.round(adSetsTotal / 40)),
      adsPerAdSet: 5,
      dailyBudgetMinor: [3000, 50_000],
      lifetimeShare: 0.2,
      spendCapMinor: 20_000_000,
      disapprovalDailyHazard: 0.002,
      outageDailyHazard: 0.02,
    },
    1,
  );
}

function measure(label: string, run: (world: World) => number): { label: string; seconds: number; adDays: number } {
  let best = Infinity;
  let adDays = 0;
  for (let r = 0; r < RUNS; r++) {
    const world = buildWorld();
    const started = process.hrtime.bigint();
    adDays = run(world);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { label, seconds: best, adDays };
}

const count = (days: ReturnType<typeof simulateDays>["days"]) => days.reduce((a, d) => a + d.ads.length, 0);

const fast = measure("seeded streams (Mulberry32)", (world) => count(simulateDays(world, DAYS, (d) => dayRng(world, d)).days));
const naive = measure("keyed hash per draw", (world) => count(simulateDays(world, DAYS, (d) => new KeyedHashRng(`${world.seed}:day:${d}`)).days));

const world = buildWorld();
const rows = [fast, naive].map((m) => `| ${m.label} | ${world.ads.length} | ${DAYS} | ${m.adDays} | ${m.seconds.toFixed(3)} | ${Math.round(m.adDays / m.seconds).toLocaleString("en-US")} |`);
console.log(`Best of ${RUNS} runs, ${world.ads.length} ads × ${DAYS} days (ad-days counts ads that delivered).\n`);
console.log("| generator | ads | days | ad-days | seconds | ad-days/s |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);
console.log(`\nSpeed-up over the keyed-hash baseline: ${(naive.seconds / fast.seconds).toFixed(2)}×; target for ${world.ads.length} × ${DAYS}: under 2 s (${fast.seconds < 2 ? "met" : "missed"}).`);
