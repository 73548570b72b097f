import { raiseAlert } from "./alerts.ts";
import type { ActionService, ExecutionResult } from "./action.service.ts";
import { exactMoney } from "./actionLog.ts";
import { newId } from "../../ids.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import { accountClock, addDays, zoneOrUtc } from "./accountTime.ts";
import { insertLinkCheck, linkChecksSince, type ConnectionRow, type WorkspaceRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { detectIntradaySpike, detectSpike, type AnomalyResult, type IntradayResult } from "./anomaly.ts";
import type { GraphClient } from "./graphClient.ts";
import { minorDigits } from "../../inputLimits.ts";
import { toMinor } from "./scan.service.ts";
import type { PlanItem } from "./planner.ts";
import { buildSnapshot, linkStatus } from "./snapshot.ts";
import { checkUrl, DEFAULT_URL_CHECK, type UrlCheck } from "./urlCheck.ts";
import { guardrailsOf, type WorkspaceService } from "./workspace.service.ts";
import { heldOutAccounts } from "./pilot/pilot.service.ts";

const DAY_MS = 86_400_000;
/** Meta's hourly breakdown of insights (hours of the ad account's day). */
const HOURLY = "hourly_stats_aggregated_by_advertiser_time_zone";
/** Tokens expiring within this time are reported. */
const TOKEN_WARNING_MS = 7 * DAY_MS;
/** Landing-page checks are kept this long (the engine reads the last 28 days). */
const LINK_CHECK_KEEP_MS = 35 * DAY_MS;

export interface MonitorReport {
  connection: string;
  ad_account_id: string;
  spend?: AnomalyResult | undefined;
  /** Today so far, hour by hour, against the same hours of recent days. */
  spend_today?: (IntradayResult & { currency: string }) | undefined;
  disapproved: { id: string; name: string; feedback: Record<string, string> }[];
  urls: (UrlCheck & { ads: string[] })[];
  paused: ExecutionResult[];
  queued: string[];
  token_expires_at: number | null;
  alerts: string[];
  problems: string[];
}

interface LiveAd {
  id: string;
  name: string;
  status: string;
  effective_status: string;
  creative?: { id: string };
  ad_review_feedback?: { global: Record<string, string> };
}

/**
 * The monitors: spend spikes against the account's own pattern (from the latest scan), disapproved
 * ads and failing destination URLs (read live through the Graph; URLs loaded with retries), and
 * tokens about to expire. Each finding is an alert through the notification service; failing URLs
 * pause their ads where the advertiser allowed it (autopilot mode, pause allowed, kill switch off),
 * or queue the pause for approval.
 */
export class MonitorService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
    private readonly actions: ActionService,
  ) {}

  async run(workspaceIdOrName: string): Promise<MonitorReport[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const out: MonitorReport[] = [];
    for (const connection of await this.workspaces.connections(workspace.id)) out.push(await this.check(workspace, connection));
    return out;
  }

  /**
   * Today's hourly spend so far and that of the last two weeks, read live with Meta's hourly
   * breakdown, checked hour for hour; undefined before the first hour of the day is over.
   */
  private async intraday(client: GraphClient, connection: ConnectionRow, now: number, timeZone: string): Promise<(IntradayResult & { currency: string }) | undefined> {
    // Hours of the account's own day, as the hourly breakdown reports them.
    const { today, hour: hours } = accountClock(now, timeZone);
    if (hours === 0) return undefined;
    const since = addDays(today, -14);
    const rows = await client.getAll<{ date_start: string; spend?: string; account_currency?: string; [HOURLY]?: string }>(`act_${connection.ad_account_id}/insights`, {
      level: "account",
      breakdowns: HOURLY,
      time_increment: 1,
      time_range: { since, until: today },
      fields: "spend,account_currency",
      limit: 500,
    });
    const currency = rows.find((r) => r.account_currency)?.account_currency ?? "USD";
    const digits = minorDigits(currency);
    const hourly = rows
      .filter((r) => r[HOURLY])
      .map((r) => ({ date: r.date_start, hour: Number(r[HOURLY]!.slice(0, 2)), value: toMinor(r.spend, digits) }));
    return { ...detectIntradaySpike(hourly, today, hours), currency };
  }

  /**
   * One connection's checks, in order: its token (`checkToken`), then for a live connection the
   * spend of the latest scan's days (`checkDailySpend`) and of today so far (`checkSpendToday`), the
   * ads as they are now (`readLiveAds`), their review (`checkDisapprovals`) and their landing pages
   * (`checkLandingPages`). A check that cannot run says so in `problems`; the others still run.
   */
  private async check(workspace: WorkspaceRow, connection: ConnectionRow): Promise<MonitorReport> {
    const now = this.deps.now();
    const report: MonitorReport = {
      connection: connection.id,
      ad_account_id: adAccountGraphId(connection.ad_account_id),
      disapproved: [],
      urls: [],
      paused: [],
      queued: [],
      token_expires_at: connection.token_expires_at,
      alerts: [],
      problems: [],
    };
    const run: MonitorRun = {
      workspace,
      connection,
      now,
      report,
      alert: async (input) => {
        const { repeated } = await raiseAlert(this.deps.db, this.deps.alerts, now, workspace, input);
        if (!repeated) report.alerts.push(input.kind);
      },
    };
    await this.checkToken(run);
    if (connection.status !== "active") {
      report.problems.push("the connection needs attention; live checks skipped");
      return report;
    }
    await this.checkDailySpend(run);
    const timeZone = await this.checkSpendToday(run);
    const live = await this.readLiveAds(run);
    if (!live) return report;
    await this.checkDisapprovals(run, live.ads);
    await this.checkLandingPages(run, live, timeZone);
    return report;
  }

  /** A token expiring within a week, or expired: the account must be reconnected. */
  private async checkToken({ connection, now, alert }: MonitorRun): Promise<void> {
    if (connection.token_expires_at === null || connection.token_expires_at - now >= TOKEN_WARNING_MS) return;
    const expired = connection.token_expires_at <= now;
    const days = Math.max(0, Math.ceil((connection.token_expires_at - now) / DAY_MS));
    await alert({
      kind: "token_expiring",
      severity: expired || days <= 1 ? "critical" : "warning",
      title: expired ? `Autopilot's token for act_${connection.ad_account_id} has expired` : `Autopilot's token for act_${connection.ad_account_id} expires in ${days} day${days === 1 ? "" : "s"}`,
      body: "Reconnect the ad account so Autopilot keeps working; until then it cannot read or change anything there.",
      dedupKey: `token_expiring:${connection.id}:${days}`,
      details: { expires_at: connection.token_expires_at },
    });
  }

  /** Spend spikes, on the latest scan's daily totals. */
  private async checkDailySpend({ workspace, connection, now, report, alert }: MonitorRun): Promise<void> {
    try {
      const snapshot = await buildSnapshot(this.deps.db, workspace, connection, now);
      const totals = new Map<string, number>();
      for (const d of snapshot.daily) totals.set(d.date, (totals.get(d.date) ?? 0) + d.spend);
      const series = [...totals.entries()].map(([date, value]) => ({ date, value }));
      const last = series.find((d) => d.date === snapshot.lastDate) ?? { date: snapshot.lastDate, value: 0 };
      report.spend = detectSpike(series, last);
      if (report.spend.spike) {
        await alert({
          kind: "spend_spike",
          severity: "warning",
          title: `Spend spike on ${snapshot.accountName}: ${exactMoney(last.value, snapshot.currency)} on ${last.date}`,
          body: `The account usually spends about ${exactMoney(Math.round(report.spend.expected), snapshot.currency)} on such a day; this is ${report.spend.score.toFixed(1)} robust deviations above its own pattern.`,
          fields: [
            { name: "Spend", value: exactMoney(last.value, snapshot.currency) },
            { name: "Expected", value: exactMoney(Math.round(report.spend.expected), snapshot.currency) },
          ],
          dedupKey: `spend_spike:${connection.id}:${last.date}`,
          details: { ...report.spend },
        });
      }
    } catch {
      report.problems.push("no scan yet: spend not checked");
    }
  }

  /** Spend spikes within the day, from live hourly insights. Returns the account's time zone ("UTC" when it could not be read). */
  private async checkSpendToday({ connection, now, report, alert }: MonitorRun): Promise<string> {
    let timeZone = "UTC";
    try {
      report.spend_today = await this.workspaces.withClient(connection, "checking today's spend", async (client) => {
        timeZone = zoneOrUtc((await client.get<{ timezone_name?: string }>(adAccountGraphId(connection.ad_account_id), { fields: "timezone_name" })).timezone_name);
        return this.intraday(client, connection, now, timeZone);
      });
      const today = report.spend_today;
      if (today?.spike) {
        const currency = today.currency;
        await alert({
          kind: "spend_spike",
          severity: "warning",
          title: `Spend spike on act_${connection.ad_account_id} today: ${exactMoney(today.value, currency)} by ${String(today.hours).padStart(2, "0")}:00`,
          body: `By this hour the account usually spends about ${exactMoney(Math.round(today.expected), currency)}; today is ${today.score.toFixed(1)} robust deviations above its own hourly pattern, with the rest of the day still to come.`,
          fields: [
            { name: "Spend so far", value: exactMoney(today.value, currency) },
            { name: "Expected by now", value: exactMoney(Math.round(today.expected), currency) },
          ],
          dedupKey: `spend_spike_today:${connection.id}:${today.date}`,
          details: { ...today },
        });
      }
    } catch (error) {
      report.problems.push(`hourly spend not checked: ${error instanceof Error ? error.message : "no answer"}`);
    }
    return timeZone;
  }

  /** The account's ads and their creatives' destination URLs, read live; undefined (and a problem said) when the Graph does not answer. */
  private async readLiveAds({ connection, report }: MonitorRun): Promise<{ ads: LiveAd[]; links: Map<string, string> } | undefined> {
    try {
      return await this.workspaces.withClient(connection, "checking ads", async (client) => {
        const ads = await client.getAll<LiveAd>(`act_${connection.ad_account_id}/ads`, { fields: "id,name,status,effective_status,creative,ad_review_feedback", limit: 500 });
        const creatives = await client.getAll<{ id: string; link_url?: string }>(`act_${connection.ad_account_id}/adcreatives`, { fields: "id,link_url", limit: 500 });
        return { ads, links: new Map(creatives.filter((c) => c.link_url).map((c) => [c.id, c.link_url!])) };
      });
    } catch (error) {
      report.problems.push(`live checks failed: ${error instanceof Error ? error.message : "no answer"}`);
      return undefined;
    }
  }

  /** Ads disapproved or running with issues, with the review's feedback. */
  private async checkDisapprovals({ report, alert }: MonitorRun, ads: readonly LiveAd[]): Promise<void> {
    for (const ad of ads.filter((a) => a.effective_status === "DISAPPROVED" || a.effective_status === "WITH_ISSUES")) {
      const feedback = ad.ad_review_feedback?.global ?? {};
      report.disapproved.push({ id: ad.id, name: ad.name, feedback });
      await alert({
        kind: "disapproved_ad",
        severity: "warning",
        title: `Ad '${ad.name}' is ${ad.effective_status === "DISAPPROVED" ? "disapproved" : "running with issues"}`,
        body: Object.values(feedback).join(" ") || "Ad review flagged this ad.",
        dedupKey: `disapproved_ad:${ad.id}:${ad.effective_status}`,
        details: { ad: ad.id, feedback },
      });
    }
  }

  /**
   * Pages of running ads, and pages found down before (their ads may be paused for it): a page that
   * loads again lets the engine turn those ads back on. A page that fails pauses its running ads
   * where the advertiser allowed it, or queues the pauses for approval.
   */
  private async checkLandingPages(run: MonitorRun, live: { ads: LiveAd[]; links: Map<string, string> }, timeZone: string): Promise<void> {
    const { workspace, connection, now, report, alert } = run;
    const downBefore = new Set([...linkStatus(await linkChecksSince(this.deps.db, connection.id, now - LINK_CHECK_KEEP_MS))].filter(([, s]) => s.down).map(([url]) => url));
    const byUrl = new Map<string, LiveAd[]>();
    for (const ad of live.ads) {
      const url = ad.creative ? live.links.get(ad.creative.id) : undefined;
      if (!url || (ad.status !== "ACTIVE" && !downBefore.has(url))) continue;
      byUrl.set(url, [...(byUrl.get(url) ?? []), ...(ad.status === "ACTIVE" ? [ad] : [])]);
    }
    const guardrails = guardrailsOf(workspace);
    // A running pilot's holdout is left alone: its pauses wait for a person's approval.
    const heldOut = (await heldOutAccounts(this.deps, workspace.id)).has(connection.ad_account_id);
    const mayPause = workspace.mode === "autopilot" && workspace.killed === 0 && guardrails.allowedActions.includes("pause_ad") && !heldOut;
    for (const [url, affected] of byUrl) {
      const result = await checkUrl(this.deps.http, url, { ...DEFAULT_URL_CHECK, ...this.deps.urlCheck, ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}) });
      report.urls.push({ ...result, ads: affected.map((a) => a.id) });
      // The engine reads these: days a page was down say nothing about its ads, and ads paused for
      // a broken page are turned back on once it loads.
      await insertLinkCheck(
        this.deps.db,
        { id: newId(), connection_id: connection.id, url, checked_at: now, date: accountClock(now, timeZone).today, ok: result.ok ? 1 : 0, status: result.status, error: result.error ?? null },
        now - LINK_CHECK_KEEP_MS,
      );
      if (result.ok || affected.length === 0) continue;
      await alert({
        kind: "url_down",
        severity: "critical",
        title: `Landing page down: ${url}`,
        body: `${affected.length} running ad${affected.length === 1 ? "" : "s"} send people to a page that fails (${result.error ?? "no answer"} after ${result.attempts} tries). ${mayPause ? "Autopilot is pausing them." : "Approve the queued pauses, or fix the page."}`,
        dedupKey: `url_down:${connection.id}:${url}`,
        details: { ...result, ads: affected.map((a) => a.id) },
      });
      await this.pauseForPage(run, url, result, affected, mayPause);
    }
  }

  /** Proposes pausing each running ad of a failing page: applied at once where allowed, else queued for approval. */
  private async pauseForPage({ workspace, connection, now, report }: MonitorRun, url: string, result: UrlCheck, affected: readonly LiveAd[], mayPause: boolean): Promise<void> {
    let snapshot;
    try {
      snapshot = await this.actions.currentSnapshot(workspace, connection, now);
    } catch {
      report.problems.push("no scan yet: pauses not proposed");
      return;
    }
    for (const ad of affected) {
      const item: PlanItem = {
        kind: "pause_ad",
        change: { objectType: "ad", objectId: ad.id, objectName: ad.name, field: "status", old: "ACTIVE", new: "PAUSED" },
        reason: `its landing page ${url} is failing (${result.error ?? "no answer"} after ${result.attempts} tries)`,
        evidence: { url, status: result.status, attempts: result.attempts, checked_at: new Date(now).toISOString() },
        expectedEffect: "stops paying for clicks that land on a broken page",
      };
      const { row, duplicate } = await this.actions.propose(workspace, connection, snapshot, item, { source: "monitor" });
      if (duplicate) continue;
      if (mayPause) report.paused.push(await this.actions.approveAutomatically(row.id));
      else report.queued.push(row.id);
    }
  }
}

/** One connection's monitor run: what every check reads, the report they fill, and how they alert (each alert once per dedup key). */
interface MonitorRun {
  workspace: WorkspaceRow;
  connection: ConnectionRow;
  now: number;
  report: MonitorReport;
  alert: (input: Parameters<typeof raiseAlert>[4]) => Promise<void>;
}
