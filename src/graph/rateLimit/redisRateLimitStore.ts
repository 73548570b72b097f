/**
 * The multi-instance store: every instance runs the same Lua script against one Redis, so a call
 * is checked and recorded in all its buckets in one atomic step, whichever instance serves it.
 *
 * Client: `redis` (node-redis), the client Redis itself maintains. It is pure JavaScript (no
 * install scripts), ships its own TypeScript types, runs on Node 20 and speaks RESP3. The store
 * only needs `sendCommand`, so it takes any client (or pool) that has it.
 *
 * Each bucket is a sorted set of calls (score = time in ms, member = "<points>:<unique id>")
 * plus a running total, so a call costs O(log n) plus the calls that left the window, not a scan
 * of the whole hour. Both keys expire one window after the last write, so idle buckets vanish.
 * The buckets of one call are in different keys, which a Redis Cluster would put in different
 * slots: this store is for a single Redis (or a primary with replicas), not a cluster.
 */
import { createHash, randomUUID } from "node:crypto";
import type { RateLimitStore, WindowOutcome, WindowRequest } from "./rateLimitStore.ts";
import { neverFitsWaitMs } from "./rateLimitStore.ts";

/** The one thing the store needs from a Redis client; a node-redis client satisfies it. */
export interface RedisCommandSender {
  sendCommand<T>(args: ReadonlyArray<string>): Promise<T>;
}

export interface RedisRateLimitStoreOptions {
  /** Prepended to every key, so several hubs (or test runs) can share one Redis. */
  keyPrefix?: string;
}

// KEYS: per bucket, its log (sorted set) then its total (string).
// ARGV: now, cutoff (= now - window), window, points, record ("1"/"0"), member, then each bucket's limit.
// Returns: allowed (1/0), then per bucket: used, waitMs, emptyInMs.
const SCRIPT = `
local now = tonumber(ARGV[1])
local cutoff = ARGV[2]
local window = tonumber(ARGV[3])
local points = tonumber(ARGV[4])
local record = ARGV[5] == '1'
local member = ARGV[6]
local n = #KEYS / 2

local function pointsOf(m) return tonumber(string.match(m, '^(%d+):')) end

local used = {}
local allowed = true
for i = 1, n do
  local log, total = KEYS[2 * i - 1], KEYS[2 * i]
  local sum = tonumber(redis.call('GET', total) or '0')
  local expired = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
  if #expired > 0 then
    for _, m in ipairs(expired) do sum = sum - pointsOf(m) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    if sum > 0 then redis.call('SET', total, sum, 'KEEPTTL') else redis.call('DEL', total) end
  end
  used[i] = sum
  if sum + points > tonumber(ARGV[6 + i]) then allowed = false end
end

if allowed and record then
  for i = 1, n do
    local log, total = KEYS[2 * i - 1], KEYS[2 * i]
    redis.call('ZADD', log, now, member)
    used[i] = redis.call('INCRBY', total, points)
    redis.call('PEXPIRE', log, window)
    redis.call('PEXPIRE', total, window)
  end
end

local out = { allowed and 1 or 0 }
for i = 1, n do
  local log = KEYS[2 * i - 1]
  local need = used[i] + points - tonumber(ARGV[6 + i])
  local wait = 0
  if need > 0 then
    -- Walk the oldest calls until enough points would have left; a page at a time, because
    -- this only runs for a full bucket and usually stops within the first few calls.
    wait = -1
    local freed, offset = 0, 0
    while wait < 0 do
      local page = redis.call('ZRANGE', log, offset, offset + 99, 'WITHSCORES')
      if #page == 0 then break end
      for j = 1, #page, 2 do
        freed = freed + pointsOf(page[j])
        if freed >= need then wait = tonumber(page[j + 1]) + window - now; break end
      end
      offset = offset + 100
    end
  end
  local newest = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
  local emptyIn = 0
  if #newest > 0 then emptyIn = tonumber(newest[2]) + window - now end
  out[#out + 1] = used[i]
  out[#out + 1] = wait
  out[#out + 1] = emptyIn
end
return out
`;

const SCRIPT_SHA = createHash("sha1").update(SCRIPT).digest("hex");

export class RedisRateLimitStore implements RateLimitStore {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: RedisCommandSender,
    options: RedisRateLimitStoreOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? "grantline:ratelimit:";
  }

  async apply({ buckets, points, now, windowMs, record }: WindowRequest): Promise<WindowOutcome> {
    const keys = buckets.flatMap(({ key }) => [`${this.keyPrefix}${key}:log`, `${this.keyPrefix}${key}:total`]);
    const args = [
      String(now),
      String(now - windowMs),
      String(windowMs),
      String(points),
      record ? "1" : "0",
      `${points}:${randomUUID()}`,
      ...buckets.map(({ limit }) => String(limit)),
    ];
    const reply = await this.run(keys, args);
    return {
      allowed: reply[0] === 1,
      buckets: buckets.map((_, i) => {
        const [used, waitMs, emptyInMs] = reply.slice(1 + 3 * i, 4 + 3 * i) as [number, number, number];
        return { used, waitMs: waitMs < 0 ? neverFitsWaitMs(windowMs) : waitMs, emptyInMs };
      }),
    };
  }

  /** EVALSHA, loading the script with EVAL the first time a Redis has not seen it (or after a restart). */
  private async run(keys: string[], args: string[]): Promise<number[]> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.redis.sendCommand<number[]>(["EVALSHA", SCRIPT_SHA, ...tail]);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return await this.redis.sendCommand<number[]>(["EVAL", SCRIPT, ...tail]);
    }
  }
}
