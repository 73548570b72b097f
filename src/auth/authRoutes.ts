import cookie from "@fastify/cookie";
import csrfProtection from "@fastify/csrf-protection";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import type { SessionView } from "../hub/people/personAuth.port.ts";
import type { Mailer } from "../mail/mailer.ts";
import { anonymousContext, csrfCheck, SESSION_COOKIE, sessionValueOf } from "../web/session.ts";
import type { PersonAuthService } from "./personAuth.service.ts";

export interface AuthRouteOptions {
  /** Where people reach the hub; links in emails point here, and cookies are Secure when it is https. */
  publicUrl: () => string;
  mailer: Mailer;
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function presentSession(session: SessionView, csrfToken: string) {
  return {
    person: session.person,
    access_token: session.accessToken,
    expires_at: Math.floor(session.expiresAt / 1000),
    csrf_token: csrfToken,
    ...(session.twoFactorSetupRequired ? { two_factor_setup_required: true } : {}),
  };
}

const RESET_PAGE = (token: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Choose a new password – Grantline</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Choose a new password</h1>
<form method="post" action="/auth/password-reset/confirm">
<input type="hidden" name="token" value="${token.replace(/[^A-Za-z0-9_-]/g, "")}">
<label for="password">New password (at least 10 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required>
<button type="submit">Set password</button>
</form>
</main></body></html>`;

/** Cookies and CSRF protection for the whole server (the sign-in pages and the OAuth consent use them). */
export async function registerSessionPlugins(app: FastifyInstance, publicUrl: () => string): Promise<void> {
  await app.register(cookie);
  await app.register(csrfProtection, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: "grantline_csrf",
    cookieOpts: { path: "/", sameSite: "lax", httpOnly: true, secure: publicUrl().startsWith("https:") },
  });
}

/** People's sign-in endpoints under /auth. */
export function registerAuthRoutes(app: FastifyInstance, hub: Hub<PersonAuthService>, options: AuthRouteOptions): void {
  const auth = hub.auth;
  const secure = () => options.publicUrl().startsWith("https:");
  const csrf = csrfCheck(app);

  app.post("/auth/login", async (request, reply) => {
    // Only JSON: a cross-site HTML form cannot send it, so nobody can be signed in to someone else's account.
    if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) {
      throw errors.invalidParameter("Send the sign-in as JSON: {\"email\", \"password\", \"totp_code\"}.");
    }
    const body = bodyOf(request);
    const signedIn = await auth.login(anonymousContext(request), { email: body.email, password: body.password, totpCode: body.totp_code, ip: request.ip });
    void reply.setCookie(SESSION_COOKIE, signedIn.sessionValue, {
      httpOnly: true,
      sameSite: "lax",
      secure: secure(),
      path: "/",
      expires: new Date(signedIn.expiresAt),
    });
    return { person: signedIn.person, ...(signedIn.twoFactorSetupRequired ? { two_factor_setup_required: true } : {}) };
  });

  app.post("/auth/logout", { preHandler: csrf }, async (request, reply) => {
    await auth.logout(anonymousContext(request), sessionValueOf(request));
    void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax", secure: secure() });
    return { success: true };
  });

  app.get("/auth/session", async (request, reply) => {
    void reply.header("cache-control", "no-store");
    const session = await auth.requireSession(sessionValueOf(request));
    return presentSession(session, reply.generateCsrf({ httpOnly: true, sameSite: "lax", secure: secure(), path: "/" }));
  });

  app.post("/auth/totp/enroll", { preHandler: csrf }, async (request) => {
    const session = await auth.requireSession(sessionValueOf(request));
    const { secret, uri } = await auth.enrollTotp(anonymousContext(request), session);
    return { secret, otpauth_uri: uri };
  });

  app.post("/auth/totp/confirm", { preHandler: csrf }, async (request, reply) => {
    const value = sessionValueOf(request);
    if (!value) throw errors.notSignedIn();
    const session = await auth.confirmTotp(anonymousContext(request), value, bodyOf(request).code);
    return { ...presentSession(session, reply.generateCsrf({ httpOnly: true, sameSite: "lax", secure: secure(), path: "/" })), two_factor_enabled: true };
  });

  app.get("/auth/totp", async (request, reply) => {
    void reply.header("cache-control", "no-store");
    const session = await auth.requireSession(sessionValueOf(request));
    return auth.twoFactorStatus(session);
  });

  app.post("/auth/totp/disable", { preHandler: csrf }, async (request) => {
    const session = await auth.requireSession(sessionValueOf(request));
    await auth.disableTotp(anonymousContext(request), session, bodyOf(request).code);
    return { success: true, two_factor_enabled: false };
  });

  // One answer whether or not the email has an account (or has had its mails for the hour); only a
  // client address over its limit is refused. The mail goes out once the answer has left, so the
  // mail server's latency (or failure, only logged) cannot tell a known address from an unknown one.
  app.post("/auth/password-reset", async (request, reply) => {
    const pending = await auth.requestPasswordReset(anonymousContext(request), bodyOf(request).email, request.ip);
    const baseUrl = options.publicUrl();
    reply.raw.once("close", () => {
      pending.deliver({ mailer: options.mailer, baseUrl }).catch((error: unknown) => request.log.error({ err: error }, "password reset email failed"));
    });
    return { success: true };
  });

  app.get("/auth/password-reset", async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token;
    void reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
    return reply.type("text/html; charset=utf-8").send(RESET_PAGE(typeof token === "string" ? token : ""));
  });

  // Invitation links: the token travels in the page's fragment and then in a POST body, never in
  // a URL the hub logs. Only JSON, like /auth/login, so a cross-site form cannot sign anyone in.
  app.post("/auth/invitation", async (request, reply) => {
    void reply.header("cache-control", "no-store");
    const link = await hub.invitations.describeLink(bodyOf(request).token);
    return {
      email: link.email,
      role: link.role,
      business: link.business,
      expiration_time: new Date(link.expiresAt).toISOString(),
      two_factor_required: link.twoFactorRequired,
    };
  });

  app.post("/auth/invitation/accept", async (request, reply) => {
    if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) {
      throw errors.invalidParameter('Send the acceptance as JSON: {"token", "name", "password"}.');
    }
    const body = bodyOf(request);
    const signedIn = await auth.acceptInvitation(anonymousContext(request), { token: body.token, name: body.name, password: body.password, ip: request.ip });
    void reply.setCookie(SESSION_COOKIE, signedIn.sessionValue, { httpOnly: true, sameSite: "lax", secure: secure(), path: "/", expires: new Date(signedIn.expiresAt) });
    return { person: signedIn.person, business_id: signedIn.businessId, ...(signedIn.twoFactorSetupRequired ? { two_factor_setup_required: true } : {}) };
  });

  app.post("/auth/password-reset/confirm", async (request) => {
    const body = bodyOf(request);
    const person = await auth.confirmPasswordReset(anonymousContext(request), body.token, body.password);
    return { success: true, person };
  });
}
