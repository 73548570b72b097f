import type { FastifyBaseLogger } from "fastify";
import { createClient, type RedisClientType } from "redis";
import { FallbackRateLimitStore } from "../graph/rateLimit/fallbackRateLimitStore.ts";
import { MemoryRateLimitStore } from "../graph/rateLimit/memoryRateLimitStore.ts";
import { RedisRateLimitStore } from "../graph/rateLimit/redisRateLimitStore.ts";

/** How a Redis client reconnects: 50 ms, doubling to 1 s, with jitter so instances do not knock together. */
const redisReconnectDelay = (retries: number) => Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 100);

export interface RedisConnection {
  client: RedisClientType;
  rateLimits: FallbackRateLimitStore;
  readiness(): Promise<string>;
  /** Whether the client is connected and ready now (the metrics' dependency gauge). */
  up(): boolean;
  /** Sends connection events to the log, once per outage. */
  watch(log: FastifyBaseLogger): void;
}

/**
 * The Redis of the shared rate limits. It connects in the background and reconnects with backoff
 * for as long as the server runs; meanwhile, and whenever it stalls, the limits are counted in this
 * instance's memory (FallbackRateLimitStore), so Redis being away never stops the API.
 */
export function openRedis(url: string, timeoutMs: number): RedisConnection {
  const client: RedisClientType = createClient({
    url,
    socket: { connectTimeout: Math.max(timeoutMs, 1000), reconnectStrategy: redisReconnectDelay },
    // While disconnected a command fails at once (and is counted in memory) instead of queueing for later.
    disableOfflineQueue: true,
  });
  let log: FastifyBaseLogger | undefined;
  let down: string | undefined;
  // Without a listener an 'error' event would end the process; the client reconnects by itself.
  client.on("error", (error: Error) => {
    const problem = error.message || error.name;
    if (down === undefined) log?.warn({ redis: redisLocation(url) }, `Redis unreachable (${problem}); rate limits are counted per instance until it is back`);
    down = problem;
  });
  client.on("ready", () => {
    if (down !== undefined) log?.info({ redis: redisLocation(url) }, "Redis reachable again");
    down = undefined;
  });
  client.connect().catch(() => undefined);
  const rateLimits = new FallbackRateLimitStore(new RedisRateLimitStore(client, { keyPrefix: "grantline:rate:" }), new MemoryRateLimitStore(), {
    timeoutMs,
    isAvailable: () => client.isReady,
    probe: () => client.ping(),
    onChange: (using, reason) => {
      if (using === "fallback") log?.warn({ redis: redisLocation(url) }, `rate limits counted in this instance: Redis ${reason}`);
      else log?.info({ redis: redisLocation(url) }, "rate limits counted in Redis again");
    },
  });
  return {
    client,
    rateLimits,
    async readiness() {
      const meanwhile = "; rate limits are counted per instance meanwhile";
      if (!client.isReady) return `not connected${down ? ` (${down})` : ""}${meanwhile}`;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([client.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
        return "ok";
      } catch (error) {
        return `${error instanceof Error ? error.message : String(error)}${meanwhile}`;
      } finally {
        clearTimeout(timer);
      }
    },
    up: () => client.isReady,
    watch(logger) {
      log = logger;
    },
  };
}

/** host:port of a Redis URL, without credentials. */
function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "REDIS_URL";
  }
}

