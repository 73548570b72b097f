import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { siteFor } from "../../src/simulator/hubSimulation.ts";
import { startLandingSite, type LandingSite } from "../../src/simulator/landingSite.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";

describe("landing pages of the simulated shops", () => {
  let store: TestStore;
  let hub: Hub;
  let site: LandingSite;
  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    site = await startLandingSite(hub);
  });
  afterEach(async () => {
    await site.close();
    await store.cleanup();
  });

  const reachDay = (dayIndex: number) =>
    hub.store.db
      .insertInto("simulation_runs")
      .values({ id: 1, seed: 7, start_date: "2026-01-01", next_day: dayIndex + 1, state_json: "{}", recent_json: "[]", updated_at: 0 })
      .onConflict((oc) => oc.column("id").doUpdateSet({ next_day: dayIndex + 1 }))
      .execute();

  it("serves pages while the site is up and really fails (503 or no answer) on the days it is down", async () => {
    // A page whose site the market takes down at some point, and a day on either side.
    let url = "";
    let downDay = -1;
    for (let k = 0; downDay < 0; k++) {
      url = `${site.url}/shop-${k}/trail-shoes`;
      downDay = siteFor(7, url).downWindows[0]?.startDay ?? -1;
    }
    const upDay = siteFor(7, url).downWindows[0]!.endDay + 1;

    await reachDay(upDay);
    const up = await fetch(url);
    expect(up.status).toBe(200);
    expect(await up.text()).toContain("/shop-");

    await reachDay(downDay);
    const outcome = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.status,
      (error: Error) => error.name,
    );
    expect([503, "TimeoutError"]).toContain(outcome);
  });

  it("serves every page when nothing has been simulated yet", async () => {
    expect((await fetch(`${site.url}/anything`)).status).toBe(200);
  });
});
