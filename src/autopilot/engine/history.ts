/** What the action history says about an object: its budget a day ago, its last change, changes this hour. */
import type { AccountSnapshot, ActionRecord } from "./types.ts";

const HOUR_MS = 3_600_000;

export interface ObjectHistory {
  /** Records for the object, oldest first. */
  records: ActionRecord[];
}

export function historyByObject(history: readonly ActionRecord[]): Map<string, ActionRecord[]> {
  const out = new Map<string, ActionRecord[]>();
  for (const r of history) {
    const list = out.get(r.objectId);
    if (list) list.push(r);
    else out.set(r.objectId, [r]);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/** The budget the object had 24 hours ago: the old value of its first budget change since, else the current one. */
export function budgetDayAgo(records: readonly ActionRecord[] | undefined, now: number, current: number): number {
  if (!records) return current;
  for (const r of records) {
    if (r.field === "daily_budget" && r.at > now - 24 * HOUR_MS && r.at <= now && typeof r.oldValue === "number") return r.oldValue;
  }
  return current;
}

/** Budget changes of the object within the last hour. */
export function budgetChangesLastHour(records: readonly ActionRecord[] | undefined, now: number): number {
  if (!records) return 0;
  return records.filter((r) => r.field === "daily_budget" && r.at > now - HOUR_MS && r.at <= now).length;
}

/** Whether any change of the object is more recent than the cooldown. */
export function inCooldown(records: readonly ActionRecord[] | undefined, now: number, cooldownMinutes: number): boolean {
  if (!records) return false;
  return records.some((r) => r.kind !== "notify" && r.at > now - cooldownMinutes * 60_000 && r.at <= now);
}

/** Whether the caller's token may write the object: its id, its campaign's or its account's is listed. */
export function objectAllowed(snapshot: AccountSnapshot, objectId: string, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(objectId) || allowed.has(snapshot.accountId)) return true;
  const adSet = snapshot.adSets.find((s) => s.id === objectId);
  if (adSet) return allowed.has(adSet.campaignId);
  const ad = snapshot.ads.find((a) => a.id === objectId);
  if (ad) {
    if (allowed.has(ad.adSetId)) return true;
    const parent = snapshot.adSets.find((s) => s.id === ad.adSetId);
    return parent !== undefined && allowed.has(parent.campaignId);
  }
  return false;
}
