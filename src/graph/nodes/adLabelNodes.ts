import { errors } from "../../errors.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphObject, type NodeSpec } from "../graphTypes.ts";
import { writeContext } from "./adNodes.ts";

/**
 * Ad labels on the Graph, following Meta's Marketing API:
 * - `GET|POST act_<id>/adlabels` (https://developers.facebook.com/docs/marketing-api/reference/ad-account/adlabels/:
 *   create with `name`; the AdAccount spec lists the edge with GET and POST, POST taking `name`);
 * - the AdLabel node (https://developers.facebook.com/docs/marketing-api/reference/ad-label/): fields
 *   id, name, account, created_time, updated_time; `POST /<label id>` takes `name`; `DELETE /<label id>`;
 * - `/<object id>/adlabels` on campaigns (POST only: "Deleting: You can't perform this operation on
 *   this endpoint", https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/adlabels/),
 *   ad sets and ads (POST associates, DELETE dissociates:
 *   https://developers.facebook.com/docs/marketing-api/reference/adgroup/adlabels/), each answering
 *   `{"success": true}`, with `execution_options=["validate_only"]`.
 */

const LABEL_DEFAULTS = ["id", "name"] as const;
const LABELS = { type: "AdLabel", node: "adlabel" };

const requiredSpec = (call: GraphCall): unknown => {
  const spec = call.params.adlabels;
  if (spec === undefined || spec === null || spec === "") throw errors.invalidParameter("The parameter adlabels is required.");
  return spec;
};

/** `act_<id>/adlabels`: the account's labels, newest first; POST makes one. */
export const accountAdLabels: EdgeSpec = {
  returns: LABELS,
  GET: async (call, node) => {
    const page = await call.hub.adLabels.listLabels(call.caller.ctx, node.id, call.paging);
    return { kind: "list", page: page as unknown as { items: GraphObject[]; hasNext: boolean; hasPrevious: boolean }, defaults: LABEL_DEFAULTS };
  },
  POST: async (call, node) => {
    const view = await call.hub.adLabels.createLabel(call.caller.ctx, node.id, { name: call.params.name });
    return raw({ id: view.id });
  },
};

/** `/<campaign|adset|ad id>/adlabels`: POST adds the labels of the spec; DELETE (not on campaigns) takes them off. */
function objectAdLabels(withDelete: boolean): EdgeSpec {
  const edge: EdgeSpec = {
    POST: async (call, node) => {
      await call.hub.adLabels.changeObjectLabels(writeContext(call), node.id, requiredSpec(call), "add");
      return success();
    },
  };
  if (withDelete) {
    edge.DELETE = async (call, node) => {
      await call.hub.adLabels.changeObjectLabels(writeContext(call), node.id, requiredSpec(call), "remove");
      return success();
    };
  }
  return edge;
}

export const campaignAdLabels = objectAdLabels(false);
export const adSetAdLabels = objectAdLabels(true);
export const adAdLabels = objectAdLabels(true);

/** The AdLabel node: read, rename, delete. */
export const adLabelNode: NodeSpec = {
  defaults: LABEL_DEFAULTS,
  read: async (call, node) => (await call.hub.adLabels.getLabel(call.caller.ctx, node.id)) as unknown as GraphObject,
  update: async (call, node) => {
    await call.hub.adLabels.renameLabel(call.caller.ctx, node.id, { name: call.params.name });
    return success();
  },
  remove: async (call, node) => {
    await call.hub.adLabels.deleteLabel(call.caller.ctx, node.id);
    return success();
  },
  edges: {},
};
