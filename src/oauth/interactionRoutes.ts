import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { anonymousContext, csrfCheck, SESSION_COOKIE, sessionValueOf } from "../web/session.ts";
import { errors, GrantlineError } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import { graphResourceOf } from "./authorizationServer.ts";
import { consentPage, loginPage, type ConsentBusiness, type ConsentView } from "./consentPage.ts";

/**
 * The authorization server's interaction pages, where a person signs in and chooses what an app may
 * do and reach (`/oauth/interaction/:uid`): one handler per step — show the page the prompt asks for
 * (`showInteraction`), sign in (`submitLogin`), consent (`submitConsent`), cancel (`deny`).
 */

interface Interaction {
  app: FastifyInstance;
  hub: Hub;
  provider: () => Promise<Provider>;
  publicUrl: () => string;
  /** A fresh CSRF token for a page's form (its secret goes in a cookie). */
  csrfToken(reply: FastifyReply): string;
  secure(): boolean;
}

type Details = Awaited<ReturnType<Provider["interactionDetails"]>>;
type Chosen = NonNullable<ConsentView["chosen"]>;

export function registerInteractionRoutes(
  app: FastifyInstance,
  hub: Hub,
  options: { provider: () => Promise<Provider>; publicUrl: () => string; errorHandler: (error: Error, request: FastifyRequest, reply: FastifyReply) => void },
): void {
  const secure = () => options.publicUrl().startsWith("https:");
  const ix: Interaction = {
    app,
    hub,
    provider: options.provider,
    publicUrl: options.publicUrl,
    csrfToken: (reply) => reply.generateCsrf({ httpOnly: true, sameSite: "lax", secure: secure(), path: "/" }),
    secure,
  };
  const csrf = csrfCheck(app);
  const { errorHandler } = options;
  app.get("/oauth/interaction/:uid", { errorHandler }, (request, reply) => showInteraction(ix, request, reply));
  app.post("/oauth/interaction/:uid/login", { preHandler: csrf, errorHandler }, (request, reply) => submitLogin(ix, request, reply));
  app.post("/oauth/interaction/:uid/consent", { preHandler: csrf, errorHandler }, (request, reply) => submitConsent(ix, request, reply));
  app.post("/oauth/interaction/:uid/deny", { preHandler: csrf, errorHandler }, (request, reply) => deny(ix, request, reply));
}

function formOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" && value ? [value] : [];
}

async function appOf(hub: Hub, clientId: unknown) {
  const found = typeof clientId === "string" ? await hub.appRegistry.get(clientId) : undefined;
  if (!found) throw errors.invalidParameter("Unknown app.");
  return found;
}

/** The interaction of this page's uid, or the "expired" answer when the browser holds another one. */
async function interactionOf(ix: Interaction, request: FastifyRequest, reply: FastifyReply, expired: string): Promise<{ uid: string; p: Provider; details: Details }> {
  const { uid } = request.params as { uid: string };
  const p = await ix.provider();
  const details = await p.interactionDetails(request.raw, reply.raw);
  if (details.uid !== uid) throw errors.invalidParameter(expired);
  return { uid, p, details };
}

function sendLoginPage(ix: Interaction, reply: FastifyReply, uid: string, appName: string) {
  return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName, csrf: ix.csrfToken(reply) }));
}

/** The consent page: the app, the scopes it asked for, and the businesses and assets the person may give it. */
async function renderConsent(ix: Interaction, reply: FastifyReply, uid: string, details: Details, personId: string, failed?: { error: string; chosen: Chosen }) {
  const { hub } = ix;
  const registered = await appOf(hub, details.params.client_id);
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
    csrf: ix.csrfToken(reply),
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

/** `GET /oauth/interaction/:uid`: the sign-in page, or the consent page once the person is signed in (a signed-in person skips sign-in). */
async function showInteraction(ix: Interaction, request: FastifyRequest, reply: FastifyReply) {
  const { uid, p, details } = await interactionOf(ix, request, reply, "This sign-in page has expired; start again from the app.");
  const session = await ix.hub.auth.session(sessionValueOf(request));
  const signedIn = session && !session.twoFactorSetupRequired ? session : undefined;
  if (details.prompt.name === "login") {
    if (signedIn) {
      reply.hijack();
      await p.interactionFinished(request.raw, reply.raw, { login: { accountId: signedIn.person.id } }, { mergeWithLastSubmission: false });
      return reply;
    }
    return sendLoginPage(ix, reply, uid, (await appOf(ix.hub, details.params.client_id)).name);
  }
  const accountId = details.session?.accountId;
  if (!signedIn || signedIn.person.id !== accountId) return sendLoginPage(ix, reply, uid, (await appOf(ix.hub, details.params.client_id)).name);
  return renderConsent(ix, reply, uid, details, accountId);
}

/** `POST /oauth/interaction/:uid/login`: signs the person in (password, and the TOTP code when enrolled) and goes on to consent. */
async function submitLogin(ix: Interaction, request: FastifyRequest, reply: FastifyReply) {
  const { uid, p, details } = await interactionOf(ix, request, reply, "This sign-in page has expired; start again from the app.");
  const form = formOf(request);
  const registered = await appOf(ix.hub, details.params.client_id);
  try {
    const signedIn = await ix.hub.auth.login(anonymousContext(request), { email: form.email, password: form.password, totpCode: form.totp_code || undefined, ip: request.ip });
    const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure: ix.secure(), path: "/", expires: new Date(signedIn.expiresAt) };
    if (signedIn.twoFactorSetupRequired) {
      void reply.setCookie(SESSION_COOKIE, signedIn.sessionValue, cookieOptions).status(403);
      return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: ix.csrfToken(reply), error: "A business you belong to requires two-factor authentication. Set it up in Grantline first, then connect the app again." }));
    }
    // Set on the raw response: a hijacked reply skips Fastify's own cookie handling.
    reply.raw.appendHeader("set-cookie", ix.app.serializeCookie(SESSION_COOKIE, signedIn.sessionValue, cookieOptions));
    reply.hijack();
    await p.interactionFinished(request.raw, reply.raw, { login: { accountId: signedIn.person.id } }, { mergeWithLastSubmission: false });
    return reply;
  } catch (error) {
    if (!(error instanceof GrantlineError) || error.status >= 500) throw error;
    const message = error.options.userMsg ?? error.message;
    void reply.status(error.status);
    if (error.options.retryAfterSeconds !== undefined) void reply.header("retry-after", String(error.options.retryAfterSeconds));
    return reply.type("text/html; charset=utf-8").send(loginPage({ uid, appName: registered.name, csrf: ix.csrfToken(reply), error: message, email: typeof form.email === "string" ? form.email : "" }));
  }
}

/**
 * `POST /oauth/interaction/:uid/consent`: the scopes, businesses and assets the person chose. They
 * may untick scopes but never add one the app did not ask for; the grant is saved with the provider
 * and in the hub together (the provider's is destroyed when the hub refuses).
 */
async function submitConsent(ix: Interaction, request: FastifyRequest, reply: FastifyReply) {
  const { hub } = ix;
  const { uid, p, details } = await interactionOf(ix, request, reply, "This consent page has expired; start again from the app.");
  if (details.prompt.name !== "consent") throw errors.invalidParameter("This consent page has expired; start again from the app.");
  const session = await hub.auth.requireSession(sessionValueOf(request));
  const accountId = details.session?.accountId;
  if (session.person.id !== accountId || session.twoFactorSetupRequired) throw errors.notSignedIn();
  const registered = await appOf(hub, details.params.client_id);
  const form = formOf(request);
  const requested = String(details.params.scope ?? "").split(/[ ,]+/);
  const offered = requested.filter((s) => registered.scopes.includes(s));
  const allowed = offered.length > 0 ? offered : registered.scopes;
  const scopes = listOf(form.scope).filter((s) => allowed.includes(s));
  const assetIds = listOf(form.asset);
  const businessIds = listOf(form.business);
  const chosen: Chosen = { scopes, assets: assetIds, businesses: businessIds };
  const ctx = { requestId: request.id, actor: { type: "person" as const, id: session.person.id } };
  if (scopes.length === 0 || assetIds.length + businessIds.length === 0) {
    await hub.audit.record(ctx, { action: "app.grant", targetType: "app", targetId: registered.id, outcome: "invalid", reason: "No permission or nothing to reach chosen." });
    void reply.status(400);
    const error = scopes.length === 0 ? "Choose at least one thing the app may do, or cancel." : "Choose at least one business or asset for the app, or cancel.";
    return renderConsent(ix, reply, uid, details, session.person.id, { error, chosen });
  }
  const grant = new p.Grant({ accountId: session.person.id, clientId: registered.id });
  const graph = graphResourceOf(ix.publicUrl());
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
    return renderConsent(ix, reply, uid, details, session.person.id, { error: error.options.userMsg ?? error.message, chosen });
  }
  reply.hijack();
  await p.interactionFinished(request.raw, reply.raw, { consent: { grantId: oidcGrantId } }, { mergeWithLastSubmission: true });
  return reply;
}

/** `POST /oauth/interaction/:uid/deny`: the person cancelled; recorded, and the app is told `access_denied`. */
async function deny(ix: Interaction, request: FastifyRequest, reply: FastifyReply) {
  const p = await ix.provider();
  const details = await p.interactionDetails(request.raw, reply.raw);
  const clientId = typeof details.params.client_id === "string" ? details.params.client_id : null;
  await ix.hub.audit.record(
    { requestId: request.id, actor: details.session?.accountId ? { type: "person", id: details.session.accountId } : { type: "system" }, appId: clientId },
    { action: "app.grant", targetType: "app", targetId: clientId, outcome: "denied", reason: "The person cancelled the connection." },
  );
  reply.hijack();
  await p.interactionFinished(request.raw, reply.raw, { error: "access_denied", error_description: "The person cancelled the connection." }, { mergeWithLastSubmission: false });
  return reply;
}
