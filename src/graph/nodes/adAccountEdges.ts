import { errors } from "../../errors.ts";
import { mayAct, peopleSeenBy, requireAsset } from "../../hub/access/callerAccess.ts";
import { ASSET_DEFAULTS, presentAssetGraph } from "../graphPresenters.ts";
import type { EdgeSpec, GraphCall, GraphObject } from "../graphTypes.ts";
import { listInOrder } from "../listing.ts";
import { stringParam } from "../params.ts";
import { GUARDRAIL_NAMES } from "../../hub/guardrails/guardrailRules.ts";
import type { GuardrailView, PendingChangeView } from "../../hub/guardrails/guardrail.service.ts";
import { graphTime } from "../graphPresenters.ts";
import { raw, success } from "../graphTypes.ts";

/** `since`/`until` as Meta takes them: UNIX seconds or a date (`2026-01-31`); ms. */
function timeParam(call: GraphCall, name: string): number | undefined {
  const value = stringParam(call.params, name);
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw errors.invalidParameter(`The parameter ${name} must be a UNIX time in seconds or a date such as 2026-01-31.`);
  return ms;
}

/**
 * `act_<id>/activities`: the account's activity log (https://developers.facebook.com/docs/marketing-api/reference/ad-account/activities/),
 * newest first, between `since` and `until` when given (a date as `until` takes its whole day).
 */
const activities: EdgeSpec = {
  returns: { type: "AdActivity" },
  GET: async (call, node) => {
    const until = timeParam(call, "until");
    const untilIsDay = /^\d{4}-\d{2}-\d{2}$/.test(stringParam(call.params, "until") ?? "");
    const range = { since: timeParam(call, "since"), until: until === undefined ? undefined : untilIsDay ? until + 86_399_999 : until };
    const rows = await call.hub.adActivities.activities(call.caller.ctx, node.id, range);
    return listInOrder(call, rows as unknown as GraphObject[], (row) => row, ["event_type", "event_time", "object_id", "object_name", "actor_id", "actor_name", "extra_data"]);
  },
};

/**
 * `act_<id>/users`: the people and system users who reach the account, with their tasks
 * (https://developers.facebook.com/docs/marketing-api/reference/ad-account/users/). The owner's
 * admins see everyone; anyone else sees only the people of their own businesses, as with `agencies`.
 */
const users: EdgeSpec = {
  returns: { type: "AdAccountUser" },
  GET: async (call, node) => {
    requireAsset(call.hub, call.caller.ctx, "view_asset", node.id);
    const seen = peopleSeenBy(call.hub, call.caller.ctx, node.id);
    const visible = call.hub.engine
      .whoCanAccess(node.id)
      .filter((access) => seen(access.principalId))
      .sort((a, b) => a.name.localeCompare(b.name) || a.principalId.localeCompare(b.principalId));
    return listInOrder(
      call,
      visible,
      (access) => ({ id: access.principalId, name: access.name, tasks: access.tasks, user_type: access.principalType === "person" ? "BUSINESS_USER" : "SYSTEM_USER" }),
      ["id", "name", "tasks"],
    );
  },
};

/**
 * `act_<id>/adspixels`: Pixels the account can use. Grantline has no Pixel-to-account sharing of
 * its own, so these are the Pixels of the account's owner business that the caller may also see.
 */
const adsPixels: EdgeSpec = {
  returns: { type: "AdsPixel", node: "pixel" },
  GET: async (call, node) => {
    requireAsset(call.hub, call.caller.ctx, "view_asset", node.id);
    const owned = await call.hub.assets.listOwned(call.hub.engine.asset(node.id)!.ownerId, "pixel");
    const visible = owned.filter((pixel) => mayAct(call.hub, call.caller.ctx, "view_asset", pixel.id));
    const views = await call.hub.assets.getMany(visible.map((pixel) => pixel.id));
    return listInOrder(call, views, (view) => presentAssetGraph(call.hub.engine.index, view), ASSET_DEFAULTS.pixel!);
  },
};

/** One partner's guardrails: `business` and the limits it has (unset ones are left out, as Graph leaves out empty fields). */
function presentGuardrails(view: GuardrailView): GraphObject {
  const out: GraphObject = { business: view.business };
  for (const name of GUARDRAIL_NAMES) if (view[name] !== null) out[name] = view[name];
  return out;
}

/**
 * `act_<id>/partner_guardrails` (Grantline's own edge; see docs/guardrails.md): limits the account's
 * owner sets on one partner (`business`), enforced by the hub on every write of that partner's
 * people, system users and apps. POST by the owner's admins sets the given limits; GET lists them
 * (to a partner's people, their own); DELETE with `business` removes them.
 */
const partnerGuardrails: EdgeSpec = {
  GET: async (call, node) => {
    const views = await call.hub.guardrails.list(call.caller.ctx, node.id, stringParam(call.params, "business"));
    return raw({ data: views.map(presentGuardrails) });
  },
  POST: async (call, node) => {
    const values: Record<string, unknown> = {};
    for (const name of GUARDRAIL_NAMES) if (name in call.params) values[name] = call.params[name] ?? "";
    await call.hub.guardrails.set(call.caller.ctx, { accountId: node.id, partnerBusinessId: stringParam(call.params, "business", true), values });
    return success();
  },
  DELETE: async (call, node) => {
    await call.hub.guardrails.remove(call.caller.ctx, { accountId: node.id, partnerBusinessId: stringParam(call.params, "business", true) });
    return success();
  },
};

function presentPending(view: PendingChangeView): GraphObject {
  return {
    id: view.id,
    business: view.business,
    object_type: view.object_type,
    object_id: view.object_id,
    params: view.params,
    reason: view.reason,
    requested_by: view.requested_by,
    requested_time: graphTime(view.requested_time),
    expiration_time: graphTime(view.expiration_time),
    status: view.status.toUpperCase(),
    ...(view.decided_by ? { decided_by: view.decided_by, decided_time: graphTime(view.decided_time) } : {}),
  };
}

const PENDING_STATUSES = ["pending", "approved", "rejected", "expired"] as const;

/**
 * `act_<id>/pending_changes` (Grantline's own edge): partners' changes held by `approval_above`.
 * GET lists them (`status`, default PENDING; a partner's people see their own); POST with `id` and
 * `decision` (APPROVE or REJECT) by the owner's admins decides one, and an approved change is made
 * at once, as the approving admin.
 */
const pendingChanges: EdgeSpec = {
  GET: async (call, node) => {
    const asked = (stringParam(call.params, "status") ?? "pending").toLowerCase();
    const statuses = asked === "all" ? [...PENDING_STATUSES] : asked.split(",").map((s) => s.trim());
    for (const status of statuses) {
      if (!(PENDING_STATUSES as readonly string[]).includes(status)) {
        throw errors.invalidParameter(`Invalid status: ${status} must be one of PENDING, APPROVED, REJECTED, EXPIRED or ALL.`);
      }
    }
    const views = await call.hub.guardrails.listPending(call.caller.ctx, node.id, statuses);
    return raw({ data: views.map(presentPending) });
  },
  POST: async (call, node) => {
    const decision = stringParam(call.params, "decision", true).toUpperCase();
    if (decision !== "APPROVE" && decision !== "REJECT") throw errors.invalidParameter("Invalid decision: it must be APPROVE or REJECT.");
    const view = await call.hub.guardrails.decide(call.caller.ctx, { accountId: node.id, pendingId: stringParam(call.params, "id", true), approve: decision === "APPROVE" });
    return raw({ success: true, status: view.status.toUpperCase() });
  },
};

export const adAccountEdges: Record<string, EdgeSpec> = {
  activities,
  users,
  adspixels: adsPixels,
  partner_guardrails: partnerGuardrails,
  pending_changes: pendingChanges,
};
