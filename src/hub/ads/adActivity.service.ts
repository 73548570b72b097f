import { adAccountAuditEntries, type AuditRow } from "../audit/audit.repository.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import { authorizeOnAccount, readAdAccount } from "./adAccountScope.ts";
import { hasVerb } from "../audit/auditActions.ts";

/**
 * An ad account's activity log (Meta's `GET act_<id>/activities`, AdActivity), read from the hub's
 * audit log: one activity per kind of change, under Meta's `event_type` names
 * (enum AdActivity_event_type in graph-api-specs/enum_types.json). Meta's log keeps its old names:
 * a "campaign group" is a campaign and a "campaign" in `update_campaign_*` is an ad set's budget
 * line, so campaign changes use the campaign_group names where Meta has them.
 */
export interface AdActivityView {
  event_type: string;
  translated_event_type: string;
  /** Seconds, as the Graph gives times in this log. */
  event_time: string;
  actor_id?: string;
  actor_name?: string;
  application_id?: string;
  object_id: string;
  object_name?: string;
  object_type: string;
  /** JSON text, as Meta gives it: the old and new values of what changed. */
  extra_data: string;
}

type Kind = "campaign" | "adset" | "ad" | "adcreative" | "ad_account";

/** Meta's object_type of each kind (its internal names for campaigns, ad sets and ads). */
const OBJECT_TYPE: Record<Kind, string> = { campaign: "CAMPAIGN_GROUP", adset: "CAMPAIGN", ad: "ADGROUP", adcreative: "AD_CREATIVE", ad_account: "AD_ACCOUNT" };

const CREATED: Partial<Record<Kind, string>> = { campaign: "create_campaign_group", adset: "create_ad_set", ad: "create_ad" };

/** Per kind: which changed field is which event; fields not listed fall under the kind's catch-all. */
const CHANGED: Record<Kind, { fields: Record<string, string>; other: string }> = {
  campaign: {
    fields: {
      name: "update_campaign_name",
      status: "update_campaign_run_status",
      daily_budget: "update_campaign_budget",
      lifetime_budget: "update_campaign_budget",
      bid_strategy: "update_campaign_budget",
      spend_cap: "update_campaign_group_spend_cap",
      start_time: "update_campaign_schedule",
      stop_time: "update_campaign_schedule",
    },
    other: "update_campaign_delivery_type",
  },
  adset: {
    fields: {
      name: "update_ad_set_name",
      status: "update_ad_set_run_status",
      daily_budget: "update_ad_set_budget",
      lifetime_budget: "update_ad_set_budget",
      targeting: "update_ad_set_target_spec",
      bid_strategy: "update_ad_set_bid_strategy",
      bid_amount: "update_ad_set_bidding",
      bid_constraints: "update_ad_set_bidding",
      optimization_goal: "update_ad_set_optimization_goal",
      start_time: "update_ad_set_duration",
      end_time: "update_ad_set_duration",
    },
    other: "update_ad_set_bidding",
  },
  ad: {
    fields: { name: "update_ad_friendly_name", status: "update_ad_run_status", creative_id: "update_ad_creative", creative: "update_ad_creative" },
    other: "update_ad_creative",
  },
  adcreative: { fields: {}, other: "edit_and_update_ad_creative" },
  ad_account: { fields: { spend_cap: "ad_account_update_spend_limit", status: "ad_account_update_status", account_status: "ad_account_update_status" }, other: "ad_account_set_business_information" },
};

const KINDS = new Set<string>(Object.keys(OBJECT_TYPE));
/** The most entries one read of the log looks at. */
const MAX_ENTRIES = 5000;

const parse = (text: string | null): Record<string, unknown> => (text ? (JSON.parse(text) as Record<string, unknown>) : {});

export class AdActivityService {
  constructor(private readonly deps: HubDeps) {}

  /** Activities newest first, between `since` and `until` (ms) when given; readable by whoever may view the account. */
  async activities(ctx: RequestContext, accountId: string, range: { since?: number; until?: number }): Promise<AdActivityView[]> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const entries = await adAccountAuditEntries(this.deps.db, account.id, range, MAX_ENTRIES);
    const index = this.deps.engine.index;
    return entries.flatMap((entry) => this.present(entry, account.id, (id) => index.principals.get(id)?.name));
  }

  private present(entry: AuditRow, accountId: string, nameOf: (id: string) => string | undefined): AdActivityView[] {
    const kind = (entry.target_type ?? "") as Kind;
    // Review verdicts are the platform's, not changes anyone made to the account.
    if (!KINDS.has(kind) || !entry.target_id || hasVerb(entry.action, "review")) return [];
    const before = parse(entry.before_json);
    const after = parse(entry.after_json);
    const base = {
      event_time: String(Math.floor(entry.at / 1000)),
      ...(entry.actor_id ? { actor_id: entry.actor_id, ...(nameOf(entry.actor_id) ? { actor_name: nameOf(entry.actor_id) } : {}) } : {}),
      ...(entry.app_id ? { application_id: entry.app_id } : {}),
      object_id: kind === "ad_account" ? adAccountGraphId(accountId) : entry.target_id,
      object_type: OBJECT_TYPE[kind],
    };
    const name = typeof after.name === "string" ? after.name : typeof before.name === "string" ? before.name : undefined;
    const withName = name === undefined ? base : { ...base, object_name: name };
    const activity = (eventType: string, extra: Record<string, unknown>): AdActivityView => ({
      ...withName,
      event_type: eventType,
      translated_event_type: eventType.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
      extra_data: JSON.stringify(extra),
    });
    if (hasVerb(entry.action, "create")) {
      // Meta logs no event for making an ad account or a creative.
      const created = CREATED[kind];
      return created ? [activity(created, { new_value: after })] : [];
    }
    // One activity per kind of change, each with the old and new values of its fields.
    const byEvent = new Map<string, string[]>();
    for (const field of Object.keys(after)) {
      const eventType = CHANGED[kind].fields[field] ?? CHANGED[kind].other;
      byEvent.set(eventType, [...(byEvent.get(eventType) ?? []), field]);
    }
    return [...byEvent].map(([eventType, fields]) => {
      const pick = (values: Record<string, unknown>) => (fields.length === 1 ? values[fields[0]!] : Object.fromEntries(fields.map((f) => [f, values[f]])));
      return activity(eventType, { old_value: pick(before), new_value: pick(after) });
    });
  }
}
