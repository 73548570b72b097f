import type { Alert, AlertField } from "./alert.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import type { Executor } from "../../store/database.ts";
import type { AccessEngine } from "../access/accessEngine.ts";
import type { AuditRow } from "../audit/audit.repository.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import { isMember } from "../access/visibility.ts";
import { ACTION_NAMES, ACTIONS, type ActionSpec } from "../catalogue/actions.ts";
import { ASSET_TYPES, type AssetType } from "../catalogue/assetTypes.ts";
import { WRITE_SCOPES } from "../review/findings.ts";
import * as repo from "./securityAlert.repository.ts";

export const SECURITY_ALERT_KINDS = ["partner_added", "share_write_access", "app_write_access", "unverified_app_write", "denied_burst", "spend_change"] as const;
export type SecurityAlertKind = (typeof SECURITY_ALERT_KINDS)[number];

export interface SecurityRuleSettings {
  /** This many refusals of one principal against one business within deniedWindowMs is a burst. */
  deniedBurst: number;
  deniedWindowMs: number;
  /** A budget, spend cap or bid raised by at least this percentage (by a partner or an app) is reported. */
  spendChangePercent: number;
  /** Base of links in alerts (GRANTLINE_PUBLIC_URL); none when unset. */
  publicUrl?: string | undefined;
}

/** Tasks that some write action needs, per asset type: gaining one is gaining write access. */
const WRITE_TASKS: Record<AssetType, Set<string>> = Object.fromEntries(
  ASSET_TYPES.map((type) => [
    type,
    new Set(ACTION_NAMES.flatMap((name) => {
      const spec: ActionSpec = ACTIONS[name];
      return spec.write ? (spec.requires[type] ?? []) : [];
    })),
  ]),
) as Record<AssetType, Set<string>>;

/** Money fields whose increase is a spend change, per audited object, with their plain names. */
const SPEND_FIELDS: Partial<Record<AuditAction, Record<string, string>>> = {
  "campaign.update": { daily_budget: "daily budget", lifetime_budget: "lifetime budget", spend_cap: "spend cap" },
  "adset.update": { daily_budget: "daily budget", lifetime_budget: "lifetime budget", bid_amount: "bid" },
  "ad_account.update": { spendCap: "spend cap" },
};
/** Fields where null means "no limit", so going to null is the largest possible increase. */
const CAP_FIELDS = new Set(["spend_cap", "spendCap"]);

type Json = Record<string, unknown>;
const parse = (text: string | null): Json => (text ? ((JSON.parse(text) as Json | null) ?? {}) : {});
const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * Turns one audit entry into the security alerts it calls for. Rules read the entry and the
 * hub's current state (names, roles); each alert names who did what to which asset and cites the
 * audit entries it rests on.
 */
export class SecurityRules {
  constructor(
    private readonly engine: AccessEngine,
    private readonly settings: SecurityRuleSettings,
  ) {}

  async evaluate(trx: Executor, entry: AuditRow): Promise<Alert[]> {
    if (entry.outcome === "denied") return this.deniedBurst(trx, entry);
    if (entry.outcome !== "success") return [];
    switch (entry.action) {
      case "share.accept":
      case "share.approve":
        return this.partnerAdded(entry);
      case "share.change_tasks":
        return this.shareRaised(entry);
      case "app.grant":
        return this.appGrant(trx, entry);
      case "campaign.update":
      case "adset.update":
      case "ad_account.update":
        return this.spendChange(trx, entry);
      default:
        return [];
    }
  }

  // ---- partners ------------------------------------------------------------------------------

  private partnerAdded(entry: AuditRow): Alert[] {
    const after = parse(entry.after_json);
    const assetId = entry.target_id ?? "";
    const asset = this.engine.asset(assetId);
    // Accepting is recorded under the partner's business, approving under the owner's.
    const ownerId = entry.action === "share.accept" ? asset?.ownerId : (entry.business_id ?? undefined);
    const partnerId = entry.action === "share.accept" ? entry.business_id : String(after.partner ?? "");
    if (!ownerId || !partnerId) return [];
    const tasks = stringList(after.tasks);
    const write = tasks.filter((t) => asset && WRITE_TASKS[asset.type].has(t));
    const verb = entry.action === "share.accept" ? "accepted the offer" : "request was approved";
    return [
      this.alert(entry, ownerId, {
        kind: "partner_added",
        severity: "warning",
        title: `New partner ${this.businessName(partnerId)} on ${this.assetName(assetId)}`,
        body: `${this.businessName(partnerId)} now reaches ${this.assetName(assetId)} through a partner share (${entry.action === "share.accept" ? `the partner ${verb}` : `the partner's ${verb}`}) with ${write.length > 0 ? "write" : "read-only"} tasks.`,
        fields: [
          { name: "Partner", value: `${this.businessName(partnerId)} (Business ID ${partnerId})` },
          { name: "Asset", value: this.assetLabel(assetId) },
          { name: "Tasks", value: tasks.join(", ") || "none" },
          { name: "By", value: this.who(entry) },
        ],
        dedupKey: `partner_added:${assetId}:${partnerId}`,
      }),
    ];
  }

  private shareRaised(entry: AuditRow): Alert[] {
    const before = parse(entry.before_json);
    const after = parse(entry.after_json);
    const assetId = entry.target_id ?? "";
    const asset = this.engine.asset(assetId);
    if (!asset || !entry.business_id) return [];
    const had = new Set(stringList(before.tasks));
    const gained = stringList(after.tasks).filter((t) => WRITE_TASKS[asset.type].has(t) && !had.has(t));
    if (gained.length === 0) return [];
    const partnerId = String(after.partner ?? before.partner ?? "");
    return [
      this.alert(entry, entry.business_id, {
        kind: "share_write_access",
        severity: "warning",
        title: `${this.businessName(partnerId)} was given write access to ${asset.name}`,
        body: `The partner share on ${asset.name} gained ${gained.join(", ")}.`,
        fields: [
          { name: "Partner", value: `${this.businessName(partnerId)} (Business ID ${partnerId})` },
          { name: "Asset", value: this.assetLabel(assetId) },
          { name: "Tasks before", value: [...had].join(", ") || "none" },
          { name: "Tasks now", value: stringList(after.tasks).join(", ") },
          { name: "By", value: this.who(entry) },
        ],
        dedupKey: `share_write_access:${assetId}:${partnerId}`,
      }),
    ];
  }

  // ---- apps ----------------------------------------------------------------------------------

  private async appGrant(trx: Executor, entry: AuditRow): Promise<Alert[]> {
    const after = parse(entry.after_json);
    const grantId = String(after.grant ?? "");
    const app = entry.target_id ? await repo.findAppWithBusiness(trx, entry.target_id) : undefined;
    if (!app || !entry.actor_id) return [];
    const unverified = app.verification_status !== "verified";
    // The hub's own app (Autopilot), verified, is run by the hub's operator, who already holds every
    // asset on this hub: a person connecting it lets no new party in. The grant stays in the audit
    // log, the person's connected apps and the access review's external findings, and what the app
    // then changes raises spend alerts as any app's changes do.
    if (app.first_party === 1 && !unverified) return [];
    const scopes = stringList(after.scopes);
    const earlier = new Set(await repo.earlierGrantScopes(trx, app.id, entry.actor_id, grantId, entry.at));
    const gained = scopes.filter((s) => WRITE_SCOPES.includes(s) && !earlier.has(s));
    if (gained.length === 0) return [];
    // One alert per business whose assets the grant reaches.
    const byOwner = new Map<string, string[]>();
    for (const assetId of stringList(after.assets)) {
      const owner = this.engine.asset(assetId)?.ownerId;
      if (owner) byOwner.set(owner, [...(byOwner.get(owner) ?? []), assetId]);
    }
    return [...byOwner].map(([ownerId, assets]) =>
      this.alert(entry, ownerId, {
        kind: unverified ? "unverified_app_write" : "app_write_access",
        severity: unverified ? "critical" : "warning",
        title: unverified
          ? `Unverified app ${app.name} was granted write scopes`
          : `App ${app.name} was granted write access`,
        body:
          `${this.principalName(entry.actor_id!)} connected ${app.name} (of ${app.business_name}, ${unverified ? `business verification: ${app.verification_status}` : "verified business"}) ` +
          `with ${gained.join(", ")} on ${assets.map((a) => this.assetName(a)).join(", ")}.`,
        fields: [
          { name: "App", value: `${app.name} (App ID ${app.id})` },
          { name: "App business", value: `${app.business_name} (${app.verification_status})` },
          { name: "Write scopes gained", value: gained.join(", ") },
          { name: "Assets", value: assets.map((a) => this.assetLabel(a)).join("; ") },
          { name: "Granted by", value: this.who(entry) },
          { name: "Grant", value: grantId },
        ],
        dedupKey: `${unverified ? "unverified_app_write" : "app_write_access"}:${app.id}:${entry.actor_id}`,
      }),
    );
  }

  // ---- refusals ------------------------------------------------------------------------------

  private async deniedBurst(trx: Executor, entry: AuditRow): Promise<Alert[]> {
    if (!entry.actor_id) return [];
    const businessId = await this.businessOf(trx, entry);
    await repo.recordDenial(trx, { seq: entry.seq, actor_id: entry.actor_id, business_id: businessId, at: entry.at });
    if (!businessId) return [];
    const seqs = await repo.denialsOf(trx, entry.actor_id, businessId, entry.at - this.settings.deniedWindowMs, entry.seq);
    // Exactly at the threshold: one alert per burst, not one per refusal after it.
    if (seqs.length !== this.settings.deniedBurst) return [];
    const minutes = Math.round(this.settings.deniedWindowMs / 60_000);
    return [
      this.alert(
        entry,
        businessId,
        {
          kind: "denied_burst",
          severity: "warning",
          title: `${this.principalName(entry.actor_id)} was refused ${seqs.length} times in ${minutes} min`,
          body: `${this.who(entry)} made ${seqs.length} requests against ${this.businessName(businessId)} that were refused within ${minutes} minutes. The last: ${entry.action} on ${entry.target_id ?? "?"} — ${entry.reason ?? "no reason recorded"}`,
          fields: [
            { name: "Who", value: this.who(entry) },
            { name: "Refusals", value: `${seqs.length} within ${minutes} min` },
            { name: "Last attempt", value: `${entry.action} on ${entry.target_id ?? "?"}` },
          ],
          dedupKey: `denied_burst:${entry.actor_id}`,
        },
        seqs.slice(-20),
      ),
    ];
  }

  // ---- money ---------------------------------------------------------------------------------

  private async spendChange(trx: Executor, entry: AuditRow): Promise<Alert[]> {
    const ownerId = entry.business_id;
    if (!ownerId) return [];
    const viaApp = entry.app_id !== null;
    const outsider = entry.actor_id !== null && (entry.actor_type === "person" || entry.actor_type === "system_user") && !isMember(this.engine, entry.actor_id, ownerId);
    if (!viaApp && !outsider) return [];
    const before = parse(entry.before_json);
    const after = parse(entry.after_json);
    const changes: AlertField[] = [];
    let largest = 0;
    for (const [field, label] of Object.entries(SPEND_FIELDS[entry.action] ?? {})) {
      if (!(field in after)) continue;
      const from = before[field];
      const to = after[field];
      if (typeof from !== "number" || from <= 0) continue;
      let percent: number;
      if (to === null && CAP_FIELDS.has(field)) percent = Number.POSITIVE_INFINITY;
      else if (typeof to === "number" && to > from) percent = ((to - from) / from) * 100;
      else continue;
      if (percent < this.settings.spendChangePercent) continue;
      largest = Math.max(largest, percent);
      changes.push({
        name: `${label[0]!.toUpperCase()}${label.slice(1)}`,
        value: to === null ? `${plainAmount(from)} → no cap (removed)` : `${plainAmount(from)} → ${plainAmount(to as number)} (+${Math.round(percent)}%)`,
      });
    }
    if (changes.length === 0) return [];
    const object = await this.objectLabel(trx, entry);
    const increase = Number.isFinite(largest) ? `+${Math.round(largest)}%` : "cap removed";
    return [
      this.alert(entry, ownerId, {
        kind: "spend_change",
        severity: "warning",
        title: `${viaApp ? "An app" : "A partner"} raised spend on ${object} (${increase})`,
        body: `${this.who(entry)} changed ${object}: ${changes.map((c) => `${c.name.toLowerCase()} ${c.value}`).join("; ")}. The alert threshold is +${this.settings.spendChangePercent}%.`,
        fields: [{ name: "Changed by", value: this.who(entry) }, { name: "Object", value: object }, ...changes],
        dedupKey: `spend_change:${entry.target_type ?? ""}:${entry.target_id ?? ""}:${entry.actor_id ?? ""}:${entry.app_id ?? ""}`,
      }),
    ];
  }

  // ---- helpers -------------------------------------------------------------------------------

  private alert(entry: AuditRow, businessId: string, a: Omit<Alert, "businessId" | "evidence" | "source" | "link">, evidence = [entry.seq]): Alert {
    const fields = [...(a.fields ?? []), { name: "Audit entries", value: evidence.map((s) => `#${s}`).join(", ") }];
    // Names can be long (200 characters); an alert must still fit the notifier's limits.
    return {
      ...a,
      title: clip(a.title, 150),
      body: clip(a.body, 3000),
      fields: fields.map((f) => ({ name: f.name, value: clip(f.value, 1000) })),
      businessId,
      evidence,
      source: "hub",
      link: this.settings.publicUrl ? `${this.settings.publicUrl}/v24.0/${businessId}/alerts` : null,
    };
  }

  /** The business a refusal was aimed at: the one recorded, else the owner of the target (asset, ad object), else the target business. */
  private async businessOf(trx: Executor, entry: AuditRow): Promise<string | null> {
    if (entry.business_id) return entry.business_id;
    if (!entry.target_id) return null;
    const target = assetIdFromGraph(entry.target_id);
    const owner = this.engine.asset(target)?.ownerId;
    if (owner) return owner;
    if (this.engine.index.businesses.has(target)) return target;
    // A campaign, ad set or ad: the owner of its ad account.
    const account = await repo.adObjectAccount(trx, target);
    return (account && this.engine.asset(account)?.ownerId) || null;
  }

  private who(entry: AuditRow): string {
    const actor =
      entry.actor_id !== null
        ? `${this.principalName(entry.actor_id)} (${entry.actor_type.replace("_", " ")} ${entry.actor_id}${this.homeOf(entry.actor_id)})`
        : entry.actor_type === "operator"
          ? "the operator (CLI)"
          : "Grantline";
    return entry.app_id ? `${actor} through app ${entry.app_id}` : actor;
  }

  private homeOf(principalId: string): string {
    const roles = this.engine.index.principals.get(principalId)?.roles;
    const names = roles ? [...roles.keys()].map((b) => this.businessName(b)) : [];
    return names.length > 0 ? ` of ${names.join(", ")}` : "";
  }

  private principalName(id: string): string {
    return this.engine.index.principals.get(id)?.name ?? `principal ${id}`;
  }

  private businessName(id: string): string {
    return this.engine.index.businesses.get(id) ?? `business ${id}`;
  }

  private assetName(id: string): string {
    return this.engine.asset(id)?.name ?? `asset ${id}`;
  }

  private assetLabel(id: string): string {
    const asset = this.engine.asset(id);
    if (!asset) return `asset ${id}`;
    return `${asset.name} (${asset.type === "ad_account" ? `act_${id}` : `${asset.type} ${id}`})`;
  }

  private async objectLabel(trx: Executor, entry: AuditRow): Promise<string> {
    const id = entry.target_id ?? "";
    if (entry.target_type === "ad_account") return this.assetLabel(id);
    const type = entry.target_type === "campaign" ? "campaign" : "adset";
    const found = await repo.adObjectName(trx, type, id);
    const kind = type === "campaign" ? "campaign" : "ad set";
    return found ? `${kind} ${found.name} (${id}) in ${this.assetLabel(found.account_id)}` : `${kind} ${id}`;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Minor units as a plain amount: 5000 → 50.00. */
function plainAmount(minor: number): string {
  return (minor / 100).toFixed(2);
}
