import { errors } from "../../errors.ts";
import { refuseAppTokens, requireOwnConnections } from "../../hub/access/callerAccess.ts";
import { AppAccessService, type AppConnection } from "../../hub/apps/appAccess.service.ts";
import { SCOPE_WORDS } from "../../hub/catalogue/scopeWords.ts";
import { graphTime } from "../graphPresenters.ts";
import { raw, type EdgeSpec, type GraphCall, type GraphObject } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { stringParam } from "../params.ts";

/*
 * Connected apps for the console: which apps reach a business's assets (or one asset) and through
 * whose consent, with scopes in plain words, the chosen assets and the tokens' expiry and last use;
 * and taking that access back with a check that it really ended. The person's own list lives on
 * `/me`. Listing and removal are the OAuth app-access service's, which asks the access engine.
 */

const DEFAULTS = ["id", "app", "granted_by", "scopes", "scope_descriptions", "assets", "created_time", "tokens", "last_used_time", "expires_time"] as const;

function presentConnection(call: GraphCall, c: AppConnection): GraphObject {
  const index = call.hub.engine.index;
  const lastUsed = c.tokens.reduce<number | null>((max, t) => (t.last_used_at === null ? max : Math.max(max ?? 0, t.last_used_at)), null);
  // The connection lasts as long as its longest-lived token; null when one never expires.
  const expires = c.tokens.length === 0 || c.tokens.some((t) => t.expires_at === null) ? null : Math.max(...c.tokens.map((t) => t.expires_at!));
  return {
    id: c.grant_id,
    app: c.app,
    granted_by: { id: c.person_id, name: index.principals.get(c.person_id)?.name ?? null },
    scopes: c.scopes,
    scope_descriptions: c.scopes.map((scope) => ({ scope, description: SCOPE_WORDS[scope]?.words ?? scope, kind: SCOPE_WORDS[scope]?.kind ?? "read" })),
    assets: c.assets.map((id) => {
      const asset = call.hub.engine.asset(id);
      return { id, name: asset?.name ?? id, type: asset?.type ?? null, owner_business_id: asset?.ownerId ?? null };
    }),
    created_time: graphTime(c.created_at),
    tokens: c.tokens.map((t) => ({ id: t.id, created_time: graphTime(t.created_at), expires_time: graphTime(t.expires_at), last_used_time: graphTime(t.last_used_at) })),
    last_used_time: graphTime(lastUsed),
    expires_time: graphTime(expires),
  };
}

const list = (call: GraphCall, rows: AppConnection[]) => listOf(call, rows, (c) => ({ createdAt: c.created_at, id: c.grant_id }), (c) => presentConnection(call, c), DEFAULTS);

/**
 * `/{business}/connected_apps` (admins): GET lists the apps reaching the business's assets; DELETE
 * with `app_id` takes them all away from that app and answers what changed and whether any of the
 * business's assets is still reachable by it.
 */
export const businessConnectedApps: EdgeSpec = {
  GET: async (call, node) => {
    refuseAppTokens(call.caller.ctx);
    return list(call, await new AppAccessService(call.hub).listForBusiness(call.caller.ctx, node.id));
  },
  DELETE: async (call, node) => {
    refuseAppTokens(call.caller.ctx);
    const appId = stringParam(call.params, "app_id", true);
    const access = new AppAccessService(call.hub);
    const { grants } = await access.removeFromBusiness(call.caller.ctx, node.id, appId);
    const remaining = (await access.listForBusiness(call.caller.ctx, node.id)).filter((c) => c.app.id === appId);
    return raw({
      success: true,
      grants_changed: grants,
      verified: remaining.length === 0,
      remaining: remaining.map((c) => presentConnection(call, c)),
    });
  },
};

/** `/{asset}/connected_apps` (the owner's admins): the apps reaching this asset and who connected them. */
export const assetConnectedApps: EdgeSpec = {
  GET: async (call, node) => {
    refuseAppTokens(call.caller.ctx);
    return list(call, await new AppAccessService(call.hub).listForAsset(call.caller.ctx, node.id));
  },
};

/**
 * `/me/connected_apps`: GET the apps the signed-in person connected; DELETE with `grant_id` removes
 * one (every token of it ends) and answers the removal check.
 */
export const personConnectedApps: EdgeSpec = {
  GET: async (call, node) => {
    requireOwnConnections(call.caller.ctx, node.id, "see");
    return list(call, await new AppAccessService(call.hub).listForPerson(node.id));
  },
  DELETE: async (call, node) => {
    requireOwnConnections(call.caller.ctx, node.id, "remove");
    const grantId = stringParam(call.params, "grant_id", true);
    const access = new AppAccessService(call.hub);
    if (!(await access.listForPerson(node.id)).some((c) => c.grant_id === grantId)) throw errors.invalidParameter(`You have no connected app with the grant ID ${grantId}.`);
    await access.removeForPerson(call.caller.ctx, grantId);
    const verification = await call.hub.removal.verifyAppRemoved(call.caller.ctx, grantId);
    return raw({ success: true, verification });
  },
};
