import { GrantlineError } from "../../errors.ts";
import { offsetMinutes } from "../../hub/ads/adTime.ts";
import { BackgroundLoop } from "../../jobs/backgroundLoop.ts";
import type { Autopilot } from "./autopilot.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff } from "./graphClient.ts";
import {
  bringForward,
  claimJob,
  ensureScheduleRow,
  finishJob,
  listAllScheduleRows,
  listSchedulableWorkspaces,
  type ScheduledJob,
  type ScheduleRow,
} from "../store/schedule.repository.ts";
import type { JobOutcome } from "./workspace.service.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** When the schedule acts; the server reads them from GRANTLINE_AUTOPILOT_* (src/config/env.ts). */
export interface ScheduleSettings {
  /** Hour of the day (0–23, in `timeZone`) of the daily scan, then plan or run. Default 6. */
  dailyHour: number;
  /** IANA time zone of `dailyHour`; default the server's. */
  timeZone?: string | undefined;
  /** Time between two monitor runs of a workspace. Default one hour. */
  monitorIntervalMs: number;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = { dailyHour: 6, monitorIntervalMs: HOUR_MS };

/** Where each job's line goes (the server's logger fits). */
export interface ScheduleLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface AutopilotSchedulerOptions extends Partial<ScheduleSettings> {
  /** The clock; default Autopilot's own. */
  now?: () => number;
  /** How often the server looks for due work. Default one minute. */
  tickMs?: number;
  /** How long a claimed job is held before another instance may take it over (the holder stopped). Default one hour. */
  leaseMs?: number;
  /** First retry of a failed daily job; each further failure in a row doubles it, up to the next daily slot. Default 30 minutes. */
  retryMs?: number;
  log?: ScheduleLog;
  /** A tick that failed as a whole (the store unreachable); one workspace's failure is only recorded. */
  onError?: (error: unknown) => void;
}

/** One job run by a tick. */
export interface JobRun {
  workspace_id: string;
  job: ScheduledJob;
  outcome: JobOutcome;
  next_due_at: number;
}

/**
 * An off-schedule daily scan (the first one, or a retry) this close before the daily hour stands in
 * for it: the same days would be read again for nothing.
 */
const MIN_SCAN_GAP_MS = 6 * HOUR_MS;

/** How far the wall clock of `timeZone` is ahead of UTC at `at`. */
const offsetMs = (timeZone: string, at: number) => offsetMinutes(at, timeZone) * MINUTE_MS;

/** The first moment after `now` at which the clock in `timeZone` shows `hour`:00. */
export function nextDailyAt(now: number, hour: number, timeZone: string): number {
  const localNow = now + offsetMs(timeZone, now);
  let localTarget = Math.floor(localNow / DAY_MS) * DAY_MS + hour * HOUR_MS;
  if (localTarget <= localNow) localTarget += DAY_MS;
  // The offset at the target may differ from now's (a daylight-saving change in between).
  const guess = localTarget - offsetMs(timeZone, now);
  const at = localTarget - offsetMs(timeZone, guess);
  return at > now ? at : at + DAY_MS;
}

/** A job that stopped on purpose, worded for the workspace's admins. */
class JobStopped extends Error {}

const INTERNAL = "an internal error stopped the job (see the server log)";

/**
 * The daily slot after `now`; when a scan ran at `ranAt` (off-schedule: the first one, a retry) less
 * than MIN_SCAN_GAP_MS before it, the slot after that.
 */
export function nextScanAt(settings: { dailyHour: number; timeZone: string }, now: number, ranAt?: number): number {
  const next = nextDailyAt(now, settings.dailyHour, settings.timeZone);
  if (ranAt !== undefined && next - ranAt < MIN_SCAN_GAP_MS) return nextDailyAt(next, settings.dailyHour, settings.timeZone);
  return next;
}

/** An error as the workspace's admins may read it; anything unexpected stays in the server log. */
function describe(error: unknown): string {
  if (error instanceof GraphApiError) return `(#${error.code}) ${error.userMsg ?? error.message}`;
  if (error instanceof GrantlineError || error instanceof GraphTransportError || error instanceof RateLimitBackoff || error instanceof JobStopped) return error.message;
  return INTERNAL;
}

const count = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

/**
 * Autopilot's built-in schedule, run by `grantline serve`: for every workspace with an active
 * connection, the monitors every hour, and once a day at the configured hour a full scan of each
 * active connection followed by `plan` (semi-auto) or `run` (autopilot mode); a connection never
 * scanned gets its first scan at the next tick. The scan re-reads the whole window each day because
 * the engine's snapshot is the latest scan alone (a newer scan supersedes the older one's rows).
 * With the kill switch on, scans and monitors go on but nothing is planned or applied.
 *
 * Every instance may run it: each job's row in `autopilot_schedule` is claimed with a conditional
 * update before it runs, so only one instance does a workspace's due work. Each run's outcome is
 * kept on the row (shown as the workspace's `schedule`) and logged as one line; a failing workspace
 * is recorded and retried with backoff, and the others go on.
 */
export class AutopilotScheduler {
  /** The settings in force, the time zone resolved. */
  readonly settings: ScheduleSettings & { timeZone: string };
  /** Jobs this instance has run since start, by job and outcome (for the operator's metrics). */
  readonly outcomes: Record<ScheduledJob, { ok: number; failed: number }> = { scan: { ok: 0, failed: 0 }, monitors: { ok: 0, failed: 0 } };
  private readonly now: () => number;
  private readonly loop: BackgroundLoop;
  private stopping = false;

  constructor(
    private readonly autopilot: Autopilot,
    private readonly options: AutopilotSchedulerOptions = {},
  ) {
    this.settings = {
      dailyHour: options.dailyHour ?? DEFAULT_SCHEDULE.dailyHour,
      monitorIntervalMs: options.monitorIntervalMs ?? DEFAULT_SCHEDULE.monitorIntervalMs,
      timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
    this.now = options.now ?? autopilot.deps.now;
    this.loop = new BackgroundLoop(
      async () => {
        await this.tick();
        return false;
      },
      options.tickMs ?? MINUTE_MS,
      options.onError,
    );
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  /** Stops looking for work; waits for the job in progress, not for the rest of its tick. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
  }

  /** One pass: schedule rows for new workspaces, then every due job this instance manages to claim. */
  async tick(): Promise<JobRun[]> {
    const db = this.autopilot.deps.db;
    const now = this.now();
    const workspaces = await listSchedulableWorkspaces(db);
    let all = await listAllScheduleRows(db);
    const rows = new Map(all.map((r) => [`${r.workspace_id}:${r.job}`, r]));
    let changed = false;
    for (const workspace of workspaces) {
      if (!rows.has(`${workspace.id}:monitors`)) {
        await ensureScheduleRow(db, workspace.id, "monitors", now);
        changed = true;
      }
      const scan = rows.get(`${workspace.id}:scan`);
      if (!scan) {
        await ensureScheduleRow(db, workspace.id, "scan", workspace.unscanned ? now : nextScanAt(this.settings, now));
        changed = true;
      } else if (workspace.unscanned && scan.next_due_at > now) {
        await bringForward(db, workspace.id, "scan", now);
        changed = true;
      }
    }
    // An idle tick is two reads; rows just added or brought forward are read again.
    if (changed) all = await listAllScheduleRows(db);
    const served = new Set(workspaces.map((w) => w.id));
    const due = all.filter((r) => served.has(r.workspace_id) && r.next_due_at <= now && (r.lease_until === null || r.lease_until <= now));
    const runs: JobRun[] = [];
    for (const row of due) {
      if (this.stopping) break;
      const job = row.job as ScheduledJob;
      const at = this.now();
      const run = await claimJob(db, row.workspace_id, job, at, at + (this.options.leaseMs ?? HOUR_MS));
      if (run === undefined) continue;
      try {
        runs.push(await this.runJob(row, job, run));
      } catch (error) {
        // Recording the outcome failed (the store); the lease runs out and the job is tried again.
        this.options.onError?.(error);
      }
    }
    return runs;
  }

  private async runJob(row: ScheduleRow, job: ScheduledJob, run: number): Promise<JobRun> {
    const started = this.now();
    const counts: Record<string, number> = {};
    const notes: string[] = [];
    let ok = true;
    let failure: unknown;
    try {
      if (job === "scan") await this.scanAndAct(row.workspace_id, counts, notes);
      else await this.monitor(row.workspace_id, counts, notes);
    } catch (error) {
      ok = false;
      failure = error;
    }
    const finished = this.now();
    const outcome: JobOutcome = { ok, ...(ok ? {} : { error: describe(failure) }), counts, notes, duration_ms: finished - started };
    const failures = ok ? 0 : row.failures + 1;
    const next = this.nextDue(job, started, finished, failures, failure);
    await finishJob(this.autopilot.deps.db, row.workspace_id, job, run, { next_due_at: next, failures, last_run_at: started, last_outcome_json: JSON.stringify(outcome) });
    this.outcomes[job][ok ? "ok" : "failed"]++;
    const line = { workspace: row.workspace_id, job, ok, counts, ...(ok ? {} : { error: outcome.error }), duration_ms: outcome.duration_ms, next_due_at: new Date(next).toISOString() };
    if (ok) this.options.log?.info(line, `autopilot ${job} job done`);
    else this.options.log?.warn({ ...line, ...(outcome.error === INTERNAL ? { err: failure } : {}) }, `autopilot ${job} job failed`);
    return { workspace_id: row.workspace_id, job, outcome, next_due_at: next };
  }

  private nextDue(job: ScheduledJob, started: number, finished: number, failures: number, failure: unknown): number {
    if (job === "monitors") return Math.max(finished, started + this.settings.monitorIntervalMs);
    const slot = nextScanAt(this.settings, finished, started);
    if (failures === 0) return slot;
    const backoff = (this.options.retryMs ?? 30 * MINUTE_MS) * 2 ** Math.min(failures - 1, 10);
    const wait = failure instanceof RateLimitBackoff ? Math.max(backoff, failure.waitMs) : backoff;
    return Math.min(finished + wait, nextDailyAt(finished, this.settings.dailyHour, this.settings.timeZone));
  }

  /**
   * Scans every active connection (as the console's "Scan and plan now" does, and never while one of
   * those runs); then, if every scan went through and the kill switch is off, plans or runs.
   */
  private async scanAndAct(workspaceId: string, counts: Record<string, number>, notes: string[]): Promise<void> {
    const ap = this.autopilot;
    // A failed scan stops here: planning on an older scan of that account would act on stale numbers.
    const scanned = await ap.scanAndPlan(workspaceId, { plan: false }).catch((error: unknown) => {
      const reason = describe(error);
      if (reason === INTERNAL) this.options.log?.warn({ workspace: workspaceId, err: error }, "autopilot scan failed");
      throw new JobStopped(`The scan failed, so nothing was planned: ${reason}`);
    });
    count(counts, "scanned", scanned.scans.length);
    count(counts, "rows", scanned.scans.reduce((n, s) => n + s.rows, 0));
    notes.push(...scanned.notes);
    const workspace = await ap.workspaces.require(workspaceId);
    if (workspace.killed === 1) {
      notes.push("The kill switch is on: nothing was planned or applied.");
      return;
    }
    if (workspace.mode === "autopilot") {
      const report = await ap.run(workspaceId);
      count(counts, "resolved", report.resolved.length);
      count(counts, "applied", report.executed.filter((e) => e.state === "CONFIRMED").length);
      count(counts, "not_applied", report.executed.filter((e) => e.state !== "CONFIRMED").length);
      notes.push(...report.notes);
    } else {
      for (const report of await ap.plan(workspaceId)) {
        count(counts, "proposed", report.proposed.length);
        notes.push(...report.notes);
      }
    }
  }

  private async monitor(workspaceId: string, counts: Record<string, number>, notes: string[]): Promise<void> {
    for (const report of await this.autopilot.monitors.run(workspaceId)) {
      count(counts, "connections");
      count(counts, "alerts", report.alerts.length);
      count(counts, "paused", report.paused.length);
      count(counts, "queued", report.queued.length);
      notes.push(...report.problems.map((p) => `${report.ad_account_id}: ${p}`));
    }
  }
}

