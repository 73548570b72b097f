import { sharedBusinessOf } from "../../hub/access/callerAccess.ts";
import { success, type GraphCall, type GraphNode, type GraphResult } from "../graphTypes.ts";
import { stringParam } from "../params.ts";

/**
 * `DELETE /{business_user_id}`: removes a person from a business, as Meta's BusinessUser delete
 * does (https://developers.facebook.com/docs/marketing-api/reference/business-user/, "Deleting").
 * Meta's business-user ids are scoped to one business; a Grantline person id is not, so the
 * business is the one the caller and the person share — or `business` when they share several.
 * Someone who shares no business with the person gets the answer of an unknown id; authorization
 * (an admin of the business, or the person leaving) is the member service's.
 */
export async function removeBusinessUser(call: GraphCall, node: GraphNode): Promise<GraphResult> {
  const businessId = sharedBusinessOf(call.hub, call.caller.ctx, node.id, stringParam(call.params, "business"));
  await call.hub.businesses.removeMember(call.caller.ctx, businessId, node.id);
  return success();
}
