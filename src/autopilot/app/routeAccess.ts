import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import { errors } from "../../errors.ts";
import type { WorkspaceRow } from "../store/autopilot.repository.ts";
import type { Autopilot } from "./autopilot.ts";
import type { AutopilotHost, HostCaller } from "./host.ts";

/**
 * Who may use Autopilot's console routes: a hub token of an admin of the advertiser's business.
 * An unknown workspace and one the caller may not see look the same: to someone with no relation to
 * the advertiser, a workspace that exists is answered as one that does not (not as its business,
 * which would tell that it exists and whose it is).
 */
export function autopilotAccess(host: AutopilotHost, autopilot: Autopilot) {
  const admitted = async (caller: HostCaller, businessId: string): Promise<HostCaller> => {
    await host.admitAdmin(caller, businessId);
    return caller;
  };
  const business = async (request: FastifyRequest, businessId: string): Promise<HostCaller> => admitted(await host.authenticate(request), businessId);
  const workspace = async (request: FastifyRequest, workspaceIdOrName: string): Promise<HostCaller & { workspace: WorkspaceRow }> => {
    const caller = await host.authenticate(request);
    const found = await autopilot.workspaces.require(workspaceIdOrName).catch(() => undefined);
    const stranger = found?.business_id ? !(await host.seesBusiness(caller, found.business_id)) : false;
    if (!found || !found.business_id || stranger) throw errors.permissionDenied("(#200) You cannot manage this Autopilot workspace.");
    return { ...(await admitted(caller, found.business_id)), workspace: found };
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
