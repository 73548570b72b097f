import type { KyselyPlugin } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTestStore, DIALECTS, type TestStore } from "../../../test/support/hubs.ts";
import { operatorContext } from "../context.ts";
import { bootstrapBusiness } from "../hub.ts";
import { AdObjectReadModel } from "./adObjectReadModel.ts";

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
});
