import type { Config } from "../../config/env.ts";

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
