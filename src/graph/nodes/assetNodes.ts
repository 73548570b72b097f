import { errors } from "../../errors.ts";
import { boundedTime } from "../../inputLimits.ts";
import { ASSET_TYPES, type AssetType } from "../../hub/catalogue/assetTypes.ts";
import type { ShareView } from "../../hub/partners/partnerShare.service.ts";
import type { AssetView } from "../../hub/assets/asset.service.ts";
import { partnersSeenBy, requireAsset, requireStaffList } from "../../hub/access/callerAccess.ts";
import { ASSET_DEFAULTS, graphTime, presentAssetGraph } from "../graphPresenters.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphObject, type NodeSpec } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { offsetMinutes } from "../../hub/ads/adTime.ts";
import { intParam, listParam, stringParam } from "../params.ts";
import { timezoneIdOf } from "../timezones.ts";

function presentAgency(share: ShareView): GraphObject {
  return {
    id: share.partnerBusinessId,
    name: share.partnerName,
    access_status: share.status === "active" ? "CONFIRMED" : "PENDING",
    access_requested_time: graphTime(share.createdAt),
    access_updated_time: graphTime(share.updatedAt),
    permitted_tasks: share.tasks,
    access_level: share.level,
    initiated_by: share.initiatedBy === "owner" ? "OWNER" : "PARTNER",
    expiration_time: graphTime(share.status === "pending" ? share.pendingExpiresAt : share.endsAt),
  };
}

/**
 * `agencies` on an asset: the partners it is shared with. The owner's admins see every row; a
 * partner sees only its own.
 */
const agencies: EdgeSpec = {
  returns: {
    type: "Business",
    node: "business",
    fields: ["access_status", "access_requested_time", "access_updated_time", "permitted_tasks", "access_level", "initiated_by", "expiration_time"],
  },
  GET: async (call, node) => {
    requireAsset(call.hub, call.caller.ctx, "view_asset", node.id);
    const shares = await call.hub.partners.listForAsset(node.id, ["active", "pending"]);
    const seen = partnersSeenBy(call.hub, call.caller.ctx, node.id);
    const visible = shares.filter((s) => seen(s.partnerBusinessId));
    return listOf(call, visible, (s) => ({ createdAt: s.createdAt, id: s.id }), presentAgency, ["id", "name", "access_status", "permitted_tasks"]);
  },
  // Offer the asset to a partner, approve its request, or change the tasks of an active share.
  POST: async (call, node) => {
    const endTime = stringParam(call.params, "end_time") ?? stringParam(call.params, "expiration_time");
    let endsAt: number | undefined;
    if (endTime !== undefined) {
      endsAt = /^\d+$/.test(endTime) ? Number(endTime) * 1000 : Date.parse(endTime);
      if (!Number.isFinite(endsAt)) throw errors.invalidParameter("end_time must be a Unix time or an ISO 8601 date.");
      endsAt = boundedTime(endsAt, "end_time", call.hub.engine.now());
    }
    const partnerBusinessId = stringParam(call.params, "business", true);
    const offer = () => call.hub.partners.offer(call.caller.ctx, { assetId: node.id, partnerBusinessId, tasks: listParam(call.params, "permitted_tasks", true), endsAt });
    const guardrails = call.params.guardrails;
    if (guardrails === undefined) {
      const share = await offer();
      return raw({ success: true, access_status: share.status === "active" ? "CONFIRMED" : "PENDING" });
    }
    // Grantline's own: partner guardrails with the offer (docs/guardrails.md), both or neither.
    if (node.type !== "ad_account") throw errors.invalidParameter("Invalid guardrails: partner guardrails apply to ad accounts only.");
    if (typeof guardrails !== "object" || guardrails === null || Array.isArray(guardrails)) {
      throw errors.invalidParameter('Invalid guardrails: give an object such as {"max_daily_budget":50000,"allowed_hours":"09-18"}.');
    }
    const share = await call.hub.inOneTransaction(async () => {
      const offered = await offer();
      await call.hub.guardrails.set(call.caller.ctx, { accountId: node.id, partnerBusinessId, values: guardrails as Record<string, unknown> });
      return offered;
    });
    return raw({ success: true, access_status: share.status === "active" ? "CONFIRMED" : "PENDING" });
  },
  DELETE: async (call, node) => {
    const summary = await call.hub.partners.removeShare(call.caller.ctx, { assetId: node.id, partnerBusinessId: stringParam(call.params, "business", true) });
    return raw({ success: true, removed: summary });
  },
};

/** `assigned_users` on an asset: the people and system users of one business (`business`) staffed on it. */
const assignedUsers: EdgeSpec = {
  returns: { type: "AssignedUser" },
  GET: async (call, node) => {
    const businessId = stringParam(call.params, "business", true);
    requireStaffList(call.hub, call.caller.ctx, node.id, businessId);
    const rows = await call.hub.assignments.listForAsset(node.id, businessId);
    const index = call.hub.engine.index;
    return listOf(
      call,
      rows,
      (r) => ({ createdAt: r.createdAt, id: r.id }),
      (r) => ({
        id: r.principalId,
        name: index.principals.get(r.principalId)?.name,
        user_type: r.principalType === "person" ? "BUSINESS_USER" : "SYSTEM_USER",
        tasks: r.tasks,
        permitted_tasks: call.hub.engine.tasksOf(r.principalId, node.id),
        business: { id: businessId, name: index.businesses.get(businessId) },
      }),
      ["id", "name", "tasks"],
    );
  },
  POST: async (call, node) => {
    await call.hub.assignments.assign(call.caller.ctx, {
      assetId: node.id,
      principalId: stringParam(call.params, "user", true),
      tasks: listParam(call.params, "tasks", true),
      businessId: stringParam(call.params, "business"),
    });
    return success();
  },
  DELETE: async (call, node) => {
    await call.hub.assignments.unassign(call.caller.ctx, {
      assetId: node.id,
      principalId: stringParam(call.params, "user", true),
      businessId: stringParam(call.params, "business"),
    });
    return success();
  },
};

async function readAsset(call: GraphCall, id: string): Promise<GraphObject> {
  const asset = await call.hub.assets.getAsset(id);
  requireAsset(call.hub, call.caller.ctx, "view_asset", id, asset.graphId);
  const view = presentAssetGraph(call.hub.engine.index, asset);
  if (asset.type !== "ad_account") return view;
  return { ...view, ...(await adAccountFacts(call, [asset])).get(asset.id) };
}

/**
 * Ad accounts' money, zone and the caller's tasks, in Meta's types
 * (https://developers.facebook.com/docs/marketing-api/reference/ad-account/): money in minor units
 * as strings, `min_daily_budget` and `timezone_id` as numbers. Grantline bills nobody, so
 * `balance` is "0" and the funding source is one fixed simulated card; the minimum daily budget is
 * Meta's usual 1.00 in the account's currency. For a node and for lists alike (`/me/adaccounts`,
 * `owned_ad_accounts`…): lifetime spend is read in one query, and only when asked for.
 */
export async function adAccountFacts(call: GraphCall, accounts: readonly AssetView[]): Promise<Map<string, GraphObject>> {
  const wanted = call.fields ?? [];
  const spends = wanted.includes("amount_spent") && accounts.length > 0 ? await call.hub.insights.spendOf("account_id", accounts.map((a) => a.id)) : undefined;
  const facts = new Map<string, GraphObject>();
  for (const account of accounts) {
    const zone = account.adAccount?.timezoneName ?? "Etc/UTC";
    facts.set(account.id, {
      ...(spends === undefined ? {} : { amount_spent: String(spends.get(account.id)?.spend ?? 0) }),
      balance: "0",
      timezone_id: timezoneIdOf(zone),
      timezone_offset_hours_utc: offsetMinutes(call.hub.now(), zone) / 60,
      min_daily_budget: 100,
      user_tasks: call.hub.engine.tasksOf(call.caller.token.principalId, account.id),
      funding_source_details: { id: `${account.id}0001`, display_string: "Visa *4242", type: 1 },
    });
  }
  return facts;
}

function assetNode(type: AssetType): NodeSpec {
  const spec: NodeSpec = {
    defaults: ASSET_DEFAULTS[type]!,
    read: (call, node) => readAsset(call, node.id),
    edges: { agencies, assigned_users: assignedUsers },
  };
  if (type === "ad_account") {
    spec.update = async (call, node) => {
      requireAsset(call.hub, call.caller.ctx, "manage_settings", node.id);
      const spendCap = intParam(call.params, "spend_cap");
      await call.hub.assets.updateAdAccount(call.caller.ctx, node.id, { name: stringParam(call.params, "name"), spendCap });
      return success();
    };
  }
  return spec;
}

export const assetNodes: Record<AssetType, NodeSpec> = Object.fromEntries(ASSET_TYPES.map((type) => [type, assetNode(type)])) as Record<
  AssetType,
  NodeSpec
>;
