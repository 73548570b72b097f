import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planAccount } from "../../src/autopilot/engine/engine.ts";
import type { ActionRecord, AccountSnapshot } from "../../src/autopilot/engine/types.ts";
import type { EngineSettings } from "../../src/autopilot/engine/settings.ts";
import { hashSeed, seededRng } from "../../src/random.ts";
import { buildSnapshot, dateBefore, type AdSetSpec } from "./snapshots.ts";

/**
 * Held plans: the engine's plans for a fixed set of generated accounts, as they were when the
 * fixture was recorded, byte for byte. The accounts vary what the engine's rules turn on: caps above
 * and below the budgets, CPA and ROAS targets, modes, keep-sets on and off, learning ad sets, new
 * creatives, landing pages down and up again, and pauses by the engine and by people. It holds the
 * engine still while its code is reorganised, as `test/graph/heldAnswers.test.ts` holds the wire.
 *
 * `GRANTLINE_RECORD_HELD_PLANS=1 npx vitest run test/autopilot/heldPlans.test.ts` records the
 * fixture again; a new recording is a change of what Autopilot proposes, and its commit says why.
 */

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "held-plans.json");
const RECORDING = process.env.GRANTLINE_RECORD_HELD_PLANS === "1";
const ACCOUNTS = 60;
const HOUR_MS = 3_600_000;

/** Account `n` of the held set, drawn from its own seed. */
function heldAccount(n: number): { snapshot: AccountSnapshot; settings: Partial<EngineSettings> } {
  const rng = seededRng(hashSeed("held-plans", n));
  const pick = (below: number) => Math.floor(rng.uniform() * below);
  const sets: AdSetSpec[] = Array.from({ length: 1 + pick(5) }, (_, s) => ({
    id: `s${s}`,
    budget: 1000 + pick(20_000),
    ads: Array.from({ length: 1 + pick(4) }, (_, a) => ({
      id: `s${s}a${a}`,
      status: rng.uniform() < 0.85 ? ("ACTIVE" as const) : ("PAUSED" as const),
      rate: rng.uniform() < 0.1 ? 0 : rng.uniform() * 0.004,
      dailySpend: rng.uniform() < 0.1 ? 0 : pick(9000),
      ctr: rng.uniform() < 0.5 ? 0.005 + rng.uniform() * 0.03 : (age: number) => 0.02 - age * 0.0005,
    })),
  }));
  const total = sets.reduce((sum, s) => sum + s.budget, 0);
  const guardrails: Record<string, unknown> = {};
  const caps = rng.uniform();
  if (caps < 0.2) guardrails.dailyBudgetCapMinor = Math.floor(total * (0.6 + rng.uniform() * 0.3));
  else if (caps < 0.4) guardrails.dailyBudgetCapMinor = Math.floor(total * (1.1 + rng.uniform()));
  if (rng.uniform() < 0.3) Object.assign(guardrails, { targetCpaMinor: null, targetRoas: 1 + rng.uniform() * 3 });
  else guardrails.targetCpaMinor = 800 + pick(6000);
  if (rng.uniform() < 0.2) guardrails.mode = "semi_auto";
  const snapshot = buildSnapshot(sets, guardrails, 3 + pick(40));
  for (const s of snapshot.adSets) if (rng.uniform() < 0.4) s.createdDate = dateBefore(pick(40));
  for (const a of snapshot.ads) if (rng.uniform() < 0.4) a.createdDate = dateBefore(pick(30));
  for (const a of snapshot.ads) if (rng.uniform() < 0.15) a.linkCheck = { down: rng.uniform() < 0.5, downDates: [dateBefore(pick(5))] };
  const history: ActionRecord[] = [];
  const first = snapshot.adSets[0]!;
  if (rng.uniform() < 0.2) {
    const amount = first.budget.kind === "daily" ? first.budget.amountMinor : 0;
    history.push({ objectId: first.id, kind: "change_budget", field: "daily_budget", at: snapshot.clock.now - pick(48) * HOUR_MS, oldValue: amount, newValue: amount, by: rng.uniform() < 0.5 ? "autopilot" : "person" });
  }
  for (const a of snapshot.ads) {
    if (a.status !== "PAUSED" || rng.uniform() < 0.3) continue;
    const hours = pick(200);
    history.push({ objectId: a.id, kind: "pause", field: "status", at: snapshot.clock.now - hours * HOUR_MS, oldValue: "ACTIVE", newValue: "PAUSED", by: rng.uniform() < 0.8 ? "autopilot" : "person" });
    if (rng.uniform() < 0.3) a.linkCheck = { down: false, downDates: [dateBefore(Math.floor(hours / 24))] };
  }
  snapshot.history = history;
  const settings = rng.uniform() < 0.3 ? { keepSets: false } : rng.uniform() < 0.5 ? { graduationHorizonDays: 0 } : {};
  return { snapshot, settings };
}

describe("held plans", () => {
  it("plans every held account as it was recorded, and the set still covers each of the engine's rules", () => {
    const plans = Array.from({ length: ACCOUNTS }, (_, n) => {
      const { snapshot, settings } = heldAccount(n);
      return JSON.stringify({ account: n, plan: planAccount(snapshot, { settings }) });
    });
    if (RECORDING) {
      fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
      fs.writeFileSync(FIXTURE, `${plans.join("\n")}\n`);
      return;
    }
    const held = fs.readFileSync(FIXTURE, "utf8").trimEnd().split("\n");
    expect(plans.length).toBe(held.length);
    const changed = plans.map((plan, n) => (plan === held[n] ? null : n)).filter((n) => n !== null);
    if (changed.length > 0) {
      const n = changed[0]!;
      const at = [...plans[n]!].findIndex((c, i) => c !== held[n]![i]);
      expect.fail(`${changed.length} of ${ACCOUNTS} held plans changed (accounts ${changed.slice(0, 10).join(", ")}${changed.length > 10 ? ", …" : ""}); account ${n} first differs at character ${at}:\nheld: …${held[n]!.slice(Math.max(0, at - 80), at + 160)}\nnow:  …${plans[n]!.slice(Math.max(0, at - 80), at + 160)}`);
    }
    // A set that no longer exercises a rule would hold nothing about it.
    const rules = new Set(plans.flatMap((p) => (JSON.parse(p) as { plan: { actions: { rule: string }[] } }).plan.actions.map((a) => a.rule)));
    expect([...rules].sort()).toEqual(expect.arrayContaining(["broken_link", "cap_trim", "pause_loser", "pause_over_target", "reallocate", "revive", "scale_winner"]));
  });
});
