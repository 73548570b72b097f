import type { Config } from "../../config/env.ts";
import { loadOrCreateSecretKey } from "../../crypto/secretKey.ts";
import type { Hub } from "../../hub/hub.ts";
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
    ...(options.alerts ? { alerts: options.alerts } : {}),
    ...(options.planner ? { planner: options.planner } : {}),
  });
}
