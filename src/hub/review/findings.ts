import { isoTime } from "../../timeFormat.ts";
import { ACTION_NAMES, isActionName, requiredMask, type ActionName } from "../catalogue/actions.ts";
import type { AssetType } from "../catalogue/assetTypes.ts";
import type { AuditAction, AuditActionPrefix } from "../audit/auditActions.ts";

/** What an access review reports, in the order the report lists them. */
export const FINDING_KINDS = [
  "unused",
  "over_privileged",
  "stale_principal",
  "external",
  "unverified_app_write",
  "share_ending",
  "missing_2fa",
  "unguarded_partner",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export type FixAction =
  | "downgrade"
  | "revoke_share"
  | "remove_assignment"
  | "remove_member"
  | "revoke_token"
  | "remove_app"
  | "require_2fa"
  | "renew_or_end_share"
  | "set_guardrails";

/** A principal, asset, partner business or app, named for people reading the finding. */
export interface FindingRef {
  id: string;
  name: string;
  type: string;
}

/** One change that resolves the finding; `params` are what the service call that makes it needs. */
export interface FindingFix {
  action: FixAction;
  description: string;
  params: Record<string, unknown>;
}

export interface Finding {
  kind: FindingKind;
  principal: FindingRef | null;
  asset: FindingRef | null;
  /** How the principal reaches the asset, in plain words. */
  path: string;
  evidence: Record<string, unknown>;
  /**
   * The fix the finding has always named (what `--apply-fix`, the CLI text and older readers of the
   * Graph answer use). It is one of `fixes`.
   */
  fix: FindingFix;
  /**
   * When a finding can be fixed more than one way: every fix, narrowest first (one principal's
   * assignment before the partner's share at a smaller level, and that before ending the share).
   * Any of them can be applied. Absent when `fix` is the only one, so a finding keeps the six keys
   * the review's report has always had unless there is a choice to offer (see `fixesOf`).
   */
  fixes?: FindingFix[];
}

/** A finding as a rule builds it: `fixes` may list the one `fix` alone. */
export type FindingDraft = Finding;

/** Keeps `fixes` only when it offers a choice. */
export function withFixes(draft: FindingDraft): Finding {
  const { fixes, ...rest } = draft;
  return fixes !== undefined && fixes.length > 1 ? { ...rest, fixes } : rest;
}

/** Every fix of a finding, narrowest first. */
export function fixesOf(finding: Pick<Finding, "fix" | "fixes">): FindingFix[] {
  return finding.fixes ?? [finding.fix];
}

export interface AccessReviewReport {
  business_id: string;
  window_days: number;
  findings: Finding[];
}

/** App scopes that let an app change things (spend, settings, catalogs, page ads). */
export const WRITE_SCOPES: readonly string[] = ["ads_management", "business_management", "catalog_management", "pages_manage_ads"];

const AD_OBJECTS: ReadonlySet<string> = new Set<AuditActionPrefix>(["campaign", "adset", "ad", "adcreative"]);

/**
 * The catalogue action an audited entry exercised, or undefined when the entry is not a use of the
 * asset. What counts as use: a successful audited action by the principal on the asset or on an ad
 * object under it — writes (campaigns, ad sets, ads, creatives, account settings) as the services
 * record them, and reads when they are audited (`graph.get`, with target type `insights` for
 * reporting). Access-management entries (share.*, assignment.*) are not use: accepting or being
 * given access is not exercising it.
 */
export function actionOfAuditEntry(action: AuditAction | ActionName, targetType: string | null): ActionName | undefined {
  if (isActionName(action)) return action;
  if (action === "graph.get") return targetType === "insights" ? "read_insights" : "view_asset";
  if (action === "ad_account.update") return "manage_settings";
  const [object, verb] = action.split(".");
  if (object && AD_OBJECTS.has(object)) return verb === "create" ? "create_campaign" : "edit_campaign";
  return undefined;
}

/** Each catalogue action as one bit, so a set of actions is a number (and SQL can pool them with a sum of distinct bits). */
export const ACTION_BITS: ReadonlyMap<ActionName, number> = new Map(ACTION_NAMES.map((name, i) => [name, 1 << i]));

/** The actions whose bits are set, in the catalogue's order. */
export function actionsOfBits(bits: number): ActionName[] {
  return ACTION_NAMES.filter((name) => (bits & ACTION_BITS.get(name)!) !== 0);
}

/** The tasks (as a mask) the audited actions needed on an asset of this type; unsupported ones add nothing. */
export function usedMask(type: AssetType, actions: Iterable<ActionName>): number {
  let mask = 0;
  for (const action of actions) mask |= requiredMask(action, type);
  return mask;
}

/** ISO time of an epoch-ms value, or null. */
export function isoOrNull(at: number | null | undefined): string | null {
  return isoTime(at);
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Spend (minor units, within the review's window) above which an ad account shared at a level that
 * can change budgets (Standard, Admin) without partner guardrails is a finding: 1,000.00 in the
 * account's currency. Smaller accounts are left out so the finding stays about real money.
 */
export const UNGUARDED_SPEND_THRESHOLD = 100_000;
