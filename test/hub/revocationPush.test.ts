import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { changeFeedFor, type ChangeFeed } from "../../src/store/changeFeed.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

/**
 * Two instances on one PostgreSQL store, each polling only once a minute: a removal acknowledged by
 * instance 1 must be refused by instance 2 for every request that starts after the acknowledgement.
 * Only the pushed announcement (LISTEN/NOTIFY, or Redis pub/sub) can make that so.
 */
const feeds = [
  ...(process.env.DATABASE_URL ? [{ name: "PostgreSQL LISTEN/NOTIFY", redis: false }] : []),
  ...(process.env.DATABASE_URL && process.env.REDIS_URL ? [{ name: "Redis pub/sub", redis: true }] : []),
];

describe.runIf(feeds.length > 0).each(feeds)("revocation pushed across instances ($name)", ({ redis: useRedis }) => {
  let store: TestStore;
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await store.cleanup();
  });

  async function instance(hub: Grantline): Promise<string> {
    const redis = useRedis ? await createClient({ url: process.env.REDIS_URL }).connect() : undefined;
    if (redis) closers.push(() => redis.close());
    // The acknowledgement wait is widened from its 100 ms default so a busy test machine cannot make
    // an instance late; the run reports the worst delay it saw.
    const feed: ChangeFeed | undefined = changeFeedFor({ redis, databaseUrl: process.env.DATABASE_URL, store: `pg:${store.env.DATABASE_SCHEMA}`, ackWaitMs: 5_000 }, () => undefined);
    await hub.engine.connectFeed(feed!, () => undefined);
    closers.push(() => feed!.close());
    // A minute between looks at the store: without the push, instance 2 would answer from its old index.
    const app = await buildServer(hub, { logLevel: "silent", accessFreshnessMs: 60_000 });
    await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }

  it("refuses on instance 2 every read that starts after instance 1 acknowledged the removal", async () => {
    store = makeTestStore("postgres");
    const [hub1, hub2] = [await store.open(), await store.open()];
    const [url1, url2] = [await instance(hub1), await instance(hub2)];
    const owner = await bootstrapBusiness(hub1, "Acme");
    const agency = await bootstrapBusiness(hub1, "Northwind");
    const asOwner = graphClient(url1, owner.access_token);
    const asAgencyOn1 = graphClient(url1, agency.access_token);
    const asAgencyOn2 = graphClient(url2, agency.access_token);
    const account = (await asOwner("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const tasks = JSON.stringify(presetTasks("ad_account", "VIEW_ONLY"));

    const runs = 100;
    let stale = 0;
    let worstMs = 0;
    for (let i = 0; i < runs; i++) {
      expect((await asOwner("POST", `/${account}/agencies`, { business: agency.business_id, permitted_tasks: tasks })).status).toBe(200);
      expect((await asAgencyOn1("POST", `/${agency.business_id}/client_ad_accounts`, { adaccount_id: account })).status).toBe(200);
      expect((await asAgencyOn1("POST", `/${account}/assigned_users`, { user: agency.system_user_id, tasks })).status).toBe(200);
      // The grant reached instance 2 as well (or this run would prove nothing).
      const granted = Date.now();
      while ((await asAgencyOn2("GET", `/${account}?fields=name`)).status !== 200) {
        if (Date.now() - granted > 5000) throw new Error("the share never reached instance 2");
      }
      expect((await asOwner("DELETE", `/${account}/agencies`, { business: agency.business_id })).status).toBe(200);
      const acknowledged = Date.now();
      const read = await asAgencyOn2("GET", `/${account}?fields=name`);
      if (read.status === 200) {
        stale++;
        while ((await asAgencyOn2("GET", `/${account}?fields=name`)).status === 200) await new Promise((r) => setTimeout(r, 1));
      }
      worstMs = Math.max(worstMs, Date.now() - acknowledged);
    }
    process.stderr.write(`revocation push: ${stale} stale reads in ${runs} removals; refused on instance 2 at most ${worstMs} ms after the acknowledgement\n`);
    expect(stale).toBe(0);
  }, 120_000);

  it("puts a campaign written on instance 1 into instance 2's next campaign list", async () => {
    store = makeTestStore("postgres");
    // Both instances compare their held campaign lists with the store only once a minute.
    const [hub1, hub2] = [await store.open(undefined, { adObjectsMaxAgeMs: 60_000 }), await store.open(undefined, { adObjectsMaxAgeMs: 60_000 })];
    const [url1, url2] = [await instance(hub1), await instance(hub2)];
    const owner = await bootstrapBusiness(hub1, "Acme");
    const on1 = graphClient(url1, owner.access_token);
    const on2 = graphClient(url2, owner.access_token);
    const account = (await on1("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const namesOn2 = async () => {
      const response = await on2("GET", `/${account}/campaigns?fields=name,status&limit=100`);
      expect(response.status).toBe(200);
      return (response.body.data as { name: string; status: string }[]).map((c) => `${c.name}:${c.status}`);
    };
    expect(await namesOn2()).toEqual([]);

    const runs = 20;
    let stale = 0;
    const expected: string[] = [];
    for (let i = 0; i < runs; i++) {
      // A new campaign, then a change to one instance 2 already holds: both must be in its next list.
      const created = await on1("POST", `/${account}/campaigns`, { name: `C${i}`, objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: "[]" });
      expect(created.status).toBe(200);
      expected.unshift(`C${i}:PAUSED`);
      if ((await namesOn2()).join() !== expected.join()) stale++;
      expect((await on1("POST", `/${created.body.id as string}`, { status: "ACTIVE" })).status).toBe(200);
      expected[0] = `C${i}:ACTIVE`;
      if ((await namesOn2()).join() !== expected.join()) stale++;
    }
    expect(stale).toBe(0);
  }, 60_000);
});
