import type { FastifyInstance, FastifyRequest } from "fastify";
import { csrfCheck, sessionValueOf } from "../web/session.ts";
import { errors } from "../errors.ts";
import type { RequestContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { AppAccessService } from "../hub/apps/appAccess.service.ts";

/** The console's views of connected apps and tokens, for the signed-in person (cookie + CSRF). */
export function registerAppAccessRoutes(app: FastifyInstance, hub: Hub): AppAccessService {
  const access = new AppAccessService(hub);
  const csrf = csrfCheck(app);

  async function personContext(request: FastifyRequest): Promise<RequestContext> {
    const session = await hub.auth.requireSession(sessionValueOf(request));
    if (session.twoFactorSetupRequired) throw errors.twoFactorSetupRequired();
    return { requestId: request.id, actor: { type: "person", id: session.person.id } };
  }

  app.get("/auth/apps", async (request) => {
    const ctx = await personContext(request);
    return { data: await access.listForPerson((ctx.actor as { id: string }).id) };
  });

  app.delete("/auth/apps/:grantId", { preHandler: csrf }, async (request) => {
    const ctx = await personContext(request);
    await access.removeForPerson(ctx, (request.params as { grantId: string }).grantId);
    return { success: true };
  });

  app.get("/auth/businesses/:businessId/apps", async (request) => {
    const ctx = await personContext(request);
    return { data: await access.listForBusiness(ctx, (request.params as { businessId: string }).businessId) };
  });

  app.delete("/auth/businesses/:businessId/apps/:appId", { preHandler: csrf }, async (request) => {
    const ctx = await personContext(request);
    const { businessId, appId } = request.params as { businessId: string; appId: string };
    return { success: true, ...(await access.removeFromBusiness(ctx, businessId, appId)) };
  });

  app.get("/auth/businesses/:businessId/tokens", async (request) => {
    const ctx = await personContext(request);
    return { data: await access.listSystemUserTokens(ctx, (request.params as { businessId: string }).businessId) };
  });

  app.delete("/auth/businesses/:businessId/tokens/:tokenId", { preHandler: csrf }, async (request) => {
    const ctx = await personContext(request);
    const { businessId, tokenId } = request.params as { businessId: string; tokenId: string };
    const tokens = await access.listSystemUserTokens(ctx, businessId);
    if (!tokens.some((t) => t.id === tokenId)) throw errors.invalidParameter(`No system user token of this business has the ID ${tokenId}.`);
    await hub.tokens.revoke(ctx, tokenId, businessId);
    return { success: true };
  });

  return access;
}
