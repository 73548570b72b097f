/**
 * What the Add partner wizard works out without React: the assets it offers and what came of each
 * offer, what the owner already shares with the partner, the checks on the Business ID and the end
 * date, and the guardrails sent with an offer.
 */
import { formatTime } from "../../shared/format.ts";
import type { AssetType, PermissionLevel, Share } from "../../shared/wire.ts";
import { paramsOf, type GuardrailDraft } from "./guardrailWords.ts";

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Ad account tasks that let a partner change budgets: a share with one of them may get guardrails. */
const BUDGET_TASKS = ["ADVERTISE", "MANAGE"];

/** Whether a level lets the partner change budgets, so that guardrails mean something on it. */
export function changesBudgets(level: PermissionLevel | undefined): boolean {
  return (level?.tasks ?? []).some((t) => BUDGET_TASKS.includes(t));
}

export interface ChosenAsset {
  graphId: string;
  name: string;
  type: AssetType;
}

export interface SendResult {
  asset: ChosenAsset;
  ok: boolean;
  message: string;
}

/** A share between the two businesses on one asset, with what it means for offering that asset. */
export interface ShareNote {
  share: Share;
  blocked: boolean;
  text: string;
}

/**
 * What the owner already shares with the partner, by asset: an active share or an offer the owner
 * sent cannot be offered again here (the hub would change its tasks without the confirmation a
 * narrowing needs; the partner's page changes levels); a request the partner sent can be approved
 * by offering it, as `POST /{asset}/agencies` does.
 */
function existingShareNote(share: Share, partnerName: string): { blocked: boolean; text: string } {
  if (share.status === "ACTIVE") {
    return { blocked: true, text: `Already shared: ${share.access_level}${share.end_time ? ` until ${formatTime(share.end_time)}` : ""}. Change it on ${partnerName}'s page.` };
  }
  if (share.initiated_by === "OWNER") {
    return { blocked: true, text: `Offer pending: ${share.access_level}, waiting for ${partnerName} to accept${share.expiration_time ? ` (expires ${formatTime(share.expiration_time)})` : ""}.` };
  }
  return { blocked: false, text: `${partnerName} asked for ${share.access_level}: sending approves their request at the level you pick.` };
}

/** The shares between the two businesses on assets `businessId` owns, by asset id, each with its note. */
export function shareNotes(shares: readonly Share[], businessId: string, partnerName: string): Map<string, ShareNote> {
  return new Map(shares.filter((s) => s.owner.id === businessId).map((s) => [s.asset.id, { share: s, ...existingShareNote(s, partnerName) }]));
}

/** Why a typed Business ID cannot be looked up, or null when it can. */
export function businessIdProblem(id: string, ownBusinessId: string): string | null {
  if (!/^\d+$/.test(id)) return "A Business ID is a number, like 1234567890. Ask your partner for theirs: Business Settings → Business info.";
  if (id === ownBusinessId) return "That is your own Business ID. Enter your partner's.";
  return null;
}

/** The end of the picked day (UTC) in epoch milliseconds: access ends then. NaN when it is not a date. */
function endOfDay(endDate: string): number {
  return Date.parse(`${endDate}T23:59:59Z`);
}

/** Why a picked end date cannot be used, or null when it can. */
export function endDateProblem(endDate: string, now: number): string | null {
  const at = endOfDay(endDate);
  if (!Number.isFinite(at) || at <= now) return "Pick a date in the future, or leave it empty for access with no end date.";
  return null;
}

/** An offer's `end_time` in epoch seconds, or undefined for access with no end date. */
export function endTimeOf(endDate: string): string | undefined {
  return endDate ? String(Math.floor(endOfDay(endDate) / 1000)) : undefined;
}

/** The guardrails to send with an offer from the form's draft, or undefined when it sets none. */
export function offeredGuardrails(draft: GuardrailDraft, currency: string) {
  const { params, any } = paramsOf(draft, currency);
  if (!any) return undefined;
  // Only the limits set: "" would clear a limit, and a new share has none to clear.
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ""));
}
