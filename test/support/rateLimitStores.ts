import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { loadConfig } from "../../src/config/env.ts";
import { MemoryRateLimitStore } from "../../src/graph/rateLimit/memoryRateLimitStore.ts";
import type { RateLimitStore } from "../../src/graph/rateLimit/rateLimitStore.ts";
import { RedisRateLimitStore } from "../../src/graph/rateLimit/redisRateLimitStore.ts";

/** Test support: each rate-limit store the suite runs against. Redis only when REDIS_URL is set. */
export const redisUrl = loadConfig().redisUrl;

export interface OpenStore {
  store: RateLimitStore;
  /** Another store on the same data, as a second instance of the hub would have. */
  sibling(): Promise<RateLimitStore>;
  close(): Promise<void>;
}

export interface StoreUnderTest {
  name: string;
  open(): Promise<OpenStore>;
}

const memory: StoreUnderTest = {
  name: "memory",
  open: async () => {
    const store = new MemoryRateLimitStore();
    return { store, sibling: async () => store, close: async () => {} };
  },
};

export interface OpenRedisStore extends OpenStore {
  client: RedisClient;
  keyPrefix: string;
}

const connect = (url: string) => createClient({ url }).connect();
type RedisClient = Awaited<ReturnType<typeof connect>>;

/** Each open store gets a key prefix of its own, and deletes its keys when closed. */
export async function openRedisStore(url: string): Promise<OpenRedisStore> {
  const keyPrefix = `grantline-test:${randomUUID()}:`;
  const clients: RedisClient[] = [await connect(url)];
  const store = new RedisRateLimitStore(clients[0]!, { keyPrefix });
  return {
    store,
    client: clients[0]!,
    keyPrefix,
    sibling: async () => {
      const client = await connect(url);
      clients.push(client);
      return new RedisRateLimitStore(client, { keyPrefix });
    },
    close: async () => {
      const first = clients[0]!;
      for await (const keys of first.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await first.del(keys);
      }
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

export const STORES: StoreUnderTest[] = redisUrl
  ? [memory, { name: "redis", open: () => openRedisStore(redisUrl) }]
  : [memory];
