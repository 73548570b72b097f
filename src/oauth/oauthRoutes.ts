import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { anonymousContext, csrfCheck, SESSION_COOKIE, sessionValueOf } from "../web/session.ts";
import { errors, GrantlineError } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import { classifyStoreError } from "../store/storeFault.ts";
import { createAuthorizationServer, graphResourceOf, OAUTH_ROUTES, RETRY_AFTER_SECONDS, storeUnavailable } from "./authorizationServer.ts";
import { unavailablePage } from "../web/pageStyle.ts";
import { consentPage, loginPage, type ConsentBusiness, type ConsentView } from "./consentPage.ts";
import { registerMetaOAuthRoutes } from "./metaRoutes.ts";
import { registerAppAccessRoutes } from "./consoleRoutes.ts";

export interface OAuthRouteOptions {
  publicUrl: () => string;
}

/** The issuer is the hub's public URL, known once the server listens; the provider is made on first use. */
export function lazyProvider(hub: Hub, publicUrl: () => string): () => Promise<Provider> {
  let provider: Promise<Provider> | undefined;
  return () => {
    if (!provider) {
      // Making it reads the signing keys from the store: if the store is away, the next request tries again.
      const made = createAuthorizationServer(hub, publicUrl());
      provider = made;
      made.catch(() => {
        if (provider === made) provider = undefined;
      });
    }
    return provider;
  };
}

/** Whether a failure is the store being away, as the store reports it or as the provider's adapter does. */
function isStoreAway(error: unknown): boolean {
  return classifyStoreError(error) !== undefined || (error instanceof Error && (error as { error?: unknown }).error === "temporarily_unavailable");
}

/**
 * The sign-in and consent pages are pages: while the store is away they answer 503 with a page
 * that says so (and retry-after), never a JSON envelope. Anything else is thrown on to the server's
 * error handler (Fastify hands an error thrown by a route's handler to the one above it).
 */
function interactionErrorHandler(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  if (!isStoreAway(error)) throw error;
  sendUnavailablePage(reply);
}

function sendUnavailablePage(reply: FastifyReply): void {
  void reply.status(503).header("retry-after", String(RETRY_AFTER_SECONDS)).header("cache-control", "no-store").type("text/html; charset=utf-8").send(unavailablePage());
}

/** The authorization server's own paths (not Meta's Graph-style `/oauth/access_token`, which answers Graph errors). */
const OWN_PATHS = [...Object.values(OAUTH_ROUTES), "/oauth/interaction/", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"];
/** Where a person's browser lands: these answer with a page. */
const BROWSER_PATHS = [OAUTH_ROUTES.authorization, OAUTH_ROUTES.end_session, "/oauth/interaction/"];

/**
 * When the store is away before a request reaches its route (the access check that runs first),
 * the authorization server's paths answer as the authorization server would: RFC 6749's
 * `temporarily_unavailable` with 503 and retry-after — a page for a browser, JSON for a client.
 * Returns false for every other path or failure, which the caller handles as usual.
 */
export function answeredAsAuthorizationServer(error: unknown, request: FastifyRequest, reply: FastifyReply): boolean {
  const path = request.url.split("?")[0] ?? "";
  if (!isStoreAway(error) || !OWN_PATHS.some((own) => path === own || (own.endsWith("/") && path.startsWith(own)) || path.startsWith(`${own}/`))) return false;
  const accept = String(request.headers.accept ?? "");
  if (BROWSER_PATHS.some((own) => path.startsWith(own)) && accept.includes("text/html")) {
    sendUnavailablePage(reply);
    return true;
  }
  const described = storeUnavailable(error) as Error & { error_description?: string };
  void reply
    .status(503)
    .header("retry-after", String(RETRY_AFTER_SECONDS))
    .header("cache-control", "no-store")
    .send({ error: "temporarily_unavailable", error_description: described.error_description });
  return true;
}

function formOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" && value ? [value] : [];
}

/** The authorization server (oidc-provider) and its sign-in and consent pages. */
export async function registerOAuthRoutes(app: FastifyInstance, hub: Hub, options: OAuthRouteOptions): Promise<void> {
  const provider = lazyProvider(hub, options.publicUrl);
  let callback: ((req: unknown, res: unknown) => void) | undefined;
  const secure = () => options.publicUrl().startsWith("https:");

  // oidc-provider reads its own request bodies, so these routes leave the stream untouched.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    const handOff = (rawUrl?: string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const p = await provider();
      callback ??= p.callback() as (req: unknown, res: unknown) => void;
      if (rawUrl) request.raw.url = rawUrl;
      else request.raw.url = request.url;
      reply.hijack();
      callback(request.raw, reply.raw);
    };
    const paths = [
      OAUTH_ROUTES.authorization,
      `${OAUTH_ROUTES.authorization}/:uid`,
      OAUTH_ROUTES.token,
      OAUTH_ROUTES.revocation,
      OAUTH_ROUTES.introspection,
      OAUTH_ROUTES.jwks,
      OAUTH_ROUTES.userinfo,
      OAUTH_ROUTES.end_session,
      `${OAUTH_ROUTES.end_session}/confirm`,
      `${OAUTH_ROUTES.end_session}/success`,
      "/.well-known/openid-configuration",
    ];
    for (const url of paths) scope.route({ method: ["GET", "POST"], url, handler: handOff() });
    // RFC 8414 metadata: the same document as OpenID discovery.
    scope.get("/.well-known/oauth-authorization-server", async (request, reply) => {
      const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
      return handOff(`/.well-known/openid-configuration${query}`)(request, reply);
    });
  });

  const csrf = csrfCheck(app);
  const csrfToken = (reply: FastifyReply) => reply.generateCsrf({ httpOnly: true, sameSite: "lax", secure: secure(), path: "/" });

  async function appOf(clientId: unknown) {
    const found = typeof clientId === "string" ? await hub.appRegistry.get(clientId) : undefined;
    if (!found) throw errors.invalidParameter("Unknown app.");
    return found;
  }

  type Chosen = NonNullable<ConsentView["chosen"]>;

  async function renderConsent(reply: FastifyReply, uid: string, details: Awaited<ReturnType<Provider["interactionDetails"]>>, personId: string, failed?: { error: string; chosen: Chosen }) {
    const registered = await appOf(details.params.client_id);
    const requested = String(details.params.scope ?? "")
      .split(/[ ,]+/)
      .filter((s) => registered.scopes.includes(s));
    const scopes = requested.length > 0 ? requested : registered.scopes;
    const businessName = (id: string) => hub.engine.index.businesses.get(id) ?? id;
    // The person's own businesses first (they may pick them whole), then those whose assets they reach as a partner.
    const byBusiness = new Map<string, ConsentBusiness>();
    for (const businessId of hub.engine.index.principals.get(personId)?.roles.keys() ?? []) {
      byBusiness.set(businessId, { id: businessId, name: businessName(businessId), member: true, assets: [] });
    }
    for (const asset of hub.engine.accessibleAssets(personId)) {
      const entry = byBusiness.get(asset.ownerId) ?? { id: asset.ownerId, name: businessName(asset.ownerId), member: false, assets: [] };
      entry.assets.push(asset);
      byBusiness.set(asset.ownerId, entry);
    }
    const developerName = businessName(registered.businessId);
    const html = consentPage({
      uid,
      csrf: csrfToken(reply),
      appName: registered.name,
      developerName,
      verified: registered.verified,
      personName: hub.engine.index.principals.get(personId)?.name ?? personId,
      scopes,
      businesses: [...byBusiness.values()],
      ...(failed ? { error: failed.error, chosen: failed.chosen } : {}),
    });
    void reply.header("cache-control", "no-store");
    return reply.type("text/html; charset=utf-8").send(html);
  }

  app.get("/oauth/interaction/:uid", { errorHandler: interactionErrorHandler }, async (request, reply) => {
    const { uid } = request.params as { uid: string };
    const p = await provider();
    const details = await p.interactionDetails(request.raw, reply.raw);
    if (details.uid !== uid) throw errors.invalidParameter("This sign-in page has expired; start again from the app.");
    const session = await hub.auth.session(sessionValueOf(request));
    const signedIn = session && !session.twoFactorSetupRequired ? session : undefined;
    if (details.prompt.name === "login") {
      if (signedIn) {
        reply.hijack();
        await p.interactionFinished(request.raw, reply.raw, { login: { accountId: signedIn.person.id } }, { mergeWithLastSubmission: false });
        return reply;
      }
      const registered = await appOf(details.params.client_id);
      return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: csrfToken(reply) }));
    }
    const accountId = details.session?.accountId;
    if (!signedIn || signedIn.person.id !== accountId) {
      const registered = await appOf(details.params.client_id);
      return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: csrfToken(reply) }));
    }
    return renderConsent(reply, uid, details, accountId);
  });

  app.post("/oauth/interaction/:uid/login", { preHandler: csrf, errorHandler: interactionErrorHandler }, async (request, reply) => {
    const { uid } = request.params as { uid: string };
    const p = await provider();
    const details = await p.interactionDetails(request.raw, reply.raw);
    if (details.uid !== uid) throw errors.invalidParameter("This sign-in page has expired; start again from the app.");
    const form = formOf(request);
    const registered = await appOf(details.params.client_id);
    try {
      const signedIn = await hub.auth.login(anonymousContext(request), { email: form.email, password: form.password, totpCode: form.totp_code || undefined, ip: request.ip });
      const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure: secure(), path: "/", expires: new Date(signedIn.expiresAt) };
      if (signedIn.twoFactorSetupRequired) {
        void reply.setCookie(SESSION_COOKIE, signedIn.sessionValue, cookieOptions).status(403);
        return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: csrfToken(reply), error: "A business you belong to requires two-factor authentication. Set it up in Grantline first, then connect the app again." }));
      }
      // Set on the raw response: a hijacked reply skips Fastify's own cookie handling.
      reply.raw.appendHeader("set-cookie", app.serializeCookie(SESSION_COOKIE, signedIn.sessionValue, cookieOptions));
      reply.hijack();
      await p.interactionFinished(request.raw, reply.raw, { login: { accountId: signedIn.person.id } }, { mergeWithLastSubmission: false });
      return reply;
    } catch (error) {
      if (!(error instanceof GrantlineError) || error.status >= 500) throw error;
      const message = error.options.userMsg ?? error.message;
      void reply.status(error.status);
      if (error.options.retryAfterSeconds !== undefined) void reply.header("retry-after", String(error.options.retryAfterSeconds));
      return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: csrfToken(reply), error: message, email: typeof form.email === "string" ? form.email : "" }));
    }
  });

  app.post("/oauth/interaction/:uid/consent", { preHandler: csrf, errorHandler: interactionErrorHandler }, async (request, reply) => {
    const { uid } = request.params as { uid: string };
    const p = await provider();
    const details = await p.interactionDetails(request.raw, reply.raw);
    if (details.uid !== uid || details.prompt.name !== "consent") throw errors.invalidParameter("This consent page has expired; start again from the app.");
    const session = await hub.auth.requireSession(sessionValueOf(request));
    const accountId = details.session?.accountId;
    if (session.person.id !== accountId || session.twoFactorSetupRequired) throw errors.notSignedIn();
    const registered = await appOf(details.params.client_id);
    const form = formOf(request);
    const requested = String(details.params.scope ?? "").split(/[ ,]+/);
    const offered = requested.filter((s) => registered.scopes.includes(s));
    const allowed = offered.length > 0 ? offered : registered.scopes;
    // The person may untick scopes; they can never add one the app did not ask for.
    const scopes = listOf(form.scope).filter((s) => allowed.includes(s));
    const assetIds = listOf(form.asset);
    const businessIds = listOf(form.business);
    const chosen: Chosen = { scopes, assets: assetIds, businesses: businessIds };
    const ctx = { requestId: request.id, actor: { type: "person" as const, id: session.person.id } };
    if (scopes.length === 0 || assetIds.length + businessIds.length === 0) {
      await hub.audit.record(ctx, { action: "app.grant", targetType: "app", targetId: registered.id, outcome: "invalid", reason: "No permission or nothing to reach chosen." });
      void reply.status(400);
      const error = scopes.length === 0 ? "Choose at least one thing the app may do, or cancel." : "Choose at least one business or asset for the app, or cancel.";
      return renderConsent(reply, uid, details, session.person.id, { error, chosen });
    }
    const grant = new p.Grant({ accountId: session.person.id, clientId: registered.id });
    const graph = graphResourceOf(options.publicUrl());
    grant.addResourceScope(graph, scopes.join(" "));
    // The scopes are listed in discovery, so the provider also counts them as OpenID scopes of the grant.
    grant.addOIDCScope([...(requested.includes("openid") ? ["openid"] : []), ...scopes].join(" "));
    // Scopes the person unticked are declined, so the provider does not ask for them again (as Meta's declined permissions).
    const declined = allowed.filter((s) => !scopes.includes(s));
    if (declined.length > 0) {
      grant.rejectOIDCScope(declined.join(" "));
      grant.rejectResourceScope(graph, declined.join(" "));
    }
    const oidcGrantId = await grant.save();
    try {
      await hub.apps.grant(ctx, { appId: registered.id, scopes, assetIds, businessIds, oidcGrantId });
    } catch (error) {
      await grant.destroy();
      if (!(error instanceof GrantlineError) || error.status >= 500) throw error;
      void reply.status(error.status);
      return renderConsent(reply, uid, details, session.person.id, { error: error.options.userMsg ?? error.message, chosen });
    }
    reply.hijack();
    await p.interactionFinished(request.raw, reply.raw, { consent: { grantId: oidcGrantId } }, { mergeWithLastSubmission: true });
    return reply;
  });

  app.post("/oauth/interaction/:uid/deny", { preHandler: csrf, errorHandler: interactionErrorHandler }, async (request, reply) => {
    const p = await provider();
    const details = await p.interactionDetails(request.raw, reply.raw);
    const clientId = typeof details.params.client_id === "string" ? details.params.client_id : null;
    await hub.audit.record(
      { requestId: request.id, actor: details.session?.accountId ? { type: "person", id: details.session.accountId } : { type: "system" }, appId: clientId },
      { action: "app.grant", targetType: "app", targetId: clientId, outcome: "denied", reason: "The person cancelled the connection." },
    );
    reply.hijack();
    await p.interactionFinished(request.raw, reply.raw, { error: "access_denied", error_description: "The person cancelled the connection." }, { mergeWithLastSubmission: false });
    return reply;
  });

  registerMetaOAuthRoutes(app, hub, { provider, publicUrl: options.publicUrl });
  registerAppAccessRoutes(app, hub);
}
