import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import { addDays, accountClock, zoneOrUtc } from "./accountTime.ts";
import { supersedeScans, findScan, insertInsights, insertScan, latestCompletedScan, updateConnection, updateScan, type ConnectionRow, type InsightRow, type ScanRow, type WorkspaceRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff, type GraphClient } from "./graphClient.ts";
import { readPartnerGuardrails, type ScannedPartnerGuardrails } from "./partnerGuardrails.ts";
import type { WorkspaceService } from "./workspace.service.ts";
import { minorDigits } from "../../inputLimits.ts";

const DAY_MS = 86_400_000;

export interface ScanProgress {
  phase: "objects" | "insights" | "storing";
  done: number;
  total: number;
  rows: number;
}

/** The ad account's objects as a scan read them through the Graph. */
export interface ScannedObjects {
  account: { id: string; name: string; currency: string; timezone_name?: string };
  campaigns: { id: string; name: string; status: string; effective_status: string }[];
  adSets: {
    id: string;
    name: string;
    campaign_id: string;
    status: string;
    effective_status: string;
    daily_budget?: string;
    lifetime_budget?: string;
    end_time?: string;
    start_time?: string;
    /** Read since the account audit; absent in older scans. */
    targeting?: Record<string, unknown>;
    optimization_goal?: string;
    learning_stage_info?: { status?: string; conversions?: number };
  }[];
  ads: { id: string; name: string; adset_id: string; campaign_id: string; status: string; effective_status: string; creative?: { id: string }; ad_review_feedback?: { global: Record<string, string> }; created_time?: string }[];
  creatives: { id: string; link_url?: string }[];
  /** The account's pixels; undefined when the token could not read them (or in older scans). */
  pixels?: { id: string; name?: string; last_fired_time?: string }[];
  /** Per ad, the last two 7-day periods of the window (reach is not additive over days, so it is read per period). */
  weekly?: WeeklyRow[];
  /** The owner's partner guardrails that bind the token, with the last 24 hours' budgets; absent where the Graph has none (Meta) or in older scans. */
  partnerGuardrails?: ScannedPartnerGuardrails;
}

/** One ad's delivery over one 7-day period, for the audit's fatigue rule. */
export interface WeeklyRow {
  ad_id: string;
  date_start: string;
  date_stop: string;
  impressions: number;
  reach: number;
  clicks: number;
}

export interface ScanResult {
  id: string;
  connection_id: string;
  status: string;
  since: string;
  until: string;
  campaigns: number;
  ad_sets: number;
  ads: number;
  rows: number;
  graph_calls: number;
  fingerprint: string | null;
}

interface InsightsApiRow {
  date_start: string;
  ad_id?: string;
  adset_id?: string;
  campaign_id?: string;
  impressions?: string;
  clicks?: string;
  spend?: string;
  actions?: { action_type: string; value: string }[];
  action_values?: { action_type: string; value: string }[];
}

/** A workspace scan's progress: the account being scanned (n of m), its phase, and the share of the whole done. */
export interface WorkspaceScanProgress extends ScanProgress {
  connection_id: string;
  ad_account_id: string;
  account: number;
  accounts: number;
  /** 0..1 across every account being scanned. */
  fraction: number;
}

export interface WorkspaceScanResult {
  workspace_id: string;
  scans: (ScanResult & { ad_account_id: string })[];
  /** Connections that need attention, not scanned. */
  skipped: { connection_id: string; ad_account_id: string; reason: string }[];
}

/** How much of one account's scan is done: reading objects is quick, the insights reports are most of it. */
function shareDone(p: ScanProgress): number {
  const within = p.total > 0 ? Math.min(p.done / p.total, 1) : 0;
  if (p.phase === "objects") return 0.1 * within;
  if (p.phase === "insights") return 0.1 + 0.85 * within;
  return 0.95 + 0.05 * within;
}

/** What the Graph (or the usage guard) said when a scan stopped, fit to show; undefined for anything else. */
function graphProblem(error: unknown): string | undefined {
  if (error instanceof GraphApiError) return `(#${error.code}) ${error.userMsg ?? error.message}`;
  if (error instanceof RateLimitBackoff || error instanceof GraphTransportError) return error.message;
  return undefined;
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const INSIGHT_FIELDS = "ad_id,adset_id,campaign_id,impressions,clicks,spend,actions,action_values";
/** Rows one report may hold at most (ads × days): a 90-day scan of 1,000 ads is four reports. */
const REPORT_MAX_ROWS = 25_000;
/** Polling a report run: first wait, longest wait, and how many polls before giving up (about 10 min). */
const REPORT_POLL_MS = 500;
const REPORT_POLL_MAX_MS = 10_000;
const REPORT_MAX_POLLS = 70;

interface ReportWindow {
  since: string;
  until: string;
  days: number;
}

/** The scan's days cut into as few reports as hold at most REPORT_MAX_ROWS rows each. */
export function reportWindows(since: string, until: string, ads: number): ReportWindow[] {
  const first = Date.parse(`${since}T00:00:00Z`);
  const last = Date.parse(`${until}T00:00:00Z`);
  const span = Math.max(1, Math.floor(REPORT_MAX_ROWS / Math.max(ads, 1)));
  const out: ReportWindow[] = [];
  for (let start = first; start <= last; start += span * DAY_MS) {
    const end = Math.min(last, start + (span - 1) * DAY_MS);
    out.push({ since: dateOf(start), until: dateOf(end), days: Math.round((end - start) / DAY_MS) + 1 });
  }
  return out;
}

/** "12.30" → 1230 (for 2-digit currencies), exactly, without floating point. */
export function toMinor(value: string | undefined, digits: number): number {
  if (!value) return 0;
  const [whole, fraction = ""] = value.split(".");
  return Number(whole) * 10 ** digits + Number((fraction + "0".repeat(digits)).slice(0, digits) || "0");
}

const purchases = (list: { action_type: string; value: string }[] | undefined) => list?.find((a) => a.action_type === "purchase")?.value;

/**
 * The calibration scan: the account's campaigns, ad sets, ads and creatives, then 90 days of daily
 * insights per ad (level=ad, time_increment=1) in a few async report runs over the whole account,
 * stored as the snapshot the engine reads. Progress (days read, rows) is reported as it goes; a
 * refusal or a full rate-limit bucket stops the scan and says why.
 */
export class ScanService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async scan(connection: ConnectionRow, options: { days?: number; onProgress?: (p: ScanProgress) => void } = {}): Promise<ScanResult> {
    const days = options.days ?? 90;
    if (!Number.isInteger(days) || days < 1 || days > 400) throw errors.invalidParameter("days must be a whole number from 1 to 400.");
    const now = this.deps.now();
    // In UTC until the account's time zone is read.
    const until = dateOf(now - DAY_MS);
    const since = dateOf(now - days * DAY_MS);
    const scan: ScanRow = {
      id: newId(),
      connection_id: connection.id,
      status: "running",
      since,
      until,
      done: 0,
      total: 0,
      rows: 0,
      objects_json: null,
      fingerprint: null,
      error: null,
      started_at: now,
      finished_at: null,
    };
    await insertScan(this.deps.db, scan);
    let calls = 0;
    try {
      const result = await this.workspaces.withClient(connection, "scanning the account", async (client) => {
        const out = await this.read(client, connection, scan, days, options.onProgress);
        calls = client.calls;
        return out;
      });
      return { ...result, graph_calls: calls };
    } catch (error) {
      const problem = graphProblem(error);
      await updateScan(this.deps.db, scan.id, { status: "failed", error: problem ?? "the scan failed", finished_at: this.deps.now() });
      // What the Graph answered is the caller's to see; anything else stays an internal error.
      throw problem === undefined ? error : errors.autopilotScanFailed(adAccountGraphId(connection.ad_account_id), problem);
    }
  }

  /**
   * The calibration scan of every connected account of a workspace, one after the other, with the
   * progress of each and of the whole. Accounts that need attention are skipped and named.
   * `Autopilot.scanAndPlan` runs it one at a time per workspace.
   */
  async scanWorkspace(workspace: WorkspaceRow, options: { days?: number; onProgress?: (p: WorkspaceScanProgress) => void } = {}): Promise<WorkspaceScanResult> {
    const connections = await this.workspaces.connections(workspace.id);
    const active = connections.filter((c) => c.status === "active");
    const skipped = connections.filter((c) => c.status !== "active").map((c) => ({ connection_id: c.id, ad_account_id: adAccountGraphId(c.ad_account_id), reason: "needs attention: reconnect it" }));
    if (active.length === 0) throw errors.invalidParameter(skipped.length > 0 ? "Every connected ad account needs attention: reconnect one before scanning." : "No ad account is connected yet: connect one before scanning.");
    const scans: (ScanResult & { ad_account_id: string })[] = [];
    for (const [index, connection] of active.entries()) {
      const ad_account_id = adAccountGraphId(connection.ad_account_id);
      const result = await this.scan(connection, {
        days: options.days,
        onProgress: (p) => options.onProgress?.({ ...p, connection_id: connection.id, ad_account_id, account: index + 1, accounts: active.length, fraction: (index + shareDone(p)) / active.length }),
      });
      scans.push({ ...result, ad_account_id });
    }
    return { workspace_id: workspace.id, scans, skipped };
  }

  private async read(client: GraphClient, connection: ConnectionRow, started: ScanRow, days: number, onProgress?: (p: ScanProgress) => void): Promise<Omit<ScanResult, "graph_calls">> {
    let scan = started;
    const act = adAccountGraphId(connection.ad_account_id);
    const progress = async (p: ScanProgress) => {
      onProgress?.(p);
      await updateScan(this.deps.db, scan.id, { done: p.done, total: p.total, rows: p.rows });
    };
    const account = await client.get<ScannedObjects["account"]>(act, { fields: "id,name,currency,timezone_name" });
    if (typeof account.name === "string" && account.name !== connection.ad_account_name) await updateConnection(this.deps.db, connection.id, { ad_account_name: account.name });
    // Days are the account's own: the window ends with yesterday in its time zone.
    const { today } = accountClock(scan.started_at, zoneOrUtc(account.timezone_name));
    scan = { ...scan, since: addDays(today, -days), until: addDays(today, -1) };
    await updateScan(this.deps.db, scan.id, { since: scan.since, until: scan.until });
    await progress({ phase: "objects", done: 1, total: 5, rows: 0 });
    const campaigns = await client.getAll<ScannedObjects["campaigns"][number]>(`${act}/campaigns`, { fields: "id,name,status,effective_status", limit: 500 });
    await progress({ phase: "objects", done: 2, total: 5, rows: 0 });
    const adSets = await client.getAll<ScannedObjects["adSets"][number]>(`${act}/adsets`, {
      fields: "id,name,campaign_id,status,effective_status,daily_budget,lifetime_budget,start_time,end_time,targeting,optimization_goal,learning_stage_info",
      limit: 500,
    });
    await progress({ phase: "objects", done: 3, total: 5, rows: 0 });
    const ads = await client.getAll<ScannedObjects["ads"][number]>(`${act}/ads`, {
      // created_time: when the ad was made, so a new creative in a running ad set gets its test
      // (https://developers.facebook.com/docs/marketing-api/reference/adgroup/).
      fields: "id,name,adset_id,campaign_id,status,effective_status,creative,ad_review_feedback,created_time",
      limit: 500,
    });
    await progress({ phase: "objects", done: 4, total: 5, rows: 0 });
    const creatives = await client.getAll<ScannedObjects["creatives"][number]>(`${act}/adcreatives`, { fields: "id,link_url", limit: 500 });
    await progress({ phase: "objects", done: 5, total: 5, rows: 0 });

    const digits = minorDigits(account.currency);
    const adSetOf = new Map(ads.map((a) => [a.id, a]));
    const rows: InsightRow[] = [];
    const windows = reportWindows(scan.since, scan.until, ads.length);
    const totalDays = windows.reduce((sum, w) => sum + w.days, 0);
    let daysDone = 0;
    for (const window of windows) {
      await this.readReport(client, act, window, async (page) => {
        for (const r of page) {
          if (!r.ad_id) continue;
          const ad = adSetOf.get(r.ad_id);
          rows.push({
            scan_id: scan.id,
            ad_id: r.ad_id,
            date: r.date_start,
            adset_id: r.adset_id ?? ad?.adset_id ?? "",
            campaign_id: r.campaign_id ?? ad?.campaign_id ?? "",
            impressions: Number(r.impressions ?? 0),
            clicks: Number(r.clicks ?? 0),
            spend: toMinor(r.spend, digits),
            conversions: Number(purchases(r.actions) ?? 0),
            revenue: toMinor(purchases(r.action_values), digits),
          });
        }
        // Every page is shown; the stored progress moves once a report is read.
        onProgress?.({ phase: "insights", done: daysDone, total: totalDays, rows: rows.length });
      });
      daysDone += window.days;
      await progress({ phase: "insights", done: daysDone, total: totalDays, rows: rows.length });
    }
    // Reports come window by window; the snapshot reads them by day and ad.
    rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.ad_id < b.ad_id ? -1 : a.ad_id > b.ad_id ? 1 : 0));

    const pixels = await this.readPixels(client, act);
    const weekly = await this.readWeekly(client, act, scan.until);
    const partnerGuardrails = await readPartnerGuardrails(client, act, scan.started_at);
    const objects: ScannedObjects = { account, campaigns, adSets, ads, creatives, ...(pixels ? { pixels } : {}), weekly, ...(partnerGuardrails ? { partnerGuardrails } : {}) };
    // The data read, not when: the guardrails' read time alone does not make a scan different.
    const fingerprinted = partnerGuardrails ? { ...objects, partnerGuardrails: { ...partnerGuardrails, readAt: 0 } } : objects;
    const fingerprint = crypto.createHash("sha256").update(JSON.stringify(fingerprinted)).update(JSON.stringify(rows.map((r) => [r.ad_id, r.date, r.spend, r.conversions]))).digest("hex");
    onProgress?.({ phase: "storing", done: rows.length, total: rows.length, rows: rows.length });
    await this.deps.db.transaction().execute(async (trx) => {
      await insertInsights(trx, rows);
      await updateScan(trx, scan.id, {
        status: "completed",
        rows: rows.length,
        objects_json: JSON.stringify(objects),
        fingerprint,
        finished_at: this.deps.now(),
      });
      await supersedeScans(trx, connection.id, scan.id);
    });
    return {
      id: scan.id,
      connection_id: connection.id,
      status: "completed",
      since: scan.since,
      until: scan.until,
      campaigns: campaigns.length,
      ad_sets: adSets.length,
      ads: ads.length,
      rows: rows.length,
      fingerprint,
    };
  }

  /**
   * One async insights report (Meta's recommended way to read much data): `POST /act_X/insights`
   * starts a report run, `GET /{report_run_id}` is polled until it completes, and its rows are read
   * page by page from `GET /{report_run_id}/insights`.
   */
  private async readReport(client: GraphClient, act: string, window: ReportWindow, onPage: (rows: InsightsApiRow[]) => Promise<void>): Promise<void> {
    const { report_run_id: runId } = await client.post<{ report_run_id?: string }>(`${act}/insights`, {
      level: "ad",
      time_increment: 1,
      time_range: { since: window.since, until: window.until },
      fields: INSIGHT_FIELDS,
    });
    if (!runId) throw new GraphTransportError("server_error", "The Graph did not return a report run for the insights report.");
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let poll = 0; ; poll++) {
      const run = await client.get<{ async_status?: string; async_percent_completion?: number }>(runId, { fields: "async_status,async_percent_completion" });
      if (run.async_status === "Job Completed") break;
      if (run.async_status === "Job Failed" || run.async_status === "Job Skipped") {
        throw new GraphTransportError("server_error", `The insights report ${runId} for ${window.since}..${window.until} ended as "${run.async_status}".`);
      }
      if (poll >= REPORT_MAX_POLLS) throw new GraphTransportError("timeout", `The insights report ${runId} did not complete in time (${run.async_percent_completion ?? 0}% done).`);
      await sleep(Math.min(REPORT_POLL_MS * 2 ** poll, REPORT_POLL_MAX_MS));
    }
    await client.getAll<InsightsApiRow>(`${runId}/insights`, { limit: 500 }, onPage);
  }

  /**
   * The account's pixels with when each last fired (AdsPixel `last_fired_time`,
   * https://developers.facebook.com/docs/marketing-api/reference/ads-pixel/). A token that cannot
   * read them does not fail the scan: the audit then says it could not judge the pixels.
   */
  private async readPixels(client: GraphClient, act: string): Promise<ScannedObjects["pixels"]> {
    try {
      return await client.getAll<NonNullable<ScannedObjects["pixels"]>[number]>(`${act}/adspixels`, { fields: "id,name,last_fired_time", limit: 100 });
    } catch (error) {
      if (error instanceof GraphApiError) return undefined;
      throw error;
    }
  }

  /**
   * The last 14 days of the window in two 7-day periods per ad (`time_increment=7`), with reach:
   * Meta's reach counts people, so a week's reach cannot be summed from daily rows
   * (https://developers.facebook.com/docs/marketing-api/insights/parameters/).
   */
  private async readWeekly(client: GraphClient, act: string, until: string): Promise<WeeklyRow[]> {
    const rows: WeeklyRow[] = [];
    await client.getAll<{ ad_id?: string; date_start: string; date_stop: string; impressions?: string; reach?: string; clicks?: string }>(
      `${act}/insights`,
      { level: "ad", time_range: { since: addDays(until, -13), until }, time_increment: 7, fields: "ad_id,impressions,reach,clicks", limit: 500 },
      async (page) => {
        for (const r of page) {
          if (!r.ad_id) continue;
          rows.push({ ad_id: r.ad_id, date_start: r.date_start, date_stop: r.date_stop, impressions: Number(r.impressions ?? 0), reach: Number(r.reach ?? 0), clicks: Number(r.clicks ?? 0) });
        }
      },
    );
    return rows;
  }

  async latest(connectionId: string): Promise<ScanRow | undefined> {
    return latestCompletedScan(this.deps.db, connectionId);
  }

  async get(id: string): Promise<ScanRow | undefined> {
    return findScan(this.deps.db, id);
  }
}
