import type { Config } from "../../config/env.ts";
import { loadOrCreateSecretKey } from "../../crypto/secretKey.ts";
import type { Hub } from "../../hub/hub.ts";
import { OutboundHttp } from "../../net/outbound.ts";
import { raiseAlert } from "../../notify/raiseAlert.ts";
import { HubSimulation } from "../../simulator/hubSimulation.ts";
import type { AlertSink } from "./alerts.ts";
import { Autopilot } from "./autopilot.ts";
import type { MarketReplay } from "./context.ts";
import type { Planner } from "./planner.ts";

/**
 * Autopilot as the server and CLI run it: on the hub's store (its own tables), with the same secret
 * key, alerts through the notification service and the decision engine when one is installed, and
 * its HTTP calls through the outbound guard (GRANTLINE_OUTBOUND_ALLOW_PRIVATE, and the hub's own
 * URLs trusted: see autopilotTrustedOrigins).
 */
export function openAutopilot(hub: Hub, config: Config, options: { alerts?: AlertSink; planner?: Planner } = {}): Autopilot {
  return new Autopilot({
    http: new OutboundHttp({ allowPrivate: config.outbound.allowPrivate, trustedOrigins: autopilotTrustedOrigins(config) }),
    db: hub.store.db,
    now: hub.now,
    secretKey: () => config.secretKey ?? loadOrCreateSecretKey(config.dataDir),
    alerts: options.alerts ?? notificationSink(hub),
    ...(options.planner ? { planner: options.planner } : {}),
    // Previews run on the hub's own simulated market.
    simulator: (request) => new HubSimulation(hub).forecast(request),
    market: hubMarketReplay(new HubSimulation(hub)),
  });
}

/** Pilots' no-change counterfactual on the hub's own simulated market. */
export function hubMarketReplay(simulation: HubSimulation): MarketReplay {
  return { checkpoint: (accountIds) => simulation.checkpoint(accountIds), replay: (checkpoint) => simulation.replayUnchanged(checkpoint) };
}

/** Alerts to the advertiser's channels through the notification service (dedup, rate limits, quiet hours). */
export function notificationSink(hub: Hub): AlertSink {
  return (alert) => raiseAlert(hub, alert);
}

/**
 * Origins Autopilot calls whatever they resolve to, because the operator configured them: the hub it
 * runs beside (GRANTLINE_PUBLIC_URL and http://HOST:PORT, the URLs `autopilot register` and the demo
 * register as its Graph and OAuth server; 127.0.0.1 by default) and the simulator's shops
 * (http://HOST:GRANTLINE_SIM_SITE_PORT), the destinations of the demo's ads, and the Graph and token
 * URL of the app configured for it (GRANTLINE_AUTOPILOT_GRAPH_URL, _LOGIN_TOKEN_URL). `serve` adds the
 * addresses it actually listens on. Everything else passes the outbound guard's address check.
 */
export function autopilotTrustedOrigins(config: Config): string[] {
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const app = config.autopilotApp ? [new URL(config.autopilotApp.graphUrl).origin, new URL(config.autopilotApp.tokenUrl).origin] : [];
  return [...(config.publicUrl ? [config.publicUrl] : []), `http://${host}:${config.port}`, `http://${host}:${config.simSitePort}`, ...app];
}
