import type { AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant } from "../catalogue/permissionLevels.ts";
import type { AuditAction, AuditActionPrefix, AuditActionVerb } from "./auditActions.ts";

/**
 * Audit entries as sentences people read ("Alice Advertiser offered Northwind Media Standard access
 * to Acme Main"), and the categories the audit log filters by. The entry keeps its action code;
 * these words are how the console and the API's `description` field show it.
 */

/** Categories of the audit log, each the action prefixes it gathers. */
export const AUDIT_CATEGORIES = {
  partners: ["share", "partner", "removal", "guardrails"],
  people: ["person", "member", "invitation", "assignment", "system_user"],
  apps_and_tokens: ["app", "token", "oauth", "webhook"],
  sign_in: ["auth"],
  ads: ["ad_account", "campaign", "adset", "ad", "adcreative", "adimage", "adlabel"],
  access_review: ["review"],
  alerts: ["alert_channel"],
  business: ["business", "asset"],
  autopilot: ["autopilot"],
} as const satisfies Record<string, readonly AuditActionPrefix[]>;
export type AuditCategory = keyof typeof AUDIT_CATEGORIES;

export function isAuditCategory(value: string): value is AuditCategory {
  return Object.hasOwn(AUDIT_CATEGORIES, value);
}

/** The names an entry's sentence uses, looked up by the caller (null when unknown or gone). */
export interface SentenceParts {
  action: AuditAction;
  outcome: string;
  reason: string | null;
  actor: string | null;
  target: string | null;
  /** The asset type of the target, when it is an asset (to name a level). */
  assetType: AssetType | null;
  /** A second party named in the entry's details (the partner of a share, the person assigned). */
  other: string | null;
  /** Tasks in the entry's details, when it granted some. */
  tasks: readonly string[] | null;
}

type Phrase = (p: SentenceParts & { what: string; level: string }) => string;

/** What each action did, after the actor's name. */
const PHRASES: Partial<Record<AuditAction, Phrase>> = {
  "share.offer": (p) => `offered ${p.other ?? "a partner"} ${p.level}access to ${p.what}`,
  "share.request": (p) => `asked for ${p.level}access to ${p.what}`,
  "share.request_update": (p) => `asked to change its access to ${p.what}`,
  "share.accept": (p) => `accepted access to ${p.what}`,
  "share.accept_or_request": (p) => `accepted or asked for access to ${p.what}`,
  "share.change_tasks": (p) => `changed ${p.other ? `${p.other}'s ` : "a partner's "}access to ${p.what}${p.level ? ` to ${p.level.trim()}` : ""}`,
  "share.remove": (p) => `ended ${p.other ? `${p.other}'s ` : "a partner's "}access to ${p.what}`,
  "share.sweep": (p) => `ended expired access to ${p.what}`,
  "partner.remove": (p) => `removed the partner ${p.what}`,
  "removal.verify": (p) => `verified the removal of ${p.what}`,
  "guardrails.set": (p) => `set guardrails${p.other ? ` for ${p.other}` : ""} on ${p.what}`,
  "guardrails.remove": (p) => `removed the guardrails${p.other ? ` of ${p.other}` : ""} on ${p.what}`,
  "assignment.set": (p) => `assigned ${p.other ?? "someone"} ${p.level}to ${p.what}`,
  "assignment.add": (p) => `assigned ${p.other ?? "someone"} ${p.level}to ${p.what}`,
  "assignment.change": (p) => `changed ${p.other ? `${p.other}'s` : "an"} assignment on ${p.what}${p.level ? ` to ${p.level.trim()}` : ""}`,
  "assignment.remove": (p) => `unassigned ${p.other ?? "someone"} from ${p.what}`,
  "member.add": (p) => `added ${p.what} to the business`,
  "member.remove": (p) => `removed ${p.what} from the business`,
  "member.set_role": (p) => `changed the role of ${p.what}`,
  "person.create": (p) => `created the account of ${p.what}`,
  "person.set_password": (p) => `set the password of ${p.what}`,
  "invitation.create": (p) => `invited ${p.what}`,
  "invitation.resend": (p) => `sent the invitation of ${p.what} again`,
  "invitation.mail": (p) => `could not mail the invitation of ${p.what}`,
  "invitation.cancel": (p) => `cancelled the invitation of ${p.what}`,
  "invitation.accept": (p) => `accepted the invitation to ${p.what}`,
  "system_user.create": (p) => `created the system user ${p.what}`,
  "system_user.delete": (p) => `deleted the system user ${p.what}`,
  "token.issue": (p) => `issued an access token for ${p.what}`,
  "token.revoke": (p) => `revoked an access token of ${p.what}`,
  "token.expiry_warning": (p) => `was warned that a token of ${p.what} expires soon`,
  "app.create": (p) => `created the app ${p.what}`,
  "app.grant": (p) => `connected the app ${p.what}`,
  "app.revoke": (p) => `disconnected the app ${p.what}`,
  "app.remove_from_business": (p) => `removed the app ${p.what} from the business`,
  "app.review": (p) => `reviewed the app ${p.what}`,
  "auth.login": () => "signed in",
  "auth.logout": () => "signed out",
  "auth.password_reset_request": () => "asked to reset a password",
  "auth.password_reset": () => "reset a password",
  "auth.totp_enroll": () => "started setting up two-factor authentication",
  "auth.totp_confirm": () => "turned on two-factor authentication",
  "auth.totp_disable": () => "turned off two-factor authentication",
  "business.create": (p) => `created the business ${p.what}`,
  "business.update": (p) => `changed the settings of ${p.what}`,
  "asset.create": (p) => `created ${p.what}`,
  "ad_account.update": (p) => `changed the settings of ${p.what}`,
  "review.start": (p) => `started the access review ${p.what}`,
  "review.decide": (p) => `decided an item of the access review ${p.what}`,
  "review.close": (p) => `closed the access review ${p.what}`,
  "review.reminder": (p) => `sent a reminder for the access review ${p.what}`,
  "review.reconcile": (p) => `closed items of the access review ${p.what} whose access was already removed`,
  "review.graph_target": (p) => `added ${p.what} to review through a Graph API`,
  "review.graph_target_remove": (p) => `removed ${p.what} from review through a Graph API, with its token`,
  "alert_channel.add": (p) => `added the alert channel ${p.what}`,
  "alert_channel.remove": (p) => `removed the alert channel ${p.what}`,
  "alert_channel.test": (p) => `sent a test alert to ${p.what}`,
};

/** Object kinds of action prefixes without a phrase: "campaign.create" → "created the campaign X". */
const OBJECT_WORDS: Record<string, string> = {
  campaign: "campaign",
  adset: "ad set",
  ad: "ad",
  adcreative: "creative",
  adimage: "image",
  adlabel: "ad label",
  webhook: "webhook",
  autopilot: "Autopilot",
} satisfies Partial<Record<AuditActionPrefix, string>>;
const VERB_WORDS: Record<string, string> = { create: "created", update: "changed", delete: "deleted", remove: "removed", review: "reviewed", subscribe: "subscribed to", unsubscribe: "unsubscribed from", configure: "configured" } satisfies Partial<Record<AuditActionVerb, string>>;

function fallback(p: SentenceParts & { what: string }): string {
  const [prefix = "", verb = ""] = p.action.split(".");
  const object = OBJECT_WORDS[prefix] ?? prefix.replaceAll("_", " ");
  const did = VERB_WORDS[verb] ?? `did ${verb.replaceAll("_", " ")} on`;
  return `${did} the ${object}${p.target ? ` ${p.target}` : ""}`;
}

const OUTCOME_WORDS: Record<string, string> = { denied: "Refused", invalid: "Rejected as invalid", failed: "Failed" };

/** The entry as one sentence; a refused or failed attempt says so first, and its reason after. */
export function auditSentence(parts: SentenceParts): string {
  const who = parts.actor ?? "Grantline";
  const what = parts.target ?? "an object that no longer exists";
  const level = parts.tasks && parts.assetType ? `${describeGrant(parts.assetType, parts.tasks)} ` : "";
  const phrase = PHRASES[parts.action];
  const did = phrase ? phrase({ ...parts, what, level }) : fallback({ ...parts, what });
  const sentence = `${who} ${did}.`;
  if (parts.outcome === "success") return sentence;
  const why = parts.reason ? ` ${parts.reason.replace(/\.$/, "")}.` : "";
  return `${OUTCOME_WORDS[parts.outcome] ?? "Not done"}: ${sentence}${why}`;
}

/**
 * Where an entry's ids get their names. The caller answers only for objects the reader may know
 * of (undefined otherwise, and the sentence says "an object"): an entry about a stranger's asset
 * must not tell its name.
 */
export interface AuditNames {
  /** Whoever acted on this business's objects (the log's reader is entitled to know). */
  actor(id: string): string | undefined;
  business(id: string): string | undefined;
  principal(id: string): string | undefined;
  asset(id: string): { name: string; type: AssetType } | undefined;
}

interface AuditRowLike {
  action: AuditAction;
  outcome: string;
  reason: string | null;
  actor_id: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
}

const parse = (json: string | null): Record<string, unknown> => {
  if (!json) return {};
  const value = JSON.parse(json) as unknown;
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
};

/** The parts of an entry's sentence, its ids named through `names`. */
export function sentencePartsOf(row: AuditRowLike, names: AuditNames): SentenceParts {
  const after = parse(row.after_json);
  const before = parse(row.before_json);
  const detail = (key: string): unknown => after[key] ?? before[key];
  const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
  const nameOf = (id: string | undefined): string | undefined => (id === undefined ? undefined : (names.asset(id)?.name ?? names.business(id) ?? names.principal(id)));
  const asset = row.target_id ? names.asset(row.target_id) : undefined;
  const otherId = str(detail("partner")) ?? str(detail("business")) ?? str(detail("principal"));
  const tasks = detail("tasks");
  return {
    action: row.action,
    outcome: row.outcome,
    reason: row.reason,
    actor: row.actor_id ? (names.actor(row.actor_id) ?? null) : null,
    target: nameOf(row.target_id ?? undefined) ?? str(detail("name")) ?? str(detail("email")) ?? null,
    assetType: asset?.type ?? null,
    other: nameOf(otherId) ?? null,
    tasks: Array.isArray(tasks) && tasks.every((t) => typeof t === "string") ? (tasks as string[]) : null,
  };
}

/** The category an action belongs to, if any. */
export function auditCategoryOf(action: string): AuditCategory | undefined {
  const prefix = action.split(".")[0] ?? "";
  return (Object.keys(AUDIT_CATEGORIES) as AuditCategory[]).find((c) => (AUDIT_CATEGORIES[c] as readonly string[]).includes(prefix));
}
