import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { supersedeScans, findScan, insertInsights, insertScan, latestCompletedScan, updateScan, type ConnectionRow, type InsightRow, type ScanRow } from "./autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff, type GraphClient } from "./graphClient.ts";
import type { WorkspaceService } from "./workspace.service.ts";

const DAY_MS = 86_400_000;

export interface ScanProgress {
  phase: "objects" | "insights" | "storing";
  done: number;
  total: number;
  rows: number;
}

/** The ad account's objects as a scan read them through the Graph. */
export interface ScannedObjects {
  account: { id: string; name: string; currency: string };
  campaigns: { id: string; name: string; status: string; effective_status: string }[];
  adSets: { id: string; name: string; campaign_id: string; status: string; effective_status: string; daily_budget?: string; lifetime_budget?: string; end_time?: string }[];
  ads: { id: string; name: string; adset_id: string; campaign_id: string; status: string; effective_status: string; creative?: { id: string }; ad_review_feedback?: { global: Record<string, string> } }[];
  creatives: { id: string; link_url?: string }[];
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

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function digitsOf(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
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
 * insights per ad (one ad set at a time, paged), stored as the snapshot the engine reads. Progress
 * is reported as it goes; a refusal or a full rate-limit bucket stops the scan and says why.
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
        const out = await this.read(client, connection, scan, options.onProgress);
        calls = client.calls;
        return out;
      });
      return { ...result, graph_calls: calls };
    } catch (error) {
      const message =
        error instanceof GraphApiError
          ? `(#${error.code}) ${error.userMsg ?? error.message}`
          : error instanceof RateLimitBackoff || error instanceof GraphTransportError
            ? error.message
            : "the scan failed";
      await updateScan(this.deps.db, scan.id, { status: "failed", error: message, finished_at: this.deps.now() });
      throw error;
    }
  }

  private async read(client: GraphClient, connection: ConnectionRow, scan: ScanRow, onProgress?: (p: ScanProgress) => void): Promise<Omit<ScanResult, "graph_calls">> {
    const act = `act_${connection.ad_account_id}`;
    const progress = async (p: ScanProgress) => {
      onProgress?.(p);
      await updateScan(this.deps.db, scan.id, { done: p.done, total: p.total, rows: p.rows });
    };
    const account = await client.get<{ id: string; name: string; currency: string }>(act, { fields: "id,name,currency" });
    await progress({ phase: "objects", done: 1, total: 5, rows: 0 });
    const campaigns = await client.getAll<ScannedObjects["campaigns"][number]>(`${act}/campaigns`, { fields: "id,name,status,effective_status", limit: 500 });
    await progress({ phase: "objects", done: 2, total: 5, rows: 0 });
    const adSets = await client.getAll<ScannedObjects["adSets"][number]>(`${act}/adsets`, { fields: "id,name,campaign_id,status,effective_status,daily_budget,lifetime_budget,end_time", limit: 500 });
    await progress({ phase: "objects", done: 3, total: 5, rows: 0 });
    const ads = await client.getAll<ScannedObjects["ads"][number]>(`${act}/ads`, {
      fields: "id,name,adset_id,campaign_id,status,effective_status,creative,ad_review_feedback",
      limit: 500,
    });
    await progress({ phase: "objects", done: 4, total: 5, rows: 0 });
    const creatives = await client.getAll<ScannedObjects["creatives"][number]>(`${act}/adcreatives`, { fields: "id,link_url", limit: 500 });
    await progress({ phase: "objects", done: 5, total: 5, rows: 0 });

    const digits = digitsOf(account.currency);
    const rows: InsightRow[] = [];
    const adSetsWithAds = adSets.filter((s) => ads.some((a) => a.adset_id === s.id));
    for (const [index, adSet] of adSetsWithAds.entries()) {
      const found = await client.getAll<InsightsApiRow>(`${adSet.id}/insights`, {
        level: "ad",
        time_increment: 1,
        time_range: { since: scan.since, until: scan.until },
        fields: "ad_id,adset_id,campaign_id,impressions,clicks,spend,actions,action_values",
        limit: 500,
      });
      for (const r of found) {
        if (!r.ad_id) continue;
        rows.push({
          scan_id: scan.id,
          ad_id: r.ad_id,
          date: r.date_start,
          adset_id: r.adset_id ?? adSet.id,
          campaign_id: r.campaign_id ?? adSet.campaign_id,
          impressions: Number(r.impressions ?? 0),
          clicks: Number(r.clicks ?? 0),
          spend: toMinor(r.spend, digits),
          conversions: Number(purchases(r.actions) ?? 0),
          revenue: toMinor(purchases(r.action_values), digits),
        });
      }
      await progress({ phase: "insights", done: index + 1, total: adSetsWithAds.length, rows: rows.length });
    }

    const objects: ScannedObjects = { account, campaigns, adSets, ads, creatives };
    const fingerprint = crypto.createHash("sha256").update(JSON.stringify(objects)).update(JSON.stringify(rows.map((r) => [r.ad_id, r.date, r.spend, r.conversions]))).digest("hex");
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

  async latest(connectionId: string): Promise<ScanRow | undefined> {
    return latestCompletedScan(this.deps.db, connectionId);
  }

  async get(id: string): Promise<ScanRow | undefined> {
    return findScan(this.deps.db, id);
  }
}
