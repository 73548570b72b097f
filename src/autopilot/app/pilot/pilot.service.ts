import { errors } from "../../../errors.ts";
import { newId } from "../../../ids.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../../graphIds.ts";
import type { AutopilotExecutor } from "../../store/database.ts";
import { addDays } from "../accountTime.ts";
import { actionsOfWorkspaceBetween, latestCompletedScan, listInsights, type ConnectionRow, type InsightRow, type WorkspaceRow } from "../../store/autopilot.repository.ts";
import type { AutopilotDeps } from "../context.ts";
import type { ScannedObjects } from "../scan.service.ts";
import type { PilotTerms } from "../views.ts";
import { guardrailsOf, type WorkspaceService } from "../workspace.service.ts";
import { findPilot, insertPilot, listBaseline, listPilots, lockWorkspaceForPilots, stopPilot, type PilotBaselineRow, type PilotRow } from "../../store/pilot.repository.ts";
import { buildPilotReport, type PilotReport } from "./pilotReport.ts";
import type { DayTotals } from "./pilotStats.ts";
import { pilotStatus, presentPilot, utcDate, type PilotView } from "./pilotView.ts";

export type { PilotTerms, PilotView };


/** Days of scanned history a pilot records as its baseline. */
export const BASELINE_DAYS = 90;
export const PILOT_DAYS = { min: 1, max: 90, default: 30 } as const;

export interface PilotStartInput {
  /** Ad accounts Autopilot runs during the pilot, act_<id> or bare ids. */
  accounts: string[];
  /** Ad accounts it leaves alone meanwhile, as the comparison group. */
  holdout?: string[];
  days: number;
}

/** Daily spend, conversions and revenue of one account from its latest completed scan, by date, with the scan's ad-level rows. */
export async function scannedDays(deps: AutopilotDeps, connection: ConnectionRow): Promise<{ days: DayTotals[]; currency: string | null; until: string | null; rows: InsightRow[] }> {
  const scan = await latestCompletedScan(deps.db, connection.id);
  if (!scan) return { days: [], currency: null, until: null, rows: [] };
  const byDate = new Map<string, DayTotals>();
  const rows = await listInsights(deps.db, scan.id);
  for (const row of rows) {
    const day = byDate.get(row.date) ?? { date: row.date, spend: 0, conversions: 0, revenue: 0 };
    day.spend += row.spend;
    day.conversions += row.conversions;
    day.revenue += row.revenue;
    byDate.set(row.date, day);
  }
  const objects = scan.objects_json ? (JSON.parse(scan.objects_json) as Partial<ScannedObjects>) : {};
  return { days: [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date)), currency: objects.account?.currency ?? null, until: scan.until, rows };
}

/**
 * Bare ids of the accounts held out by the workspace's running pilots: Autopilot plans and acts on
 * none of them until the pilot ends (the monitor only queues their pauses for approval), or the
 * comparison would measure its own changes.
 */
export async function heldOutAccounts(deps: AutopilotDeps, workspaceId: string): Promise<Set<string>> {
  const now = deps.now();
  const running = (await listPilots(deps.db, workspaceId)).filter((p) => pilotStatus(p, now) === "running");
  return new Set(running.flatMap((p) => JSON.parse(p.holdout_json) as string[]));
}

/**
 * Pilots: a fixed set of connected accounts that Autopilot runs for a fixed number of days with the
 * settings in force at the start, measured against the 90-day baseline recorded then, the holdout
 * accounts (connected, left alone meanwhile) and, on the simulator, the same market with no changes.
 */
export class PilotService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async start(workspaceIdOrName: string, input: PilotStartInput): Promise<PilotView> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const now = this.deps.now();
    if (!Number.isInteger(input.days) || input.days < PILOT_DAYS.min || input.days > PILOT_DAYS.max) throw errors.invalidParameter(`days must be a whole number from ${PILOT_DAYS.min} to ${PILOT_DAYS.max}.`);
    await this.refuseWhileRunning(this.deps.db, workspace, now);
    const accounts = await this.connected(workspace, input.accounts, "pilot");
    const holdout = await this.connected(workspace, input.holdout ?? [], "holdout");
    if (accounts.length === 0) throw errors.invalidParameter("A pilot needs at least one ad account.");
    const shared = accounts.find((a) => holdout.some((h) => h.id === a.id));
    if (shared) throw errors.invalidParameter(`act_${shared.ad_account_id} cannot be both a pilot account and a holdout.`);

    const startDate = utcDate(now);
    const since = addDays(startDate, -BASELINE_DAYS);
    const baseline: PilotBaselineRow[] = [];
    const currencies = new Set<string>();
    const id = newId();
    for (const connection of [...accounts, ...holdout]) {
      const { days, currency } = await scannedDays(this.deps, connection);
      const kept = days.filter((d) => d.date >= since && d.date < startDate);
      if (kept.length === 0) throw errors.invalidParameter(`act_${connection.ad_account_id} has no scanned history before today: scan the workspace before starting a pilot.`);
      if (currency) currencies.add(currency);
      baseline.push(...kept.map((d) => ({ pilot_id: id, ad_account_id: connection.ad_account_id, ...d })));
    }
    if (currencies.size > 1) throw errors.invalidParameter(`The pilot's accounts use different currencies (${[...currencies].join(", ")}); their sums would mean nothing.`);
    const market = this.deps.market ? await this.deps.market.checkpoint(accounts.map((a) => a.ad_account_id)) : null;
    const row: PilotRow = {
      id,
      workspace_id: workspace.id,
      status: "running",
      accounts_json: JSON.stringify(accounts.map((a) => a.ad_account_id)),
      holdout_json: JSON.stringify(holdout.map((a) => a.ad_account_id)),
      settings_json: JSON.stringify({ mode: workspace.mode, kill_switch: workspace.killed === 1, guardrails: guardrailsOf(workspace) }),
      start_date: startDate,
      end_date: addDays(startDate, input.days - 1),
      days: input.days,
      currency: [...currencies][0] ?? "USD",
      market_json: market,
      created_at: now,
      stopped_at: null,
    };
    // Checked again under the workspace's lock: of two starts sent at once (a double click), one is refused.
    await this.deps.db.transaction().execute(async (trx) => {
      await lockWorkspaceForPilots(trx, workspace.id);
      await this.refuseWhileRunning(trx, workspace, now);
      await insertPilot(trx, row, baseline);
    });
    return presentPilot(row, workspace, now);
  }

  /** The limits and baseline window of a pilot started now, for the console's form. */
  terms(): PilotTerms {
    const start = utcDate(this.deps.now());
    return {
      min_days: PILOT_DAYS.min,
      max_days: PILOT_DAYS.max,
      default_days: PILOT_DAYS.default,
      start_date: start,
      baseline: { days: BASELINE_DAYS, from: addDays(start, -BASELINE_DAYS), to: addDays(start, -1) },
    };
  }

  /** One pilot at a time per workspace. */
  private async refuseWhileRunning(db: AutopilotExecutor, workspace: WorkspaceRow, now: number): Promise<void> {
    const running = (await listPilots(db, workspace.id)).find((p) => pilotStatus(p, now) === "running");
    if (running) throw errors.invalidParameter(`Pilot ${running.id} is still running in ${workspace.name}; stop it before starting another.`);
  }

  /** The connections of these accounts, each connected and active in the workspace, once. */
  private async connected(workspace: WorkspaceRow, ids: string[], role: string): Promise<ConnectionRow[]> {
    const connections = await this.workspaces.connections(workspace.id);
    const wanted = [...new Set(ids.map((id) => assetIdFromGraph(id.trim())).filter(Boolean))];
    return wanted.map((id) => {
      if (!/^\d+$/.test(id)) throw errors.invalidParameter(`Invalid ${role} account ${id}: must be act_<id>.`);
      const connection = connections.find((c) => c.ad_account_id === id);
      if (!connection) throw errors.invalidParameter(`act_${id} is not connected to ${workspace.name}; connect it before using it as a ${role} account.`);
      if (connection.status !== "active") throw errors.invalidParameter(`act_${id} needs attention; reconnect it before using it as a ${role} account.`);
      return connection;
    });
  }

  async list(workspaceIdOrName: string): Promise<PilotView[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const now = this.deps.now();
    return (await listPilots(this.deps.db, workspace.id)).map((p) => presentPilot(p, workspace, now));
  }

  /** One pilot of the workspace, or its newest when no id is given. */
  async require(workspaceIdOrName: string, pilotId?: string): Promise<{ workspace: WorkspaceRow; pilot: PilotRow }> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const pilot = pilotId ? await findPilot(this.deps.db, workspace.id, pilotId) : (await listPilots(this.deps.db, workspace.id))[0];
    if (!pilot) throw errors.invalidParameter(pilotId ? `${workspace.name} has no pilot ${pilotId}.` : `${workspace.name} has no pilot yet.`);
    return { workspace, pilot };
  }

  async stop(workspaceIdOrName: string, pilotId?: string): Promise<PilotView> {
    const { workspace, pilot } = await this.require(workspaceIdOrName, pilotId);
    const now = this.deps.now();
    if (pilotStatus(pilot, now) !== "running" || !(await stopPilot(this.deps.db, pilot.id, now))) throw errors.invalidParameter(`Pilot ${pilot.id} is not running.`);
    return presentPilot({ ...pilot, status: "stopped", stopped_at: now }, workspace, now);
  }

  /**
   * The before/after report from the latest scans of the pilot's and holdout accounts (scan the
   * workspace first to include the latest days), the baseline recorded at the start, the simulator's
   * no-change replay when there is one, and Autopilot's actions on the pilot accounts meanwhile.
   */
  async report(workspaceIdOrName: string, pilotId?: string): Promise<PilotReport> {
    const { workspace, pilot } = await this.require(workspaceIdOrName, pilotId);
    const now = this.deps.now();
    const view = presentPilot(pilot, workspace, now);
    const accounts = [...(JSON.parse(pilot.accounts_json) as string[]), ...(JSON.parse(pilot.holdout_json) as string[])];
    const connections = await this.workspaces.connections(workspace.id);
    const scanned = new Map<string, DayTotals[]>();
    const insights = new Map<string, InsightRow[]>();
    let scannedUntil: string | null = "9999-12-31";
    for (const account of accounts) {
      const connection = connections.find((c) => c.ad_account_id === account);
      const read = connection ? await scannedDays(this.deps, connection) : { days: [], until: null, rows: [] };
      scanned.set(account, read.days);
      insights.set(account, read.rows);
      scannedUntil = read.until === null || scannedUntil === null ? null : read.until < scannedUntil ? read.until : scannedUntil;
    }
    const baseline = new Map<string, DayTotals[]>();
    for (const row of await listBaseline(this.deps.db, pilot.id)) baseline.set(row.ad_account_id, [...(baseline.get(row.ad_account_id) ?? []), row]);
    const pilotConnections = new Map(connections.filter((c) => view.accounts.includes(adAccountGraphId(c.ad_account_id))).map((c) => [c.id, c.ad_account_id]));
    const until = pilot.stopped_at ?? Date.parse(`${addDays(pilot.end_date, 1)}T00:00:00Z`);
    const actions = (await actionsOfWorkspaceBetween(this.deps.db, workspace.id, pilot.created_at, until)).filter((a) => pilotConnections.has(a.connection_id));
    const counterfactual = pilot.market_json && this.deps.market ? await this.deps.market.replay(pilot.market_json) : null;
    return buildPilotReport({
      pilot: view,
      scanned,
      scannedUntil,
      baseline,
      counterfactual,
      actions,
      accountOfConnection: pilotConnections,
      insights,
      seed: pilot.id,
      today: utcDate(now),
      stoppedOn: pilot.stopped_at === null ? null : utcDate(pilot.stopped_at),
    });
  }

  /** Bare ids of the accounts held out by the workspace's running pilots (see `heldOutAccounts`). */
  async holdouts(workspaceId: string): Promise<Set<string>> {
    return heldOutAccounts(this.deps, workspaceId);
  }
}
