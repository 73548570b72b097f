import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { Hub } from "../hub/hub.ts";
import { classifyStoreError } from "../store/storeFault.ts";
import { createAuthorizationServer, OAUTH_ROUTES, RETRY_AFTER_SECONDS, storeUnavailable } from "./authorizationServer.ts";
import { unavailablePage } from "../web/pageStyle.ts";
import { registerInteractionRoutes } from "./interactionRoutes.ts";
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

/** The authorization server (oidc-provider) and its sign-in and consent pages. */
export async function registerOAuthRoutes(app: FastifyInstance, hub: Hub, options: OAuthRouteOptions): Promise<void> {
  const provider = lazyProvider(hub, options.publicUrl);
  let callback: ((req: unknown, res: unknown) => void) | undefined;

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

  registerInteractionRoutes(app, hub, { provider, publicUrl: options.publicUrl, errorHandler: interactionErrorHandler });
  registerMetaOAuthRoutes(app, hub, { provider, publicUrl: options.publicUrl });
  registerAppAccessRoutes(app, hub);
}
