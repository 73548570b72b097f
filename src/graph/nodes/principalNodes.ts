import { errors } from "../../errors.ts";
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

/** `assigned_ad_accounts` / `assigned_pages` / `assigned_product_catalogs`: assets with the principal's tasks on each. */
function assigned(type: AssetType): EdgeSpec {
  return {
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

export const userNode: NodeSpec = {
  defaults: ["id", "name"],
  async read(call, node) {
    requireVisible(call, node);
    const principal = call.hub.engine.index.principals.get(node.id)!;
    const businesses = [...principal.roles.entries()].map(([id, role]) => ({ id, name: call.hub.engine.index.businesses.get(id), role }));
    return { id: node.id, name: principal.name, businesses };
  },
  edges: {
    ...assignedEdges,
    businesses: {
      GET: async (call, node) => {
        requireSelfOrAdmin(call, node);
        const roles = [...(call.hub.engine.index.principals.get(node.id)?.roles ?? new Map<string, string>()).entries()];
        return listOf(
          call,
          roles,
          ([id]) => ({ createdAt: 0, id }),
          ([id, role]) => ({ id, name: call.hub.engine.index.businesses.get(id), role }),
          ["id", "name"],
        );
      },
    },
  },
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
    ...assignedEdges,
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
