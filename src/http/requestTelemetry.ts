import type { FastifyInstance } from "fastify";
import type { Hub } from "../hub/hub.ts";
import type { HubMetrics } from "./metrics.ts";

/**
 * What every answered request leaves behind, in one hook: a JSON log line at `info` (method, route
 * pattern, status, duration, and the caller's app and business when a Graph token identified them;
 * never a URL, a query string or a token) and, when metrics are on, its count and latency.
 */
export function registerRequestTelemetry(app: FastifyInstance, hub: Hub, options: { logLevel: string; metrics: HubMetrics | undefined }): void {
  const { metrics } = options;
  const logging = options.logLevel === "info" || options.logLevel === "debug" || options.logLevel === "trace";
  if (!logging && !metrics) return;
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url;
    const ms = reply.elapsedTime;
    metrics?.observeRequest(request.method, route, reply.statusCode, ms);
    if (logging) {
      const token = request.graphToken;
      // A system user belongs to one business; a person may belong to several, so none is named for them.
      const business = token?.principalType === "system_user" ? hub.engine.index.principals.get(token.principalId)?.roles.keys().next().value : undefined;
      request.log.info(
        {
          method: request.method,
          route: route ?? null,
          status: reply.statusCode,
          duration_ms: Math.round(ms * 100) / 100,
          app_id: token?.appId ?? null,
          business_id: business ?? null,
        },
        "request",
      );
    }
    done();
  });
}
