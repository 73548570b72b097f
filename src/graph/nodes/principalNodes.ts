import { adAccountFacts } from "./assetNodes.ts";
import { removeBusinessUser } from "./businessUserRemoval.ts";
import { errors } from "../../errors.ts";
import type { AccessSubject } from "../../hub/access/accessIndex.ts";
import { subjectOf } from "../../hub/access/authorize.ts";
import type { AssetType } from "../../hub/catalogue/assetTypes.ts";
import { ASSET_DEFAULTS, graphTime, presentAssetGraph } from "../graphPresenters.ts";
import { raw, type EdgeSpec, type GraphCall, type GraphNode, type NodeSpec } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { boolParam, listParam, stringParam } from "../params.ts";

/**
 * People (`user`) and system users may be seen by themselves and by anyone sharing a business
 * with them; others get the same answer as for an id that does not exist.
 */
function requireVisible(call: GraphCall, node: GraphNode): void {
  const me = call.caller.token.principalId;
  if (me === node.id) return;
  const index = call.hub.engine.index;
  const mine = index.principals.get(me)?.roles;
  const theirs = index.principals.get(node.id)?.roles;
  if (mine && theirs && [...theirs.keys()].some((b) => mine.has(b))) return;
  throw errors.notFound(`Object with ID '${node.id}'`);
}

/** Only the principal itself or an admin of one of its businesses may see what it is assigned to. */
function requireSelfOrAdmin(call: GraphCall, node: GraphNode): void {
  const me = call.caller.token.principalId;
  if (me === node.id) return;
  const theirs = call.hub.engine.index.principals.get(node.id)?.roles;
  if (theirs && [...theirs.keys()].some((b) => call.hub.engine.roleIn(me, b) === "ADMIN")) return;
  requireVisible(call, node);
  throw errors.permissionDenied("(#200) Only the user or an admin of their business can see their assignments.");
}

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
      requireSelfOrAdmin(call, node);
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

/**
 * Whose reach a discovery edge lists: the principal of the path, limited by the caller's token
 * (scopes, app grant, Page limit). Others than the caller are listed only to admins of their business.
 */
function reachOf(call: GraphCall, node: GraphNode): AccessSubject {
  requireSelfOrAdmin(call, node);
  const caller = subjectOf(call.caller.ctx);
  return { ...caller, principalId: node.id };
}

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
    const reached = call.hub.engine.reachableAssets(reachOf(call, node), "ad_account", AD_ACCOUNT_LIST_SCOPES);
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
    const reached = call.hub.engine.reachableAssets(reachOf(call, node), "page", PAGE_LIST_SCOPES);
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
    const subject = reachOf(call, node);
    const index = call.hub.engine.index;
    const roles = [...(index.principals.get(node.id)?.roles ?? new Map<string, string>()).entries()].filter(([id]) =>
      index.tokenAllowsBusiness(subject, id),
    );
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
    requireVisible(call, node);
    const principal = call.hub.engine.index.principals.get(node.id)!;
    const businesses = [...principal.roles.entries()].map(([id, role]) => ({ id, name: call.hub.engine.index.businesses.get(id), role }));
    return { id: node.id, name: principal.name, businesses };
  },
  edges: discoveryEdges,
};

export const systemUserNode: NodeSpec = {
  defaults: ["id", "name"],
  async read(call, node) {
    requireVisible(call, node);
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
