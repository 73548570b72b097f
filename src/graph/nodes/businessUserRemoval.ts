import { errors } from "../../errors.ts";
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
  const index = call.hub.engine.index;
  const mine = index.principals.get(call.caller.token.principalId)?.roles;
  const theirs = index.principals.get(node.id)?.roles;
  const shared = [...(theirs?.keys() ?? [])].filter((b) => mine?.has(b));
  if (shared.length === 0) throw errors.notFound(`Object with ID '${node.id}'`);
  const named = stringParam(call.params, "business");
  if (named !== undefined && !shared.includes(named)) throw errors.notFound(`Object with ID '${node.id}'`);
  if (named === undefined && shared.length > 1) throw errors.invalidParameter("This person is in several of your businesses: pass business, the one to remove them from.");
  await call.hub.businesses.removeMember(call.caller.ctx, named ?? shared[0]!, node.id);
  return success();
}
