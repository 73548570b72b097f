import Provider, { errors as oidcErrors, type Adapter, type KoaContextWithOIDC } from "oidc-provider";
import { SCOPES } from "../hub/catalogue/roles.ts";
import type { AuditAction } from "../hub/audit/auditActions.ts";
import type { Hub } from "../hub/hub.ts";
import type { HubDeps } from "../hub/hubCommand.ts";
import { findPerson } from "../hub/people/person.repository.ts";
import { newRequestId } from "../ids.ts";
import { storeAdapter } from "./oidcAdapter.ts";
import { loadOrCreateServerKeys } from "./signingKeys.ts";
import { cardPage, escapeHtml, unavailablePage } from "../web/pageStyle.ts";
import { secretMatchesHash } from "../hub/apps/appRegistry.service.ts";
import { classifyStoreError } from "../store/storeFault.ts";

/** Seconds an OAuth client is asked to wait when the store is away, as the Graph surface's 503s do. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The store is away (down, timed out, out of space): RFC 6749's `temporarily_unavailable`
 * (section 4.1.2.1: "the authorization server is currently unable to handle the request due to a
 * temporary overloading or maintenance"), answered with HTTP 503 and `retry-after` on every OAuth
 * endpoint — a redirect back to the app when the app is known, the error page otherwise, JSON on
 * the token, revocation and introspection endpoints. Never oidc-provider's generic server_error.
 */
export function storeUnavailable(cause: unknown): Error {
  const kind = classifyStoreError(cause);
  const error = new oidcErrors.TemporarilyUnavailable(
    kind === "disk_full" ? "the server is out of storage space; nothing was changed, try again later" : `the service is temporarily unavailable; nothing was changed, try again in about ${RETRY_AFTER_SECONDS} seconds`,
  );
  Object.assign(error, { status: 503, statusCode: 503, expose: true });
  return error;
}

/** Runs `work`, turning a store fault into `temporarily_unavailable`; any other failure passes unchanged. */
async function answeringStoreFaults<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw classifyStoreError(error) ? storeUnavailable(error) : error;
  }
}

/** The store adapter with every call answering store faults as `temporarily_unavailable`. */
function faultAnsweringAdapter(Base: ReturnType<typeof storeAdapter>): (model: string) => Adapter {
  return (model) => {
    const inner = new Base(model);
    return {
      upsert: (id, payload, expiresIn) => answeringStoreFaults(() => inner.upsert(id, payload, expiresIn)),
      find: (id) => answeringStoreFaults(() => inner.find(id)),
      findByUserCode: (userCode) => answeringStoreFaults(() => inner.findByUserCode(userCode)),
      findByUid: (uid) => answeringStoreFaults(() => inner.findByUid(uid)),
      consume: (id) => answeringStoreFaults(() => inner.consume(id)),
      destroy: (id) => answeringStoreFaults(() => inner.destroy(id)),
      revokeByGrantId: (grantId) => answeringStoreFaults(() => inner.revokeByGrantId(grantId)),
    };
  };
}

/** Access tokens last an hour; refresh tokens 30 days, rotated at every use. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

/** The authorization server's endpoints (all under /oauth, next to Meta's /oauth/access_token). */
export const OAUTH_ROUTES = {
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  revocation: "/oauth/revoke",
  introspection: "/oauth/introspect",
  jwks: "/oauth/jwks",
  userinfo: "/oauth/userinfo",
  end_session: "/oauth/session/end",
  pushed_authorization_request: "/oauth/par",
  code_verification: "/oauth/device",
  device_authorization: "/oauth/device/auth",
  backchannel_authentication: "/oauth/backchannel",
  registration: "/oauth/register",
  challenge: "/oauth/challenge",
} as const;

export function hubDepsOf(hub: Hub): HubDeps {
  return { db: hub.store.db, engine: hub.engine, audit: hub.audit, now: hub.now };
}

/** The Graph API as the one resource server: every access token is for it. */
export function graphResourceOf(issuer: string): string {
  return `${issuer}/graph`;
}

/** The authorization server's failure events, each with the action its audit entry is recorded as. */
const FAILURE_EVENTS = {
  "authorization.error": "oauth.authorization",
  "grant.error": "oauth.grant",
  "introspection.error": "oauth.introspection",
  "revocation.error": "oauth.revocation",
  "userinfo.error": "oauth.userinfo",
  "jwks.error": "oauth.jwks",
  "discovery.error": "oauth.discovery",
  "end_session.error": "oauth.end_session",
  "pushed_authorization_request.error": "oauth.pushed_authorization_request",
  server_error: "oauth.server_error",
} as const satisfies Record<string, AuditAction>;

/**
 * oidc-provider configured for Grantline: authorization code with PKCE S256 for every client, no
 * implicit flow, rotating refresh tokens, revocation and introspection, storage in the hub's store,
 * keys sealed at rest, and our own sign-in and consent pages instead of the development ones.
 */
export async function createAuthorizationServer(hub: Hub, issuer: string): Promise<Provider> {
  const deps = hubDepsOf(hub);
  const keys = await loadOrCreateServerKeys(hub.store.db, hub.secrets(), hub.now());
  const graph = graphResourceOf(issuer);
  const provider = new Provider(issuer, {
    adapter: faultAnsweringAdapter(storeAdapter({ hub, deps })),
    async findAccount(_ctx, sub) {
      const person = await answeringStoreFaults(() => findPerson(hub.store.db, sub));
      return person ? { accountId: person.id, claims: async () => ({ sub: person.id }) } : undefined;
    },
    jwks: keys.jwks as never,
    cookies: { keys: keys.cookieKeys },
    claims: { openid: ["sub"] },
    scopes: ["openid", ...SCOPES],
    responseTypes: ["code"],
    pkce: { required: () => true, methods: ["S256"] },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientBasedCORS: () => false,
    routes: OAUTH_ROUTES,
    // Secrets are stored hashed, so only methods that present the secret itself (never an HMAC keyed by it).
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    enabledJWA: {
      clientAuthSigningAlgValues: ["RS256", "PS256", "ES256", "EdDSA"],
      requestObjectSigningAlgValues: ["RS256", "PS256", "ES256", "EdDSA"],
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 365 * 24 * 3600,
      IdToken: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // An app may only look at its own tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => graph,
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, resource, client) => {
          if (resource !== graph) throw new oidcErrors.InvalidTarget();
          const allowed = String(client.scope ?? "").split(" ").filter((s) => (SCOPES as readonly string[]).includes(s));
          return { scope: allowed.join(" "), audience: graph, accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS, accessTokenFormat: "opaque" };
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    async renderError(ctx, out) {
      ctx.type = "html";
      if (out.error === "temporarily_unavailable") {
        ctx.status = 503;
        ctx.set("retry-after", String(RETRY_AFTER_SECONDS));
        ctx.body = unavailablePage();
        return;
      }
      ctx.body = cardPage(
        "Sign-in error",
        `<h1>The app's request could not be completed</h1><p class="notice notice-error" role="alert">${escapeHtml(out.error)}: ${escapeHtml(out.error_description)}</p><p class="muted">Go back to the app and start again. If this keeps happening, tell the app's developer.</p>`,
      );
    },
  });
  if (issuer.startsWith("https:")) provider.proxy = true;
  // Every 503 (the store away) tells the client when to try again; a redirect back to the app carries the error itself.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.status === 503) ctx.set("retry-after", String(RETRY_AFTER_SECONDS));
  });
  // Client secrets are stored hashed: the client's `client_secret` metadata is the hash, and the
  // presented secret is hashed before the constant-time comparison (the extension point the
  // library's author suggests for hashed secrets). Symmetric (HS*) algorithms, which would need
  // the plain secret, are not offered to clients.
  (provider.Client.prototype as unknown as { compareClientSecret(actual: unknown): boolean }).compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: unknown) {
    return secretMatchesHash(actual, this.clientSecret);
  };
  for (const [event, action] of Object.entries(FAILURE_EVENTS)) {
    provider.on(event, (ctx: KoaContextWithOIDC, error: { error?: string; error_description?: string; message?: string }) => {
      const clientId = ctx?.oidc?.client?.clientId ?? null;
      hub.audit
        .record(
          { requestId: newRequestId(), actor: { type: "system" }, appId: clientId && /^\d+$/.test(clientId) ? clientId : null },
          {
            action,
            targetType: "app",
            targetId: clientId,
            outcome: "denied",
            reason: `${error.error ?? "error"}: ${error.error_description ?? error.message ?? ""}`.slice(0, 500),
            after: { route: ctx?.oidc?.route ?? null },
          },
        )
        .catch(() => undefined);
    });
  }
  return provider;
}
