import type { GraphCall, GraphObject } from "../graphTypes.ts";

/**
 * The BusinessUser fields an access review reads from `/{business}/business_users`, beyond the
 * edge's own (https://developers.facebook.com/docs/marketing-api/reference/business-user/):
 * - `tasks`: the user's business-level tasks, whose values are Meta's role names (enum
 *   businessuser_tasks in graph-api-specs/enum_types.json); a Grantline member has exactly one role.
 * - `two_fac_status`: "two-factor authentication status of the business-scoped user"; Meta documents
 *   it as a string without listing values, so Grantline answers "enabled" or "disabled".
 * Read only when asked for in `fields`, so the plain listing costs no extra query.
 */
export async function businessUserReviewFields(call: GraphCall, businessId: string, members: readonly { person_id: string; role: string }[]): Promise<Map<string, GraphObject>> {
  const wanted = call.fields ?? [];
  const out = new Map<string, GraphObject>();
  const enrolment = wanted.includes("two_fac_status") ? await call.hub.review.twoFactorEnrolment(businessId) : undefined;
  for (const m of members) {
    const fields: GraphObject = {};
    if (wanted.includes("tasks")) fields.tasks = [m.role];
    if (enrolment) fields.two_fac_status = enrolment.get(m.person_id) ? "enabled" : "disabled";
    out.set(m.person_id, fields);
  }
  return out;
}
