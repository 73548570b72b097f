import type { FastifyInstance, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { errors, GrantlineError } from "../errors.ts";
import { authenticate } from "../web/graphAuth.ts";
import { systemContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { findTokenByHash, tokenScopes, type AccessTokenRow } from "../hub/tokens/accessToken.repository.ts";
import { findGrant } from "../hub/apps/appGrant.repository.ts";
import { hashToken } from "../hub/tokens/accessToken.service.ts";
import { graphResourceOf } from "./authorizationServer.ts";
import { grantedScopesView } from "./tokenViews.ts";

const SIXTY_DAYS_MS = 60 * 24 * 3600 * 1000;

function queryOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [request.query, request.body]) {
    if (source && typeof source === "object") {
      for (const [key, value] of Object.entries(source as Record<string, unknown>)) if (typeof value === "string") out[key] = value;
    }
  }
  return out;
}

function oauthError(message: string, subcode?: number): GrantlineError {
  return new GrantlineError("OAUTH_EXCHANGE_FAILED", 400, 100, message, { type: "OAuthException", ...(subcode ? { subcode } : {}) });
}

/** Meta's OAuth shapes around the authorization server: /dialog/oauth, /oauth/access_token, /debug_token, /me/permissions. */
export function registerMetaOAuthRoutes(app: FastifyInstance, hub: Hub, options: { provider: () => Promise<Provider>; publicUrl: () => string }): void {
  // Meta's login dialog: the same authorization request, with Meta's comma-separated scopes.
  app.get("/dialog/oauth", async (request, reply) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(queryOf(request))) params.set(key, key === "scope" ? value.split(/[ ,]+/).filter(Boolean).join(" ") : value);
    if (!params.has("response_type")) params.set("response_type", "code");
    return reply.redirect(`/oauth/authorize?${params.toString()}`, 302);
  });

  async function checkClient(clientId: string | undefined, clientSecret: string | undefined, context: "access_token" | "debug_token") {
    if (!clientId || !clientSecret || !(await hub.appRegistry.checkSecret(clientId, clientSecret))) {
      await hub.audit.record({ ...systemContext(), appId: clientId && /^\d+$/.test(clientId) ? clientId : null }, { action: `oauth.${context}`, targetType: "app", targetId: clientId ?? null, outcome: "denied", reason: "Invalid client_id or client_secret." });
      throw oauthError("Error validating client secret.", 1);
    }
  }

  app.get("/oauth/access_token", async (request) => {
    const q = queryOf(request);
    await checkClient(q.client_id, q.client_secret, "access_token");
    const clientId = q.client_id!;
    if (q.grant_type === "fb_exchange_token") {
      // A short-lived app token for a long-lived one (60 days) under the same app grant.
      const input = q.fb_exchange_token ?? "";
      const row = input ? await findTokenByHash(hub.store.db, hashToken(input)) : undefined;
      const now = hub.now();
      if (!row || row.app_id !== clientId || row.kind !== "oauth" || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now) || !row.grant_id || !hub.engine.index.getGrant(row.grant_id)) {
        await hub.audit.record({ ...systemContext(), appId: clientId }, { action: "oauth.fb_exchange_token", targetType: "app", targetId: clientId, outcome: "denied", reason: "The token to exchange is invalid, expired or another app's." });
        throw errors.invalidToken("Error validating access token: the token to exchange is invalid, expired or belongs to another app.");
      }
      // Issued by the authorization server under the same grant, so RFC 7662 introspection and RFC
      // 7009 revocation know it like any other access token; the adapter mirrors it into access_tokens.
      const value = await issueExchangedToken(await options.provider(), hub, row, graphResourceOf(options.publicUrl()));
      await hub.audit.record({ ...systemContext(request.id), actor: { type: "person", id: row.principal_id }, appId: clientId }, { action: "oauth.fb_exchange_token", targetType: "token", targetId: row.id, after: { expiresInSeconds: SIXTY_DAYS_MS / 1000 } });
      return { access_token: value, token_type: "bearer", expires_in: Math.floor(SIXTY_DAYS_MS / 1000) };
    }
    // Code exchange, answered by the authorization server's token endpoint (PKCE included).
    const form = new URLSearchParams({ grant_type: "authorization_code", code: q.code ?? "", redirect_uri: q.redirect_uri ?? "" });
    if (q.code_verifier) form.set("code_verifier", q.code_verifier);
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(q.client_secret!)}`).toString("base64");
    const response = await app.inject({ method: "POST", url: "/oauth/token", headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` }, payload: form.toString() });
    const body = response.json<{ access_token?: string; expires_in?: number; error?: string; error_description?: string }>();
    if (response.statusCode !== 200 || !body.access_token) {
      throw oauthError(`Error validating verification code: ${body.error_description ?? body.error ?? "invalid code"}.`, 36_009);
    }
    return { access_token: body.access_token, token_type: "bearer", expires_in: body.expires_in };
  });

  app.get("/debug_token", async (request) => {
    const q = queryOf(request);
    const credential = q.access_token ?? (request.headers.authorization?.replace(/^(Bearer|OAuth) /i, "") || undefined);
    if (!credential) throw errors.invalidToken("An access token is required to request this resource.");
    // Either app credentials (APP_ID|APP_SECRET) or a valid token: each may only look at its own tokens.
    let viewer: { appId?: string; principalId?: string };
    if (credential.includes("|")) {
      const [appId, secret] = credential.split("|", 2);
      await checkClient(appId, secret, "debug_token");
      viewer = { appId: appId! };
    } else {
      const caller = await authenticate(hub, request, credential);
      viewer = caller.token.appId ? { appId: caller.token.appId } : { principalId: caller.token.principalId };
    }
    const input = q.input_token ?? "";
    const row = input ? await findTokenByHash(hub.store.db, hashToken(input)) : undefined;
    if (!row || (viewer.appId && row.app_id !== viewer.appId) || (viewer.principalId && row.principal_id !== viewer.principalId)) {
      return { data: { is_valid: false, error: { code: 190, message: "Invalid OAuth access token - Cannot parse access token" }, scopes: [] } };
    }
    const now = hub.now();
    const grant = row.grant_id ? hub.engine.index.getGrant(row.grant_id) : undefined;
    const valid = row.revoked_at === null && (row.expires_at === null || row.expires_at > now) && (row.grant_id === null || grant !== undefined);
    const scopes = tokenScopes.decode(row.scopes);
    const app = row.app_id ? await hub.appRegistry.get(row.app_id) : undefined;
    return {
      data: {
        app_id: row.app_id ?? undefined,
        type: row.principal_type === "system_user" ? "SYSTEM_USER" : "USER",
        application: app?.name,
        expires_at: row.expires_at === null ? 0 : Math.floor(row.expires_at / 1000),
        is_valid: valid,
        issued_at: Math.floor(row.created_at / 1000),
        scopes,
        granular_scopes: grant ? grantedScopesView(hub, scopes, grant) : scopes.map((scope) => ({ scope })),
        user_id: row.principal_id,
        ...(valid ? {} : { error: { code: 190, message: row.expires_at !== null && row.expires_at <= now ? "Error validating access token: Session has expired." : "Error validating access token: The session has been invalidated." } }),
      },
    };
  });

  app.get("/me/permissions", async (request) => {
    const caller = await authenticate(hub, request);
    const granted = [...caller.token.scopes];
    const app = caller.token.appId ? await hub.appRegistry.get(caller.token.appId) : undefined;
    const declined = app ? app.scopes.filter((s) => !caller.token.scopes.has(s)) : [];
    return { data: [...granted.map((permission) => ({ permission, status: "granted" })), ...declined.map((permission) => ({ permission, status: "declined" }))] };
  });

  // Meta's "remove the app": the person revokes the app grant behind the token, and every token of it.
  app.delete("/me/permissions", async (request) => {
    const caller = await authenticate(hub, request);
    if (!caller.token.grantId) throw errors.invalidParameter("This token was not issued to an app; there is no app permission to remove.");
    await hub.apps.revoke({ ...caller.ctx, scopes: undefined }, caller.token.grantId);
    return { success: true };
  });
}

/** A 60-day access token of the authorization server for the grant behind `from`, with `from`'s scopes. */
async function issueExchangedToken(provider: Provider, hub: Hub, from: AccessTokenRow, resource: string): Promise<string> {
  const grant = await findGrant(hub.store.db, from.grant_id!);
  const client = await provider.Client.find(from.app_id!);
  if (!grant?.oidc_grant_id || !client) throw errors.invalidToken("Error validating access token: the token to exchange is not an OAuth token of this app.");
  const scope = tokenScopes.decode(from.scopes).join(" ");
  const token = new provider.AccessToken({
    accountId: from.principal_id,
    client,
    grantId: grant.oidc_grant_id,
    gty: "fb_exchange_token",
    scope,
    expiresIn: SIXTY_DAYS_MS / 1000,
    // The audience makes it a token for the Graph resource, as the token endpoint's are.
    resourceServer: { scope, audience: resource, accessTokenTTL: SIXTY_DAYS_MS / 1000, accessTokenFormat: "opaque" },
  });
  return token.save();
}
