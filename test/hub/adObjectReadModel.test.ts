import type { KyselyPlugin } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTestStore, DIALECTS, type TestStore } from "../support/hubs.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { AdObjectReadModel } from "../../src/hub/ads/adObjectReadModel.ts";

/**
 * Holds back the answer of the next query run through the Kysely instance it is attached to, once
 * armed, until released: that query has read the store, and its caller has not heard yet.
 */
function answerHolder(): KyselyPlugin & { arm: () => void; release: () => void; holding: Promise<void> } {
  let release = () => undefined as void;
  let held = () => undefined as void;
  let armed = false;
  const holder = {
    holding: Promise.resolve(),
    arm: () => {
      armed = true;
      holder.holding = new Promise<void>((resolve) => (held = resolve));
    },
    release: () => release(),
    transformQuery: ({ node }: Parameters<KyselyPlugin["transformQuery"]>[0]) => node,
    transformResult: async ({ result }: Parameters<KyselyPlugin["transformResult"]>[0]) => {
      if (armed) {
        armed = false;
        const gate = new Promise<void>((resolve) => (release = resolve));
        held();
        await gate;
      }
      return result;
    },
  };
  return holder;
}

/** Counts the queries run through the Kysely instance it is attached to (the store itself is real). */
function queryCounter(): KyselyPlugin & { count: number } {
  const counter = {
    count: 0,
    transformQuery: ({ node }: Parameters<KyselyPlugin["transformQuery"]>[0]) => {
      counter.count++;
      return node;
    },
    transformResult: async ({ result }: Parameters<KyselyPlugin["transformResult"]>[0]) => result,
  };
  return counter;
}

describe.each(DIALECTS)("AdObjectReadModel on %s", (dialect) => {
  let store: TestStore;
  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("keeps the list that overlapping loads read: once they end, reads are served from memory", async () => {
    const hub = await store.open();
    const op = operatorContext();
    const owner = await bootstrapBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    await hub.campaigns.createCampaign(op, account.graphId, { name: "One", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const queries = queryCounter();
    const model = new AdObjectReadModel(hub.store.db.withPlugin(queries), { maxAgeMs: 3_600_000 });
    const names = async () => (await model.campaignPage(account.id, ["ACTIVE", "PAUSED"], { limit: 25 }))!.items.map((c) => c.name);

    // Several callers, each asking again as soon as it has its answer: loads keep overlapping.
    const workers = 8;
    const rounds = 5;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let round = 0; round < rounds; round++) expect(await names()).toEqual(["One"]);
      }),
    );
    // Only the first round, all of whose loads started before any ended, read the store.
    const perLoad = 2;
    expect(queries.count).toBeLessThanOrEqual(workers * perLoad);

    const before = queries.count;
    expect(await names()).toEqual(["One"]);
    expect(queries.count).toBe(before);
  });

  it("a write during overlapping loads keeps their results out of memory", async () => {
    const hub = await store.open();
    const op = operatorContext();
    const owner = await bootstrapBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    const first = await hub.campaigns.createCampaign(op, account.graphId, { name: "One", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const model = new AdObjectReadModel(hub.store.db, { maxAgeMs: 3_600_000 });
    const names = async () => (await model.campaignPage(account.id, ["ACTIVE", "PAUSED"], { limit: 25 }))!.items.map((c) => c.name);

    const reads = [names(), names()];
    // The write's commit (here: what `changed` arranges for) comes while both loads are under way.
    model.forget(account.id);
    await hub.campaigns.updateCampaign(op, first.id, { name: "One renamed" });
    await Promise.all(reads);
    expect(await names()).toEqual(["One renamed"]);
  });

  it("reads arriving while the account's version is being compared share that one comparison", async () => {
    const hub = await store.open();
    const op = operatorContext();
    const owner = await bootstrapBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    await hub.campaigns.createCampaign(op, account.graphId, { name: "One", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const queries = queryCounter();
    let now = 0;
    const model = new AdObjectReadModel(hub.store.db.withPlugin(queries), { maxAgeMs: 1000, clock: () => now });
    const names = async () => (await model.campaignPage(account.id, ["ACTIVE", "PAUSED"], { limit: 25 }))!.items.map((c) => c.name);
    expect(await names()).toEqual(["One"]);

    // The entry is due for comparison; eight reads arrive together.
    now = 5000;
    const before = queries.count;
    const answers = await Promise.all(Array.from({ length: 8 }, names));
    expect(answers).toEqual(Array.from({ length: 8 }, () => ["One"]));
    expect(queries.count - before).toBe(1);
    // And the comparison counts as fresh for the next maxAgeMs.
    now = 5999;
    expect(await names()).toEqual(["One"]);
    expect(queries.count - before).toBe(1);
  });

  // Other instances share only a PostgreSQL store (and on SQLite the held answer would keep the store's one connection).
  it.skipIf(dialect === "sqlite")("a read does not share a comparison that began maxAgeMs or more before it: another instance's write is seen", async () => {
    const hub = await store.open();
    const op = operatorContext();
    const owner = await bootstrapBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    const first = await hub.campaigns.createCampaign(op, account.graphId, { name: "One", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const holder = answerHolder();
    let now = 0;
    // Its own view of the store: the hub's writes reach it only through the stored version, as another instance's would.
    const model = new AdObjectReadModel(hub.store.db.withPlugin(holder), { maxAgeMs: 1000, clock: () => now });
    const names = async () => (await model.campaignPage(account.id, ["ACTIVE", "PAUSED"], { limit: 25 }))!.items.map((c) => c.name);
    expect(await names()).toEqual(["One"]);

    // A comparison begins at 5000 and has read the version, but its answer is held back...
    now = 5000;
    holder.arm();
    const early = names();
    await holder.holding;
    // ...while another instance renames the campaign.
    await hub.campaigns.updateCampaign(op, first.id, { name: "One renamed" });
    // A read beginning 1000 ms after the held comparison began must not take that comparison's answer.
    now = 6000;
    expect(await names()).toEqual(["One renamed"]);
    holder.release();
    await early;
    expect(await names()).toEqual(["One renamed"]);
  });
});
