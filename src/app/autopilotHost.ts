import type { FastifyRequest } from "fastify";
import type { Config } from "../config/env.ts";
import { loadOrCreateSecretKey } from "../crypto/secretKey.ts";
import { authenticate } from "../web/graphAuth.ts";
import { authorizeBusinessAdmin } from "../hub/access/authorize.ts";
import { callerSeesBusiness } from "../hub/access/serviceAccess.ts";
import { systemContext, type RequestContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { OutboundHttp } from "../net/outbound.ts";
import { raiseAlert } from "../notify/raiseAlert.ts";
import { HubSimulation, type HubSimulationOptions } from "../simulator/hubSimulation.ts";
import type { AlertSink } from "../autopilot/app/alerts.ts";
import { Autopilot } from "../autopilot/app/autopilot.ts";
import type { AutopilotHost, HostCaller, HostedAutopilot } from "../autopilot/app/host.ts";
import type { Planner } from "../autopilot/app/planner.ts";
import { autopilotTrustedOrigins } from "../autopilot/app/trustedOrigins.ts";
import { autopilotDb } from "../autopilot/store/database.ts";

/**
 * Autopilot's host in the hub's own process: callers authenticated and admitted by the Graph's token
 * check and hub/access, entries in the hub's audit log, alerts through the notification service
 * (dedup, rate limits, quiet hours), and forecasts and pilots' replays on the hub's simulated market.
 */
export function hostFromHub(hub: Hub, options: { simulation?: HubSimulationOptions } = {}): AutopilotHost {
  const replays = new HubSimulation(hub, options.simulation);
  return {
    authenticate: (request) => callerOf(hub, request),
    async seesBusiness(caller, businessId) {
      return callerSeesBusiness(hub.engine, caller.ctx, businessId);
    },
    async admitAdmin(caller, businessId) {
      authorizeBusinessAdmin(hub.engine, caller.ctx, businessId, "managing Autopilot");
    },
    async businessName(caller, businessId) {
      return callerSeesBusiness(hub.engine, caller.ctx, businessId) ? hub.engine.index.businesses.get(businessId) : undefined;
    },
    async recordAudit(caller, entry, requestId) {
      await hub.audit.record(caller?.ctx ?? systemContext(requestId), { ...entry, targetType: "autopilot" });
    },
    raiseAlert: (alert) => raiseAlert(hub, alert),
    // A forecast forks the market as it stands when asked.
    forecast: (request) => new HubSimulation(hub, options.simulation).forecast(request),
    market: { checkpoint: (accountIds) => replays.checkpoint(accountIds), replay: (checkpoint) => replays.replayUnchanged(checkpoint) },
  };
}

/** The caller of a request, from the token it presents (by default the request's own: header or access_token). */
export async function callerOf(hub: Hub, request: FastifyRequest, accessToken?: string): Promise<HostCaller> {
  const { ctx, accessToken: presented } = await authenticate(hub, request, accessToken);
  return { ctx, accessToken: presented, who: whoOf(ctx) };
}

/** `person:<id>` or `system_user:<id>`: who approved or started something, as Autopilot records it. */
function whoOf(ctx: RequestContext): string {
  return "id" in ctx.actor ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type;
}

/**
 * Autopilot as the server and CLI run it beside the hub: on the hub's store (its own tables), with
 * the same secret key, its host in this process (alerts, forecasts and replays through it unless
 * given), the decision engine when one is installed, and its HTTP calls through the outbound guard
 * (GRANTLINE_OUTBOUND_ALLOW_PRIVATE, and the hub's own URLs trusted: see autopilotTrustedOrigins).
 */
export function openAutopilot(hub: Hub, config: Config, options: { alerts?: AlertSink; planner?: Planner } = {}): HostedAutopilot {
  const host = hostFromHub(hub);
  const autopilot = new Autopilot({
    http: new OutboundHttp({ allowPrivate: config.outbound.allowPrivate, trustedOrigins: autopilotTrustedOrigins(config) }),
    db: autopilotDb(hub.store.db),
    now: hub.now,
    secretKey: () => config.secretKey ?? loadOrCreateSecretKey(config.dataDir),
    alerts: options.alerts ?? host.raiseAlert,
    ...(options.planner ? { planner: options.planner } : {}),
    simulator: host.forecast,
    market: host.market,
  });
  return { autopilot, host };
}
