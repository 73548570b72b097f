import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS } from "../support/hubs.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

describe.each(DIALECTS)("text commands against a listening hub on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 30 });
  });
  afterEach(async () => {
    await world.close();
  });

  const setUp = async () => {
    const autopilot = world.autopilot();
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    await autopilot.scans.scan(await autopilot.workspaces.connection(view.id));
    return autopilot;
  };

  const rowsBetween = (since: string, until: string) =>
    world.hub.store.db.selectFrom("ad_insights_daily").selectAll().where("account_id", "=", world.account.id).where("date", ">=", since).where("date", "<=", until).execute();

  it("answers how much was spent yesterday from live insights", async () => {
    const autopilot = await setUp();
    const result = await autopilot.commands.run("Acme", "how much did we spend yesterday?");
    const expected = (await rowsBetween("2026-06-14", "2026-06-14")).reduce((s, r) => s + Number(r.spend), 0);
    expect(result).toMatchObject({ kind: "answer", metric: "spend", period: "yesterday", value: expected / 100 });
    expect(result.text).toBe(`You spent $${(expected / 100).toFixed(2)} yesterday.`);
  });

  it("proposes pausing exactly the ads over the CPA, and writes only after confirmation", async () => {
    const autopilot = await setUp();
    const rows = await rowsBetween("2026-06-08", "2026-06-14");
    const byAd = new Map<string, { spend: number; conversions: number }>();
    for (const r of rows) {
      const t = byAd.get(r.ad_id) ?? { spend: 0, conversions: 0 };
      t.spend += Number(r.spend);
      t.conversions += Number(r.conversions);
      byAd.set(r.ad_id, t);
    }
    const cpas = [...byAd.entries()].map(([id, t]) => ({ id, cpa: t.conversions > 0 ? t.spend / t.conversions : Infinity })).sort((a, b) => a.cpa - b.cpa);
    // A finite threshold just above the cheapest ad's CPA: every dearer ad, and every ad that spent
    // without converting, is over it. (Which ads converted depends on the simulated market.)
    const cheapest = cpas.find((c) => Number.isFinite(c.cpa))?.cpa ?? 100;
    const threshold = (Math.floor(cheapest) + 1) / 100;
    const expectedIds = [...byAd.entries()]
      .filter(([, t]) => (t.conversions > 0 ? t.spend / t.conversions : t.spend) > threshold * 100)
      .map(([id]) => id)
      .sort();
    expect(expectedIds.length).toBeGreaterThan(0);

    const result = await autopilot.commands.run("Acme", `pause ads in Summer Sale with CPA over $${threshold.toFixed(2)}`);
    expect(result.kind).toBe("proposal");
    if (result.kind !== "proposal") return;
    expect(result.proposals.map((p) => p.rule_history.results[0]!.object_id).sort()).toEqual(expectedIds);
    expect(result.proposals.every((p) => p.state === "pending_approval")).toBe(true);
    expect(result.proposals[0]!.text).toMatch(/^Pause ad '.+': you asked: “pause ads in Summer Sale with CPA over \$[\d.]+”; (its CPA \$[\d.,]+ is over|no conversions for)/);
    // Nothing written yet.
    const statuses = await world.hub.store.db.selectFrom("ads").select(["id", "status"]).where("id", "in", expectedIds).execute();
    expect(statuses.every((s) => s.status === "ACTIVE")).toBe(true);

    const confirmed = await autopilot.actions.approve(result.proposals[0]!.id, "Ada");
    expect(confirmed.state).toBe("CONFIRMED");
    const paused = await world.hub.store.db.selectFrom("ads").select("status").where("id", "=", result.proposals[0]!.rule_history.results[0]!.object_id).executeTakeFirstOrThrow();
    expect(paused.status).toBe("PAUSED");
  });

  it("raises an ad set's budget by a percentage through the guarded path, and refuses more than the step", async () => {
    const autopilot = await setUp();
    const result = await autopilot.commands.run("Acme", "raise Lookalike budget by 15%");
    if (result.kind !== "proposal") throw new Error("expected a proposal");
    expect(result.proposals[0]!.text).toBe("Raise 'Summer Sale – Lookalike' daily budget from $50.00 to $57.50: you asked: “raise Lookalike budget by 15%”");
    expect((await autopilot.actions.approve(result.proposals[0]!.id, "Ada")).state).toBe("CONFIRMED");
    const live = await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", world.adSets[0]!.id).executeTakeFirstOrThrow();
    expect(Number(live.daily_budget)).toBe(5750);

    const tooMuch = await autopilot.commands.run("Acme", "raise Interests budget by 50%");
    if (tooMuch.kind !== "proposal") throw new Error("expected a proposal");
    const refused = await autopilot.actions.approve(tooMuch.proposals[0]!.id, "Ada");
    expect(refused.state).toBe("refused");
    expect(refused.text).toMatch(/50\.0% change is more than your 20% maximum step/);
  });

  it("says which name is ambiguous or unknown", async () => {
    const autopilot = await setUp();
    await expect(autopilot.commands.run("Acme", "raise Summer Sale budget by 5%")).rejects.toThrow(/could mean ('Summer Sale – (Lookalike|Interests)'(, )?){2}; say which/);
    await expect(autopilot.commands.run("Acme", "pause Winter")).rejects.toThrow(/No campaign or ad set is called "Winter"/);
  });
});
