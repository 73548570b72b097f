import type { Config } from "../../config/env.ts";
import { loadOrCreateSecretKey } from "../../crypto/secretKey.ts";
import type { Hub } from "../../hub/hub.ts";
import { raiseAlert } from "../../notify/raiseAlert.ts";
import { HubSimulation } from "../../simulator/hubSimulation.ts";
import type { AlertSink } from "./alerts.ts";
import { Autopilot } from "./autopilot.ts";
import type { Planner } from "./planner.ts";

/**
 * Autopilot as the server and CLI run it: on the hub's store (its own tables), with the same secret
 * key, alerts through the notification service and the decision engine when one is installed.
 */
export function openAutopilot(hub: Hub, config: Config, options: { alerts?: AlertSink; planner?: Planner } = {}): Autopilot {
  return new Autopilot({
    db: hub.store.db,
    now: hub.now,
    secretKey: () => config.secretKey ?? loadOrCreateSecretKey(config.dataDir),
    alerts: options.alerts ?? notificationSink(hub),
    ...(options.planner ? { planner: options.planner } : {}),
    // Previews run on the hub's own simulated market.
    simulator: (request) => new HubSimulation(hub).forecast(request),
  });
}

/** Alerts to the advertiser's channels through the notification service (dedup, rate limits, quiet hours). */
export function notificationSink(hub: Hub): AlertSink {
  return (alert) => raiseAlert(hub, alert);
}
