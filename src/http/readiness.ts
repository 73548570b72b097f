import type { FastifyInstance } from "fastify";
import type { Hub } from "../hub/hub.ts";

export interface ReadinessOptions {
  /**
   * Redis's part, when Redis is configured: "ok" or what is wrong. It is reported, but does not
   * make the instance unready: without Redis the rate limits are counted per instance
   * (FallbackRateLimitStore) and the API keeps answering, while every instance would fail the
   * same check at once and a load balancer would then have nowhere to send anyone.
   */
  redis?: () => Promise<string>;
}

/**
 * `GET /readyz`: whether this instance can serve requests now — the store answers, its schema is
 * up to date, its disk can take writes — as `{"status", "store", "redis", "migrations", "disk"}`,
 * each "ok" or the problem; 503 when not ready. `/healthz` stays the cheap liveness answer.
 */
export function registerReadiness(app: FastifyInstance, hub: Hub, options: ReadinessOptions = {}): void {
  app.get("/readyz", async (_request, reply) => {
    const [store, redis] = await Promise.all([hub.store.health.readiness(), options.redis ? options.redis() : Promise.resolve("not configured")]);
    const ready = store.store === "ok" && store.migrations === "ok" && store.disk === "ok";
    void reply.header("cache-control", "no-store");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ok" : "not_ready", store: store.store, redis, migrations: store.migrations, disk: store.disk });
  });
}
