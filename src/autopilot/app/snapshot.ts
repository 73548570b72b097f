import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import type { AutopilotDb } from "../store/database.ts";
import { accountClock, zoneOrUtc } from "./accountTime.ts";
import { actionsOnConnectionSince, latestCompletedScan, linkChecksSince, listInsights, type ConnectionRow, type LinkCheckRow, type WorkspaceRow } from "../store/autopilot.repository.ts";
import type { PlannerSnapshot, PlannerActionKind, SnapshotDay } from "./planner.ts";
import type { ScannedObjects } from "./scan.service.ts";
import { guardrailsOf } from "./workspace.service.ts";

const WEEK_MS = 7 * 86_400_000;
/** Link checks the engine reads: as far back as its estimates look. */
const LINK_CHECK_DAYS = 28;

/** Per URL: down at its latest check, and the days on which a check failed. */
export function linkStatus(checks: readonly LinkCheckRow[]): Map<string, { down: boolean; downDates: string[] }> {
  const out = new Map<string, { down: boolean; downDates: string[] }>();
  for (const c of checks) {
    const entry = out.get(c.url) ?? { down: false, downDates: [] };
    entry.down = c.ok === 0;
    if (c.ok === 0 && !entry.downDates.includes(c.date)) entry.downDates.push(c.date);
    out.set(c.url, entry);
  }
  return out;
}

/** The account's day an object was created on (Graph `created_time`, e.g. 2026-03-01T09:30:00+0000); undefined when absent or unreadable. */
function createdDay(createdTime: string | undefined, timeZone: string): string | undefined {
  const at = createdTime ? Date.parse(createdTime) : NaN;
  return Number.isFinite(at) ? accountClock(at, timeZone).today : undefined;
}

/** The engine's input for one connection, from its latest completed scan. */
export async function buildSnapshot(db: AutopilotDb, workspace: WorkspaceRow, connection: ConnectionRow, now: number): Promise<PlannerSnapshot & { scanId: string; scanFingerprint: string; scanStartedAt: number }> {
  const scan = await latestCompletedScan(db, connection.id);
  if (!scan || !scan.objects_json) throw errors.invalidParameter(`act_${connection.ad_account_id} has not been scanned yet: run \`grantline autopilot scan\` first.`);
  const objects = JSON.parse(scan.objects_json) as ScannedObjects;
  const timeZone = zoneOrUtc(objects.account.timezone_name);
  const linkOf = new Map(objects.creatives.map((c) => [c.id, c.link_url]));
  const daily: SnapshotDay[] = (await listInsights(db, scan.id)).map((r) => ({
    adId: r.ad_id,
    adSetId: r.adset_id,
    campaignId: r.campaign_id,
    date: r.date,
    impressions: r.impressions,
    clicks: r.clicks,
    spend: r.spend,
    conversions: r.conversions,
    revenue: r.revenue,
  }));
  const links = linkStatus(await linkChecksSince(db, connection.id, now - LINK_CHECK_DAYS * 86_400_000));
  const history = (await actionsOnConnectionSince(db, connection.id, now - WEEK_MS)).map((a) => ({
    objectId: a.object_id,
    kind: a.kind as PlannerActionKind,
    field: a.field,
    oldValue: a.old_value,
    newValue: a.new_value,
    state: a.state,
    at: a.executed_at ?? a.created_at,
    approvedBy: a.approved_by,
  }));
  return {
    scanId: scan.id,
    scanFingerprint: scan.fingerprint ?? "",
    scanStartedAt: scan.started_at,
    accountId: connection.ad_account_id,
    accountName: objects.account.name,
    currency: objects.account.currency,
    timeZone,
    lastDate: scan.until,
    campaigns: objects.campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status })),
    adSets: objects.adSets.map((s) => ({
      id: s.id,
      campaignId: s.campaign_id,
      name: s.name,
      status: s.status,
      effectiveStatus: s.effective_status,
      dailyBudget: s.daily_budget === undefined ? null : Number(s.daily_budget),
      lifetimeBudget: s.lifetime_budget === undefined ? null : Number(s.lifetime_budget),
      endDate: s.end_time?.slice(0, 10),
      startDate: s.start_time?.slice(0, 10),
    })),
    ads: objects.ads.map((a) => ({
      id: a.id,
      adSetId: a.adset_id,
      campaignId: a.campaign_id,
      name: a.name,
      status: a.status,
      effectiveStatus: a.effective_status,
      reviewFeedback: a.ad_review_feedback?.global,
      linkUrl: a.creative ? linkOf.get(a.creative.id) : undefined,
      linkCheck: a.creative && linkOf.get(a.creative.id) ? links.get(linkOf.get(a.creative.id)!) : undefined,
      createdDate: createdDay(a.created_time, timeZone),
    })),
    daily,
    guardrails: guardrailsOf(workspace),
    capabilities: JSON.parse(connection.scopes_json) as string[],
    history,
    now,
    mode: workspace.mode === "autopilot" ? "autopilot" : "semi_auto",
    killSwitch: workspace.killed === 1,
    ...(objects.partnerGuardrails ? { partnerGuardrails: objects.partnerGuardrails } : {}),
  };
}

/**
 * What an approval rests on for one object: its configured state and its last 7 days of delivery
 * in the snapshot. A queue item whose object's fingerprint changed has expired.
 */
export function objectFingerprint(snapshot: PlannerSnapshot, objectId: string): string {
  const adSet = snapshot.adSets.find((s) => s.id === objectId);
  const ad = snapshot.ads.find((a) => a.id === objectId);
  const state = adSet ? [adSet.status, adSet.dailyBudget] : ad ? [ad.status] : [];
  const last = new Date(`${snapshot.lastDate}T00:00:00Z`).getTime();
  const since = new Date(last - 6 * 86_400_000).toISOString().slice(0, 10);
  const days = snapshot.daily
    .filter((d) => d.date >= since && (d.adId === objectId || d.adSetId === objectId))
    .map((d) => [d.adId, d.date, d.spend, d.conversions, d.revenue]);
  return crypto.createHash("sha256").update(JSON.stringify([objectId, state, days])).digest("hex").slice(0, 32);
}
