import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("commands run as one transaction on %s", (dialect) => {
  let store: TestStore;
  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  // Transactions truly overlap only on PostgreSQL; SQLite's one connection runs them in turn.
  it("one ending does not cut an overlapping one loose: its commands still roll back with it", async () => {
    const hub = await store.open();
    const owner = await bootstrapBusiness(hub, "Acme");
    const op = operatorContext();
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    const campaign = (name: string) => hub.campaigns.createCampaign(op, account.graphId, { name, objective: "OUTCOME_SALES", special_ad_categories: [] });

    const first = hub.inOneTransaction(() => campaign("first"));
    const second = hub.inOneTransaction(async () => {
      // The first has committed and returned by now, while this one is still open.
      await first;
      await campaign("second");
      throw new Error("the rest of the change failed");
    });
    await expect(second).rejects.toThrow("the rest of the change failed");

    const names = (await hub.campaigns.listCampaigns(op, account.graphId)).items.map((c) => c.name);
    expect(names).toEqual(["first"]);
    // And a later one still groups its commands.
    await expect(
      hub.inOneTransaction(async () => {
        await campaign("third");
        throw new Error("abandoned");
      }),
    ).rejects.toThrow("abandoned");
    expect((await hub.campaigns.listCampaigns(op, account.graphId)).items.map((c) => c.name)).toEqual(["first"]);
  });
});
