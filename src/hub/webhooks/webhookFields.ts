import { z } from "zod";

/** Object types apps can subscribe to. Meta has many; Grantline publishes ad account events. */
export const WEBHOOK_OBJECTS = ["ad_account"] as const;
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
} as const;

export type WebhookField = keyof typeof VALUE_SCHEMAS;
export const AD_ACCOUNT_FIELDS = Object.keys(VALUE_SCHEMAS) as WebhookField[];

export type WithIssuesAdObjectsValue = z.infer<(typeof VALUE_SCHEMAS)["with_issues_ad_objects"]>;
export type PartnerAccessValue = z.infer<(typeof VALUE_SCHEMAS)["partner_access"]>;

/** One change to publish: the ad account (`act_<id>` or the bare id), the field, and its value. */
export type WebhookEvent =
  | { objectId: string; field: "with_issues_ad_objects"; value: WithIssuesAdObjectsValue }
  | { objectId: string; field: "partner_access"; value: PartnerAccessValue };

export function isWebhookField(name: string): name is WebhookField {
  return Object.hasOwn(VALUE_SCHEMAS, name);
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
