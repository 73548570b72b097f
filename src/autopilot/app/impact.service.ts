import { errors } from "../../errors.ts";
import type { ImpactForecast, Interval, ForecastTotals, PlannedEdit } from "../../impactForecast.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../graphIds.ts";
import type { ActionService } from "./action.service.ts";
import { exactMoney } from "./actionLog.ts";
import type { ConnectionRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import type { PlannerPlan } from "./planner.ts";
import type { WorkspaceService } from "./workspace.service.ts";


export const DEFAULT_SIMULATION = { days: 7, runs: 30 } as const;

/** An interval in the account's major units (money) or as counts, rounded for reading. */
export interface ShownInterval {
  mean: number;
  low: number;
  high: number;
}

export interface ShownTotals {
  spend: ShownInterval;
  conversions: ShownInterval;
  revenue: ShownInterval;
  cpa: ShownInterval | null;
  roas: ShownInterval | null;
}

export interface ImpactReport {
  connection: string;
  ad_account_id: string;
  currency: string;
  from: string;
  to: string;
  days: number;
  runs: number;
  /** The plan previewed: the current recommendations, nothing queued or written. */
  plan: { text: string; expected_effect: string }[];
  notes: string[];
  baseline: ShownTotals;
  with_plan: ShownTotals;
  /** With the plan minus without it, run by run; intervals are 80% (10th to 90th percentile). */
  delta: ShownTotals;
  probability_more_conversions: number;
  summary: string;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const scaled = (i: Interval, by: number, digits: number): ShownInterval => ({ mean: round(i.mean / by, digits), low: round(i.low / by, digits), high: round(i.high / by, digits) });

function shown(t: ForecastTotals): ShownTotals {
  return {
    spend: scaled(t.spend, 100, 2),
    conversions: scaled(t.conversions, 1, 1),
    revenue: scaled(t.revenue, 100, 2),
    cpa: t.cpa ? scaled(t.cpa, 100, 2) : null,
    roas: t.roas ? scaled(t.roas, 1, 3) : null,
  };
}

const signed = (n: number, digits = 1) => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(digits)}`;
const signedMoney = (minor: number, currency: string) => `${minor >= 0 ? "+" : "−"}${exactMoney(Math.abs(Math.round(minor)), currency)}`;

/**
 * "Simulate impact": the current recommendations for each connected account, run forward on a
 * fork of the simulator's market for N days against doing nothing, with the expected spend,
 * conversions, CPA and ROAS and their uncertainty. Nothing is queued, written or advanced.
 */
export class ImpactService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
    private readonly actions: ActionService,
  ) {}

  async simulate(workspaceIdOrName: string, options: { days?: number; runs?: number; account?: string } = {}): Promise<ImpactReport[]> {
    const simulator = this.deps.simulator;
    if (!simulator) throw errors.invalidParameter("Simulating impact needs the hub's simulator; this Autopilot has none (it may be pointed at another Graph).");
    const planner = this.deps.planner;
    if (!planner) throw errors.invalidParameter("No decision engine is installed, so there is no plan to simulate.");
    const days = options.days ?? DEFAULT_SIMULATION.days;
    const runs = options.runs ?? DEFAULT_SIMULATION.runs;
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const account = options.account && assetIdFromGraph(options.account);
    const connections = (await this.workspaces.connections(workspace.id)).filter((c) => account === undefined || c.ad_account_id === account);
    if (connections.length === 0) throw errors.invalidParameter(account ? `act_${account} is not connected to this workspace.` : "No ad account is connected to this workspace.");
    const out: ImpactReport[] = [];
    for (const connection of connections) {
      const snapshot = { ...(await this.actions.currentSnapshot(workspace, connection, this.deps.now())), mode: "dry_run" as const };
      const plan = await planner(snapshot);
      const forecast = await simulator({ accountId: connection.ad_account_id, edits: editsOf(plan), days, runs });
      out.push(present(connection, snapshot.currency, plan, forecast));
    }
    return out;
  }
}

function editsOf(plan: PlannerPlan): PlannedEdit[] {
  return plan.items.map((i) => ({ objectId: i.change.objectId, field: i.change.field, value: i.change.field === "daily_budget" ? Number(i.change.new) : i.change.new }));
}

function present(connection: ConnectionRow, currency: string, plan: PlannerPlan, f: ImpactForecast): ImpactReport {
  const notes = [...plan.notes];
  if (f.unknown_objects.length > 0) notes.push(`Not simulated (not in the simulator's market): ${f.unknown_objects.join(", ")}.`);
  const d = f.delta;
  const cpa = d.cpa ? `, CPA ${signedMoney(d.cpa.mean, currency)}` : "";
  const roas = d.roas ? `, ROAS ${signed(d.roas.mean, 2)}` : "";
  const summary =
    plan.items.length === 0
      ? `No changes recommended: over ${f.days} days the account is expected to spend ${exactMoney(Math.round(f.baseline.spend.mean), currency)} for ${f.baseline.conversions.mean.toFixed(1)} conversions.`
      : `Over ${f.days} days (${f.from} to ${f.to}), the plan's ${plan.items.length} change${plan.items.length === 1 ? "" : "s"} would bring ${signed(d.conversions.mean)} conversions ` +
        `(80%: ${signed(d.conversions.low)} to ${signed(d.conversions.high)}) for ${signedMoney(d.spend.mean, currency)} spend${cpa}${roas} against doing nothing; ` +
        `more conversions in ${Math.round(f.probability_more_conversions * 100)}% of ${f.runs} simulated runs.`;
  return {
    connection: connection.id,
    ad_account_id: adAccountGraphId(connection.ad_account_id),
    currency,
    from: f.from,
    to: f.to,
    days: f.days,
    runs: f.runs,
    plan: plan.items.map((i) => ({ text: `${i.change.objectName}: ${i.change.field} ${i.change.old} → ${i.change.new} (${i.reason})`, expected_effect: i.expectedEffect })),
    notes,
    baseline: shown(f.baseline),
    with_plan: shown(f.plan),
    delta: shown(f.delta),
    probability_more_conversions: round(f.probability_more_conversions, 3),
    summary,
  };
}
