import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { errors } from "../errors.ts";
import { FORECAST_LIMITS } from "../impactForecast.ts";
import { authenticate } from "../web/graphAuth.ts";
import { authorizeAutopilotHost, authorizeHostForAdAccounts, authorizeHostForBusiness } from "../hub/access/serviceAccess.ts";
import { AUTOPILOT_AUDIT_ACTIONS } from "../hub/audit/auditActions.ts";
import type { RequestContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { HubSimulation } from "../simulator/hubSimulation.ts";
import type { AutopilotHost } from "../autopilot/app/host.ts";
import { parseBody } from "../autopilot/app/routeAccess.ts";
import { callerOf } from "./autopilotHost.ts";

/** Where the hub serves Autopilot's host to an Autopilot running in a process of its own. */
export const AUTOPILOT_HOST_PATH = "/autopilot_host";

const token = z.string().min(1).max(4096);
const businessId = z.string().regex(/^\d+$/, "must be a Business ID");
const callerBody = z.object({ caller_token: token }).strict();
const businessBody = z.object({ caller_token: token, business_id: businessId }).strict();
const auditBody = z
  .object({
    // The caller's token: the entry is theirs, and they are admitted again here. None: the system's (the OAuth callback).
    caller_token: token.optional(),
    request_id: z.string().min(1).max(100),
    action: z.enum(AUTOPILOT_AUDIT_ACTIONS, { error: "must be one of Autopilot's actions (autopilot.…)" }),
    business_id: businessId.nullable(),
    target_id: z.string().min(1).max(200),
    after: z.unknown().optional(),
  })
  .strict();
const alertBody = z
  .object({
    businessId,
    kind: z.string().min(1).max(100),
    severity: z.enum(["info", "warning", "critical"]),
    title: z.string().min(1).max(500),
    body: z.string().max(5000),
    fields: z.array(z.object({ name: z.string().max(200), value: z.string().max(2000) }).strict()).max(50).optional(),
    link: z.string().max(2000).nullable().optional(),
    dedupKey: z.string().min(1).max(500),
    source: z.literal("autopilot").optional(),
  })
  .strict();
const forecastBody = z
  .object({
    accountId: z.string().regex(/^(act_)?\d+$/, "must be act_<id>"),
    edits: z.array(z.object({ objectId: z.string().min(1).max(100), field: z.enum(["status", "daily_budget"]), value: z.union([z.string().max(100), z.number()]) }).strict()).max(1000),
    days: z.number().int().min(1).max(FORECAST_LIMITS.days),
    runs: z.number().int().min(1).max(FORECAST_LIMITS.runs),
  })
  .strict();
const checkpointBody = z.object({ account_ids: z.array(z.string().regex(/^(act_)?\d+$/)).min(1).max(50) }).strict();
const replayBody = z.object({ checkpoint: z.string().min(2) }).strict();

/**
 * Autopilot's host over HTTP (`hostOverHttp` is the other end), as JSON routes under /autopilot_host/:
 * who a console caller is and whether they manage a business (the caller's own token in the body),
 * audit entries, alerts, forecasts and the pilots' market replay. Only the hub's own Autopilot app
 * may call them (its token in the Authorization header; hub/access decides); to any other token
 * they answer as the Graph refuses it. Even to the app, they act only for businesses and ad
 * accounts that connected it (hub/access: `authorizeHostForBusiness`, `authorizeHostForAdAccounts`).
 */
export function registerAutopilotHostRoutes(app: FastifyInstance, hub: Hub, host: AutopilotHost): void {
  /** The app calling, as hub/access admitted it. */
  type Admitted = { ctx: RequestContext; app: { id: string; businessId: string } | undefined };
  const admitted = async (request: FastifyRequest): Promise<Admitted> => {
    const { ctx } = await authenticate(hub, request);
    const app = ctx.appId ? await hub.appRegistry.get(ctx.appId) : undefined;
    authorizeAutopilotHost(hub.engine, ctx, app);
    return { ctx, app };
  };
  const route = <T>(path: string, schema: z.ZodType<T>, answer: (body: T, request: FastifyRequest, by: Admitted) => Promise<unknown>) =>
    app.post(`${AUTOPILOT_HOST_PATH}/${path}`, async (request) => {
      const by = await admitted(request);
      return answer(parseBody(schema, request.body), request, by);
    });
  // Every grant the app was ever given: a business that removed it still hears that it lost access.
  const forBusiness = async (by: Admitted, businessId: string) =>
    authorizeHostForBusiness(hub.engine, by.ctx, by.app, businessId, by.app ? await hub.apps.connectionsOf(by.app.id) : []);
  const forAdAccounts = (by: Admitted, accountIds: Iterable<string>) => authorizeHostForAdAccounts(hub.engine, by.ctx, by.app, accountIds);

  route("callers", callerBody, async (body, request) => {
    const caller = await callerOf(hub, request, body.caller_token);
    return { who: caller.who, actor: caller.ctx.actor };
  });
  route("callers/sees_business", businessBody, async (body, request) => {
    const caller = await callerOf(hub, request, body.caller_token);
    return { sees: await host.seesBusiness(caller, body.business_id) };
  });
  route("callers/admit_admin", businessBody, async (body, request) => {
    const caller = await callerOf(hub, request, body.caller_token);
    await host.admitAdmin(caller, body.business_id);
    return { admitted: true };
  });
  route("callers/business_name", businessBody, async (body, request) => {
    const caller = await callerOf(hub, request, body.caller_token);
    return { name: (await host.businessName(caller, body.business_id)) ?? null };
  });
  route("audit", auditBody, async (body, request, by) => {
    // A caller's entry only for a business they manage: the app cannot write in someone else's name;
    // the system's only for a business that connected the app.
    const caller = body.caller_token === undefined ? null : await callerOf(hub, request, body.caller_token);
    if (caller && body.business_id) await host.admitAdmin(caller, body.business_id);
    if (!caller && body.business_id) await forBusiness(by, body.business_id);
    await host.recordAudit(caller, { action: body.action, businessId: body.business_id, targetId: body.target_id, after: body.after }, body.request_id);
    return { recorded: true };
  });
  route("alerts", alertBody, async (body, _request, by) => {
    await forBusiness(by, body.businessId);
    return { outcome: (await host.raiseAlert({ ...body, source: "autopilot" })) ?? null };
  });
  route("forecasts", forecastBody, async (body, _request, by) => {
    forAdAccounts(by, [body.accountId]);
    if (!host.forecast) throw notOnSimulator();
    return host.forecast(body);
  });
  route("market/checkpoints", checkpointBody, async (body, _request, by) => {
    forAdAccounts(by, body.account_ids);
    if (!host.market) throw notOnSimulator();
    return { checkpoint: await host.market.checkpoint(body.account_ids) };
  });
  route("market/replays", replayBody, async (body, _request, by) => {
    // The checkpoint comes back from the app, so what it makes the market run is read from it, not trusted.
    const accountIds = await new HubSimulation(hub).accountsNamedBy(body.checkpoint);
    if (!accountIds) throw errors.invalidParameter("Invalid checkpoint: not one this hub's market kept.");
    forAdAccounts(by, accountIds);
    if (!host.market) throw notOnSimulator();
    return { data: await host.market.replay(body.checkpoint) };
  });
}

function notOnSimulator() {
  return errors.invalidParameter("This hub runs no simulated market: it cannot forecast or replay.");
}
