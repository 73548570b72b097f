import crypto from "node:crypto";
import { createClient } from "redis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { RateLimiter } from "../../src/graph/rateLimit/rateLimiter.ts";
import { RedisRateLimitStore } from "../../src/graph/rateLimit/redisRateLimitStore.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

describe("rate limits on Graph responses", () => {
  let store: TestStore;
  let hub: Grantline;
  const closers: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await store.cleanup();
  });

  async function serve(limiter: RateLimiter) {
    const app = await buildServer(hub, { logLevel: "silent", rateLimiter: limiter });
    await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }

  it("sends Meta's usage headers and refuses an ad account's calls past its quota with 80004", async () => {
    const owner = await bootstrapBusiness(hub, "Acme");
    const url = await serve(new RateLimiter({ accessTier: "development_access", adAccountBasePoints: { development_access: 5 } }));
    const graph = graphClient(url, owner.access_token);
    const account = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const first = await graph("GET", `/${account}?fields=name`);
    expect(JSON.parse(first.headers.get("x-app-usage")!)).toEqual({ call_count: 0, total_time: 0, total_cputime: 0 });
    expect(JSON.parse(first.headers.get("x-ad-account-usage")!)).toMatchObject({ acc_id_util_pct: 20, ads_api_access_tier: "development_access" });
    const bucUsage = JSON.parse(first.headers.get("x-business-use-case-usage")!);
    expect(bucUsage[account.slice(4)][0]).toMatchObject({ type: "ads_management", call_count: 20, estimated_time_to_regain_access: 0 });
    await graph("POST", `/${account}`, { name: "Renamed" }); // a write: 3 points, 4 of 5 used
    const refused = await graph("GET", `/${account}?fields=name`);
    expect(refused.status).toBe(200); // 5 of 5
    const over = await graph("GET", `/${account}?fields=name`);
    expect(over.status).toBe(400); // Meta answers 80004 with 400
    expect(over.body.error).toMatchObject({ code: 80004, error_subcode: 2446079 });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect(JSON.parse(over.headers.get("x-business-use-case-usage")!)[account.slice(4)][0].estimated_time_to_regain_access).toBe(60);
    // Other ad accounts and business calls are unaffected.
    expect((await graph("GET", `/${owner.business_id}`)).status).toBe(200);
  });

  it.runIf(process.env.REDIS_URL)("shares the count across instances through Redis", async () => {
    const owner = await bootstrapBusiness(hub, "Acme");
    const keyPrefix = `grantline-test:${crypto.randomUUID()}:`;
    const clients = [await createClient({ url: process.env.REDIS_URL }).connect(), await createClient({ url: process.env.REDIS_URL }).connect()];
    closers.push(async () => {
      for await (const keys of clients[0]!.scanIterator({ MATCH: `${keyPrefix}*` })) if (keys.length > 0) await clients[0]!.del(keys);
      await Promise.all(clients.map((c) => c.close()));
    });
    const limiter = (i: number) => new RateLimiter({ userPoints: 4, store: new RedisRateLimitStore(clients[i]!, { keyPrefix }) });
    const [a, b] = [graphClient(await serve(limiter(0)), owner.access_token), graphClient(await serve(limiter(1)), owner.access_token)];
    expect((await a("GET", `/${owner.business_id}`)).status).toBe(200);
    expect((await b("GET", `/${owner.business_id}`)).status).toBe(200);
    expect((await a("GET", `/${owner.business_id}`)).status).toBe(200);
    const fourth = await b("GET", `/${owner.business_id}`);
    expect(JSON.parse(fourth.headers.get("x-app-usage")!).call_count).toBe(100);
    const fifth = await a("GET", `/${owner.business_id}`);
    // A system user's own token has no app: its user-level quota refuses with (#17) and 400.
    expect(fifth.status).toBe(400);
    expect(fifth.body.error.code).toBe(17);
  });
});
