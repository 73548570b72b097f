import type { FastifyRequest } from "fastify";
import { GrantlineError } from "./errors.ts";

/** Graph's answer to a request that needs a token and carries none (code 104). */
export function tokenRequired(): GrantlineError {
  return new GrantlineError("TOKEN_REQUIRED", 400, 104, "An access token is required to request this resource.", { type: "OAuthException" });
}

/**
 * The access token from the query, a form or JSON body field, or `Authorization: Bearer`: where the
 * Graph reads it, and Autopilot's console routes too, in the hub's process or apart from it.
 */
export function accessTokenOf(request: FastifyRequest): string | undefined {
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof fromQuery === "string" && fromQuery) return fromQuery;
  const body = request.body;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const fromBody = (body as Record<string, unknown>).access_token;
    if (typeof fromBody === "string" && fromBody) return fromBody;
  }
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  if (header?.toLowerCase().startsWith("oauth ")) return header.slice(6).trim();
  return undefined;
}
