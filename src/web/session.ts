import type {} from "@fastify/cookie";
import type {} from "@fastify/csrf-protection";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RequestContext } from "../hub/context.ts";

/*
 * The console's session as every surface reads it: the cookie that carries it and the CSRF check of
 * a cookie-authenticated POST. The cookie and CSRF plugins are registered by auth
 * (registerSessionPlugins); sign-in, the OAuth pages and the console's app routes read them here.
 */

export const SESSION_COOKIE = "grantline_session";

/** A request's context before anyone is known: the request id, acting as the system. */
export function anonymousContext(request: FastifyRequest): RequestContext {
  return { requestId: request.id, actor: { type: "system" } };
}

export function sessionValueOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return typeof value === "string" && value ? value : undefined;
}

/** Checks the CSRF token of a cookie-authenticated POST (header x-csrf-token, or a `_csrf` form field). */
export function csrfCheck(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => app.csrfProtection(request, reply, done);
}
