import { z } from "zod";

/** Object types apps can subscribe to. Meta has many; Grantline publishes ad account and business events. */
export const WEBHOOK_OBJECTS = ["ad_account", "business"] as const;
export type WebhookObject = (typeof WEBHOOK_OBJECTS)[number];

/**
 * What each ad account field's `value` holds. `with_issues_ad_objects` is Meta's field (extra keys
 * such as `error_code`, `error_summary`, `error_message` pass through); `partner_access` is
 * Grantline's own, for changes to partner shares of the ad account.
 */
const VALUE_SCHEMAS = {
  with_issues_ad_objects: z.looseObject({
    id: z.string().min(1),
    level: z.enum(["AD", "ADSET", "CAMPAIGN"]),
    effective_status: z.enum(["WITH_ISSUES", "DISAPPROVED"]),
  }),
  partner_access: z.looseObject({
    asset_id: z.string().min(1),
    partner_business_id: z.string().min(1),
    change: z.enum(["offered", "accepted", "tasks_changed", "removed", "ended"]),
    permitted_tasks: z.array(z.string()),
  }),
  /**
   * Grantline's own: a partner's change held by the partner guardrail `approval_above`
   * (docs/guardrails.md), when it is held, when the owner decides and when it expires undecided. The owner's managers hear of
   * every partner's; a partner only of its own.
   */
  partner_pending_change: z.looseObject({
    pending_change_id: z.string().min(1),
    partner_business_id: z.string().min(1),
    object_type: z.enum(["campaign", "adset"]),
    object_id: z.string().min(1),
    status: z.enum(["pending", "approved", "rejected", "expired"]),
    reason: z.string(),
  }),
  /**
   * Grantline's own business field: a system user token of the business expires soon. Sent once per
   * configured lead time (GRANTLINE_TOKEN_WARNING_DAYS, default 7 and 1 days before expiry).
   * `expires_at` is in unix seconds, like `time`; `lead_days` names the warning that fired.
   */
  system_user_token_expiry: z.looseObject({
    token_id: z.string().min(1),
    system_user_id: z.string().min(1),
    app_id: z.string().nullable(),
    expires_at: z.number().int(),
    lead_days: z.number().positive(),
  }),
} as const;

export type WebhookField = keyof typeof VALUE_SCHEMAS;

/** The fields of each object type, in the order configs list them. */
export const OBJECT_FIELDS: Record<WebhookObject, readonly WebhookField[]> = {
  ad_account: ["with_issues_ad_objects", "partner_access", "partner_pending_change"],
  business: ["system_user_token_expiry"],
};
export const AD_ACCOUNT_FIELDS = OBJECT_FIELDS.ad_account;

export type WithIssuesAdObjectsValue = z.infer<(typeof VALUE_SCHEMAS)["with_issues_ad_objects"]>;
export type PartnerAccessValue = z.infer<(typeof VALUE_SCHEMAS)["partner_access"]>;
export type PartnerPendingChangeValue = z.infer<(typeof VALUE_SCHEMAS)["partner_pending_change"]>;
export type SystemUserTokenExpiryValue = z.infer<(typeof VALUE_SCHEMAS)["system_user_token_expiry"]>;

/** One ad account change to publish: the ad account (`act_<id>` or the bare id), the field, and its value. */
export type WebhookEvent =
  | { objectId: string; field: "with_issues_ad_objects"; value: WithIssuesAdObjectsValue }
  | { objectId: string; field: "partner_access"; value: PartnerAccessValue }
  | { objectId: string; field: "partner_pending_change"; value: PartnerPendingChangeValue };

/** One business change to publish. */
export type BusinessWebhookEvent = { businessId: string; field: "system_user_token_expiry"; value: SystemUserTokenExpiryValue };

export function isWebhookField(name: string): name is WebhookField {
  return Object.hasOwn(VALUE_SCHEMAS, name);
}

export function isFieldOf(object: WebhookObject, name: string): name is WebhookField {
  return OBJECT_FIELDS[object].includes(name as WebhookField);
}

/** The value checked against its field's shape; a wrong shape is a bug in the publishing code, not bad input. */
export function checkedValue(field: WebhookField, value: unknown): Record<string, unknown> {
  const parsed = VALUE_SCHEMAS[field].safeParse(value);
  if (!parsed.success) throw new Error(`Invalid ${field} webhook value: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * The body Meta sends: `{"object":"ad_account","entry":[{"id":"<account id>","time":<unix s>,
 * "changes":[{"field":…,"value":…}]}]}`. Meta's entry id for an ad account is the bare id, without
 * `act_`. The string is stored and sent byte for byte on every attempt, so the signature a receiver
 * checks is over exactly what was published.
 */
export function webhookBody(object: WebhookObject, objectId: string, at: number, field: WebhookField, value: Record<string, unknown>): string {
  return JSON.stringify({ object, entry: [{ id: objectId, time: Math.floor(at / 1000), changes: [{ field, value }] }] });
}
