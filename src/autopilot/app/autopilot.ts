import { SecretBox } from "../../crypto/secretBox.ts";
import { OutboundHttp } from "../../net/outbound.ts";
import { errors } from "../../errors.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import type { AutopilotDb } from "../store/database.ts";
import { AuditService, type AccountAudit } from "./audit/audit.service.ts";
import { LaunchService } from "./launch/launch.service.ts";
import { ActionService, type ExecutionResult } from "./action.service.ts";
import { ConnectService } from "./connect.service.ts";
import { PerformanceService } from "./performance.service.ts";
import { presentAction, type LogEntry } from "./actionLog.ts";
import { logOnlySink, type AlertSink } from "./alerts.ts";
import type { ConnectionRow, WorkspaceRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { hasCaps } from "./guardrails.ts";
import type { PlannerPlan, Planner } from "./planner.ts";
import { enginePlanner } from "./engineAdapter.ts";
import type { ImpactSimulator, MarketReplay } from "./context.ts";
import { PilotService } from "./pilot/pilot.service.ts";
import { ImpactService } from "./impact.service.ts";
import { CreativeService } from "./creatives.service.ts";
import { MonitorService } from "./monitor.service.ts";
import { ScanService, type WorkspaceScanProgress, type WorkspaceScanResult } from "./scan.service.ts";
import { TextCommandService } from "./textCommand.service.ts";
import { buildSnapshot } from "./snapshot.ts";
import { guardrailsOf, WorkspaceService } from "./workspace.service.ts";

export interface AutopilotOptions {
  db: AutopilotDb;
  now?: () => number;
  /** Key sealing connection tokens (the hub's GRANTLINE_SECRET_KEY or data-folder key). */
  secretKey: Buffer | (() => Buffer);
  alerts?: AlertSink;
  planner?: Planner;
  graphTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  urlCheck?: AutopilotDeps["urlCheck"];
  simulator?: ImpactSimulator;
  /** The simulated market's replay, for pilots' no-change counterfactual. */
  market?: MarketReplay;
  /**
   * How Autopilot calls the Graph, the OAuth server and ads' landing pages; default: internal
   * addresses refused and nothing trusted (openAutopilot trusts the hub's own URL and the simulator's shops).
   */
  http?: OutboundHttp;
}

export interface PlanReport {
  connection: string;
  ad_account_id: string;
  notes: string[];
  proposed: LogEntry[];
  /** Proposals already made earlier today (same change): not proposed twice. */
  duplicates: number;
}

export interface RunReport {
  workspace: string;
  resolved: ExecutionResult[];
  executed: ExecutionResult[];
  notes: string[];
}

/** Progress of `scanAndPlan`: each account's scan, then planning on the scans. */
export type ScanAndPlanProgress = WorkspaceScanProgress | { phase: "planning"; account: number; accounts: number; fraction: number };

export interface ScanAndPlanReport extends WorkspaceScanResult {
  /** The account audit of every account just scanned. */
  audits: AccountAudit[];
  plans: PlanReport[];
  notes: string[];
}

/** Autopilot, the partner app: its services over its own tables, talking to ad accounts only through the Graph. */
export class Autopilot {
  readonly deps: AutopilotDeps;
  readonly workspaces: WorkspaceService;
  readonly scans: ScanService;
  readonly actions: ActionService;
  readonly monitors: MonitorService;
  readonly commands: TextCommandService;
  readonly connect: ConnectService;
  readonly performance: PerformanceService;
  readonly impact: ImpactService;
  readonly creatives: CreativeService;
  readonly audits: AuditService;
  readonly launches: LaunchService;
  readonly pilots: PilotService;
  /** Workspaces with a `scanAndPlan` running in this process. */
  private readonly scanning = new Set<string>();

  constructor(options: AutopilotOptions) {
    let box: SecretBox | undefined;
    const key = options.secretKey;
    this.deps = {
      db: options.db,
      now: options.now ?? Date.now,
      secretBox: () => (box ??= new SecretBox(typeof key === "function" ? key() : key)),
      alerts: options.alerts ?? logOnlySink,
      planner: options.planner ?? enginePlanner,
      graphTimeoutMs: options.graphTimeoutMs,
      sleep: options.sleep,
      urlCheck: options.urlCheck,
      simulator: options.simulator,
      market: options.market,
      http: options.http ?? new OutboundHttp(),
    };
    this.workspaces = new WorkspaceService(this.deps);
    this.scans = new ScanService(this.deps, this.workspaces);
    this.actions = new ActionService(this.deps, this.workspaces);
    this.monitors = new MonitorService(this.deps, this.workspaces, this.actions);
    this.commands = new TextCommandService(this.workspaces, this.actions, this.deps.now);
    this.connect = new ConnectService(this.deps, this.workspaces);
    this.performance = new PerformanceService(this.deps, this.workspaces);
    this.impact = new ImpactService(this.deps, this.workspaces, this.actions);
    this.creatives = new CreativeService(this.deps, this.workspaces, this.actions);
    this.audits = new AuditService(this.deps, this.workspaces);
    this.launches = new LaunchService(this.deps, this.workspaces);
    this.pilots = new PilotService(this.deps, this.workspaces);
  }

  private planner(): Planner {
    if (!this.deps.planner) throw errors.invalidParameter("No decision engine is installed, so Autopilot cannot plan; text commands and monitors still work.");
    return this.deps.planner;
  }

  /** Asks the engine for a plan on one connection's latest scan and queues its items for approval. */
  async planConnection(workspace: WorkspaceRow, connection: ConnectionRow): Promise<PlanReport & { plan: PlannerPlan; deferred: LogEntry[] }> {
    const now = this.deps.now();
    const idle = (note: string) => ({ connection: connection.id, ad_account_id: adAccountGraphId(connection.ad_account_id), notes: [note], proposed: [], duplicates: 0, plan: { items: [], notes: [], execution: "none" as const }, deferred: [] });
    // A pilot's holdout is its comparison group: whatever Autopilot changed there would be measured as the market.
    if ((await this.pilots.holdouts(workspace.id)).has(connection.ad_account_id)) return idle(`act_${connection.ad_account_id} is a pilot's holdout: nothing is planned on it until the pilot ends.`);
    const snapshot = await this.actions.currentSnapshot(workspace, connection, now);
    if (snapshot.killSwitch) return idle("The kill switch is on: nothing is planned.");
    const plan = await this.planner()(snapshot);
    const proposed: LogEntry[] = [];
    // This plan's changes proposed earlier today while the owner's guardrails allowed no change: they waited for now.
    const deferred: LogEntry[] = [];
    let duplicates = 0;
    for (const item of plan.items) {
      const { row, duplicate } = await this.actions.propose(workspace, connection, snapshot, item, { source: "planner" });
      if (!duplicate) {
        await this.actions.supersedeDeferred(workspace, row);
        proposed.push(presentAction(row));
      } else {
        duplicates++;
        const entry = presentAction(row);
        if (row.state === "pending_approval" && entry.evidence.deferred_until !== undefined) deferred.push(entry);
      }
    }
    return { connection: connection.id, ad_account_id: adAccountGraphId(connection.ad_account_id), notes: plan.notes, proposed, duplicates, plan, deferred };
  }

  async plan(workspaceIdOrName: string): Promise<PlanReport[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const out: PlanReport[] = [];
    for (const connection of await this.workspaces.connections(workspace.id)) {
      if (connection.status !== "active") continue;
      const { plan: _plan, deferred: _deferred, ...report } = await this.planConnection(workspace, connection);
      out.push(report);
    }
    return out;
  }

  /**
   * A fresh look at the workspace: every active account scanned, then (unless `plan` is false) a
   * plan queued for approval as `plan` does, with progress as it goes. One runs at a time per
   * workspace in this process; a second is refused until the first ends. Without a decision engine
   * the scans are kept and the answer says nothing was planned.
   */
  async scanAndPlan(workspaceIdOrName: string, options: { days?: number; plan?: boolean; onProgress?: (p: ScanAndPlanProgress) => void } = {}): Promise<ScanAndPlanReport> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    if (this.scanning.has(workspace.id)) throw errors.autopilotScanRunning(workspace.name);
    this.scanning.add(workspace.id);
    try {
      const scanned = await this.scans.scanWorkspace(workspace, options);
      const notes = scanned.skipped.map((s) => `${s.ad_account_id} ${s.reason}; not scanned.`);
      // Every full scan ends with the account audit, on exactly what it read.
      const audits: AccountAudit[] = [];
      for (const scan of scanned.scans) audits.push(await this.audits.auditConnection(workspace, await this.workspaces.connection(scan.connection_id)));
      if (options.plan === false) return { ...scanned, audits, plans: [], notes };
      if (!this.deps.planner) return { ...scanned, audits, plans: [], notes: [...notes, "No decision engine is installed, so nothing was planned."] };
      options.onProgress?.({ phase: "planning", account: scanned.scans.length, accounts: scanned.scans.length, fraction: 1 });
      return { ...scanned, audits, plans: await this.plan(workspace.id), notes };
    } finally {
      this.scanning.delete(workspace.id);
    }
  }

  /**
   * "Simulate impact": the plan on the latest scan, each item checked against the guardrails, with
   * the summed expected effect, and nothing written or queued.
   */
  async dryRun(workspaceIdOrName: string): Promise<{ connection: string; notes: string[]; items: { text: string; expected_effect: string; evidence: Record<string, unknown> }[]; budget_before: number; budget_after: number }[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const out = [];
    for (const connection of await this.workspaces.connections(workspace.id)) {
      const now = this.deps.now();
      const snapshot = { ...(await this.actions.currentSnapshot(workspace, connection, now)), mode: "dry_run" as const };
      const plan = await this.planner()(snapshot);
      const budgets = new Map(snapshot.adSets.filter((s) => s.status === "ACTIVE").map((s) => [s.id, s.dailyBudget ?? 0]));
      const before = [...budgets.values()].reduce((a, b) => a + b, 0);
      for (const item of plan.items) {
        if (item.change.field === "daily_budget") budgets.set(item.change.objectId, Number(item.change.new));
        if (item.kind === "pause_adset") budgets.delete(item.change.objectId);
      }
      out.push({
        connection: connection.id,
        notes: plan.notes,
        items: plan.items.map((i) => ({ text: `${i.change.objectName}: ${i.change.field} ${i.change.old} → ${i.change.new} (${i.reason})`, expected_effect: i.expectedEffect, evidence: i.evidence })),
        budget_before: before,
        budget_after: [...budgets.values()].reduce((a, b) => a + b, 0),
      });
    }
    return out;
  }

  /**
   * One autopilot cycle: resolve UNKNOWN writes by reading back, plan, and apply what the guardrails
   * allow. Refuses in semi-auto mode, with the kill switch on, or with no cap set.
   */
  async run(workspaceIdOrName: string): Promise<RunReport> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    if (workspace.killed === 1) throw errors.invalidParameter("The kill switch is on: Autopilot takes no action until it is turned off.");
    if (workspace.mode !== "autopilot") throw errors.invalidParameter("The workspace is in semi-auto mode: use `plan` and approve items, or switch to autopilot mode.");
    if (!hasCaps(guardrailsOf(workspace))) throw errors.invalidParameter("Autopilot will not act without a spending cap: set a daily or monthly cap.");
    const resolved = await this.actions.resolveAll(workspace);
    const executed: ExecutionResult[] = [];
    const notes: string[] = [];
    for (const connection of await this.workspaces.connections(workspace.id)) {
      if (connection.status !== "active") {
        notes.push(`act_${connection.ad_account_id} needs attention; skipped.`);
        continue;
      }
      const report = await this.planConnection(workspace, connection);
      notes.push(...report.notes);
      // The engine may narrow autopilot to approvals (quiet hours, no caps) or to nothing (kill switch).
      if ((report.plan.execution ?? "apply") !== "apply") {
        if (report.proposed.length > 0) notes.push(`${report.proposed.length} proposal(s) left in the queue for approval.`);
        continue;
      }
      for (const item of [...report.deferred, ...report.proposed]) executed.push(await this.actions.approveAutomatically(item.id));
    }
    return { workspace: workspace.name, resolved, executed, notes };
  }

  /** The snapshot the engine reads, for tools and the bench. */
  async snapshot(workspaceIdOrName: string, connectionId: string) {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    return buildSnapshot(this.deps.db, workspace, await this.workspaces.connection(connectionId), this.deps.now());
  }
}
