import { nameParts } from "./businessNode.ts";
import { adAccountFacts } from "./assetNodes.ts";
import { removeBusinessUser } from "./businessUserRemoval.ts";
import { businessesReachedBy, reachOf, requirePrincipalVisible, requireSelfOrAdmin } from "../../hub/access/callerAccess.ts";
import type { AssetType } from "../../hub/catalogue/assetTypes.ts";
import { ASSET_DEFAULTS, graphTime, presentAssetGraph } from "../graphPresenters.ts";
import { raw, type EdgeSpec, type NodeSpec } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { boolParam, listParam, stringParam } from "../params.ts";

const ITEMS: Record<string, { type: string; node: AssetType }> = {
  ad_account: { type: "AdAccount", node: "ad_account" },
  page: { type: "Page", node: "page" },
  product_catalog: { type: "ProductCatalog", node: "product_catalog" },
  pixel: { type: "AdsPixel", node: "pixel" },
};

/** `assigned_ad_accounts` / `assigned_pages` / `assigned_product_catalogs`: assets with the principal's tasks on each. */
function assigned(type: AssetType): EdgeSpec {
  return {
    returns: { ...ITEMS[type]!, fields: ["tasks", "permitted_tasks"] },
    GET: async (call, node) => {
      requireSelfOrAdmin(call.hub, call.caller.ctx, node.id);
      const assignments = (await call.hub.assignments.listForPrincipal(node.id)).filter(
        (a) => call.hub.engine.asset(a.assetId)?.type === type,
      );
      const tasks = new Map<string, Set<string>>();
      for (const a of assignments) {
        const set = tasks.get(a.assetId) ?? new Set<string>();
        for (const t of a.tasks) set.add(t);
        tasks.set(a.assetId, set);
      }
      // Owner admins reach owned assets without an assignment; Meta lists those too.
      for (const access of call.hub.engine.accessibleAssets(node.id, type)) {
        if (!tasks.has(access.assetId)) tasks.set(access.assetId, new Set(access.tasks));
      }
      const views = await call.hub.assets.getMany([...tasks.keys()]);
      return listOf(
        call,
        views,
        (v) => ({ createdAt: v.createdAt, id: v.id }),
        (v) => ({
          ...presentAssetGraph(call.hub.engine.index, v),
          tasks: [...(tasks.get(v.id) ?? [])],
          permitted_tasks: call.hub.engine.tasksOf(node.id, v.id),
        }),
        ASSET_DEFAULTS[type]!,
      );
    },
  };
}

const assignedEdges = {
  assigned_ad_accounts: assigned("ad_account"),
  assigned_pages: assigned("page"),
  assigned_product_catalogs: assigned("product_catalog"),
  assigned_pixels: assigned("pixel"),
};

/** Scopes with which an app token lists ad accounts and Pages (Meta: ads_read or ads_management; pages_show_list). */
const AD_ACCOUNT_LIST_SCOPES = ["ads_read", "ads_management"] as const;
const PAGE_LIST_SCOPES = ["pages_show_list"] as const;

/**
 * `GET /me/adaccounts`: every ad account the principal reaches (owned, assigned, through partner
 * shares), as its token allows, with Meta's AdAccount fields.
 * https://developers.facebook.com/docs/marketing-api/reference/user/adaccounts/
 */
const adaccounts: EdgeSpec = {
  returns: ITEMS.ad_account,
  GET: async (call, node) => {
    const reached = call.hub.engine.reachableAssets(reachOf(call.hub, call.caller.ctx, node.id), "ad_account", AD_ACCOUNT_LIST_SCOPES);
    const views = await call.hub.assets.getMany(reached.map((a) => a.assetId));
    const facts = await adAccountFacts(call, views);
    return listOf(call, views, (v) => ({ createdAt: v.createdAt, id: v.id }), (v) => ({ ...presentAssetGraph(call.hub.engine.index, v), ...facts.get(v.id) }), ASSET_DEFAULTS.ad_account!);
  },
};

/** Meta's default fields of `/me/accounts` (category and category_list have no counterpart here). */
const PAGE_ACCOUNT_DEFAULTS = ["id", "name", "access_token", "tasks"] as const;

/**
 * `GET /me/accounts`: the Pages the principal reaches, each with its tasks and a Page access token
 * whose reach is that Page alone (minted only for the caller's own Pages, and only when asked for).
 * https://developers.facebook.com/docs/graph-api/reference/user/accounts
 */
const accounts: EdgeSpec = {
  returns: { ...ITEMS.page!, fields: ["access_token", "tasks"] },
  GET: async (call, node) => {
    const reached = call.hub.engine.reachableAssets(reachOf(call.hub, call.caller.ctx, node.id), "page", PAGE_LIST_SCOPES);
    const tasks = new Map(reached.map((a) => [a.assetId, a.tasks]));
    const views = await call.hub.assets.getMany(reached.map((a) => a.assetId));
    const result = listOf(
      call,
      views,
      (v) => ({ createdAt: v.createdAt, id: v.id }),
      (v) => ({ ...presentAssetGraph(call.hub.engine.index, v), tasks: tasks.get(v.id) ?? [] }),
      PAGE_ACCOUNT_DEFAULTS,
    );
    const wantsToken = call.fields === undefined || call.fields.includes("access_token");
    if (result.kind !== "list" || !wantsToken || node.id !== call.caller.token.principalId) return result;
    const items = [];
    for (const item of result.page.items) {
      items.push({ ...item, access_token: await call.hub.tokens.pageToken(call.caller.ctx, call.caller.token, call.caller.accessToken, String(item.id)) });
    }
    return { ...result, page: { ...result.page, items } };
  },
};

/** `GET /me/businesses`: the businesses the principal is part of, as its token reaches them (an app, those picked at consent). */
const businesses: EdgeSpec = {
  returns: { type: "Business", node: "business", fields: ["role"] },
  GET: async (call, node) => {
    const roles = businessesReachedBy(call.hub, reachOf(call.hub, call.caller.ctx, node.id));
    const index = call.hub.engine.index;
    return listOf(
      call,
      roles,
      ([id]) => ({ createdAt: 0, id }),
      ([id, role]) => ({ id, name: index.businesses.get(id), role }),
      ["id", "name"],
    );
  },
};

/** Discovery edges every principal has, people and system users alike (Meta serves both as a User at `/me`). */
const discoveryEdges = { ...assignedEdges, adaccounts, accounts, businesses };

export const userNode: NodeSpec = {
  defaults: ["id", "name"],
  remove: removeBusinessUser,
  async read(call, node) {
    requirePrincipalVisible(call.hub, call.caller.ctx, node.id);
    const principal = call.hub.engine.index.principals.get(node.id)!;
    const businesses = [...principal.roles.entries()].map(([id, role]) => ({ id, name: call.hub.engine.index.businesses.get(id), role }));
    return { id: node.id, name: principal.name, ...nameParts(principal.name), businesses };
  },
  edges: discoveryEdges,
};

export const systemUserNode: NodeSpec = {
  defaults: ["id", "name"],
  async read(call, node) {
    requirePrincipalVisible(call.hub, call.caller.ctx, node.id);
    const principal = call.hub.engine.index.principals.get(node.id)!;
    const [businessId, role] = [...principal.roles.entries()][0] ?? [undefined, undefined];
    return { id: node.id, name: principal.name, role, business: businessId ? { id: businessId, name: call.hub.engine.index.businesses.get(businessId) } : undefined };
  },
  edges: {
    ...discoveryEdges,
    // `POST /{system_user}/access_tokens`: a non-expiring token, or a 60-day one.
    access_tokens: {
      POST: async (call, node) => {
        const scopes = listParam(call.params, "scope");
        const issued = await call.hub.tokens.issueSystemUserToken(call.caller.ctx, node.id, {
          scopes,
          expiresIn60Days: boolParam(call.params, "set_token_expires_in_60_days") ?? false,
          appId: stringParam(call.params, "business_app") ?? null,
        });
        const body: Record<string, unknown> = { access_token: issued.accessToken };
        if (issued.expiresAt) body.expires_at = graphTime(issued.expiresAt);
        return raw(body);
      },
    },
  },
};
