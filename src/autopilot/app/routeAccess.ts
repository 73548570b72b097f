import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import { errors } from "../../errors.ts";
import { authenticate } from "../../graph/graphAuth.ts";
import { authorizeBusinessAdmin, subjectOf } from "../../hub/access/authorize.ts";
import { canSeeBusiness } from "../../hub/access/visibility.ts";
import type { RequestContext } from "../../hub/context.ts";
import type { Hub } from "../../hub/hub.ts";
import type { WorkspaceRow } from "./autopilot.repository.ts";
import type { Autopilot } from "./autopilot.ts";

export interface AutopilotCaller {
  ctx: RequestContext;
  /** `person:<id>` or `system_user:<id>`, recorded as who approved or started something. */
  who: string;
}

/**
 * Who may use Autopilot's console routes: a hub token of an admin of the advertiser's business.
 * An unknown workspace and one the caller may not see look the same: to someone with no relation to
 * the advertiser, a workspace that exists is answered as one that does not (not as its business,
 * which would tell that it exists and whose it is).
 */
export function autopilotAccess(hub: Hub, autopilot: Autopilot) {
  const admitted = (ctx: RequestContext, businessId: string): AutopilotCaller => {
    authorizeBusinessAdmin(hub.engine, ctx, businessId, "managing Autopilot");
    return { ctx, who: "id" in ctx.actor ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type };
  };
  const business = async (request: FastifyRequest, businessId: string): Promise<AutopilotCaller> => admitted((await authenticate(hub, request)).ctx, businessId);
  const workspace = async (request: FastifyRequest, workspaceIdOrName: string): Promise<AutopilotCaller & { workspace: WorkspaceRow }> => {
    const { ctx } = await authenticate(hub, request);
    const found = await autopilot.workspaces.require(workspaceIdOrName).catch(() => undefined);
    const subject = subjectOf(ctx);
    const stranger = found?.business_id && subject ? !canSeeBusiness(hub.engine, subject.principalId, found.business_id) : false;
    if (!found || !found.business_id || stranger) throw errors.permissionDenied("(#200) You cannot manage this Autopilot workspace.");
    return { ...admitted(ctx, found.business_id), workspace: found };
  };
  return { business, workspace };
}

/** A request body checked against its schema; the first problem becomes a Graph-style error. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw errors.invalidParameter(`Invalid ${issue.path.join(".") || "body"}: ${issue.message}.`);
  }
  return parsed.data;
}
