import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { enforceGuardrails } from "../../src/autopilot/engine/guardrails.ts";
import type * as Engine from "../../src/autopilot/engine/types.ts";
import { fromEnginePlan, toEngineSnapshot } from "../../src/autopilot/app/engineAdapter.ts";
import type { Planner } from "../../src/autopilot/app/planner.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext } from "../../src/hub/context.ts";
import { startGraphProxy } from "../support/graphProxy.ts";
import { checkCall, readSpecs, startRecordingProxy } from "../support/metaCallContract.ts";
import { DIALECTS } from "../support/hubs.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 15 June 2026, 12:00 UTC (the account's time zone). */
const MONDAY_NOON = Date.UTC(2026, 5, 15, 12);

/**
 * The decisions stand-in: raises and a pause it wants, through the engine's real final check (its
 * own guardrails and the owner's partner guardrails), as the engine's planner would hand them on.
 */
function wanting(wants: { id: string; objectType: "ad_set" | "ad"; to: number | "PAUSED" }[]): Planner {
  return (snapshot) => {
    const engineSnapshot = toEngineSnapshot(snapshot);
    const proposed: Engine.ProposedAction[] = wants.map((w, i) => {
      const set = engineSnapshot.adSets.find((s) => s.id === w.id);
      const change: Engine.Change =
        w.to === "PAUSED"
          ? { objectType: "ad", objectId: w.id, field: "status", oldValue: "ACTIVE", newValue: "PAUSED" }
          : { objectType: "ad_set", objectId: w.id, field: "daily_budget", oldValue: set!.budget.amountMinor, newValue: w.to };
      return {
        key: `want${i}`,
        kind: w.to === "PAUSED" ? "pause" : "change_budget",
        rule: w.to === "PAUSED" ? "pause_loser" : "scale_winner",
        change,
        reason: w.to === "PAUSED" ? "Paused 'x': its CPA is over target" : "Raised 'x': its CPA $18 is 28% under your $25 target",
        evidence: { windowDays: 7, spendMinor: 0, conversions: 0, conversionsLagAdjusted: 0, revenueMinor: 0, cpaMinor: null, roas: null, probability: null, probabilityOf: null },
        expectedEffect: null,
      };
    });
    const checked = enforceGuardrails(engineSnapshot, proposed);
    const plan: Engine.Plan = {
      accountId: engineSnapshot.accountId,
      generatedAt: engineSnapshot.clock.now,
      mode: engineSnapshot.guardrails.mode,
      execution: checked.execution,
      notices: checked.notices,
      actions: checked.actions,
      trimmed: checked.trimmed,
      estimates: [],
      ...(checked.deferredUntil ? { deferredUntil: checked.deferredUntil } : {}),
    };
    return fromEnginePlan(plan, snapshot);
  };
}

describe.each(DIALECTS)("Autopilot manages an account through a partner share with guardrails on %s", (dialect) => {
  let world: AutopilotWorld;
  let token: string;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 30, start: MONDAY_NOON - 2 * DAY });
    const { hub, advertiser, account } = world;
    const partnerCtx = principalContext("system_user", world.autopilotSystemUserId);
    // Autopilot Inc is the advertiser's partner: a Standard share, accepted, with its own system user staffed on it.
    await hub.partners.offer(advertiser.admin.ctx, { assetId: account.id, partnerBusinessId: world.autopilotBusinessId, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(partnerCtx, { partnerBusinessId: world.autopilotBusinessId, assetId: account.id });
    await hub.assignments.assign(partnerCtx, { assetId: account.id, principalId: world.autopilotSystemUserId, tasks: presetTasks("ad_account", "STANDARD"), businessId: world.autopilotBusinessId });
    token = (await hub.tokens.issueSystemUserToken(partnerCtx, world.autopilotSystemUserId, { scopes: ["ads_read", "ads_management"], appId: world.appId })).accessToken;
    // The owner's own people are never bound: the advertiser lowers the Interests ad set on Saturday
    // and raises it back on Monday morning, so 24 hours before Monday noon it was 40.00.
    const interests = world.adSets[1]!;
    world.clock.t = MONDAY_NOON - 30 * HOUR;
    await hub.adSets.updateAdSet(advertiser.admin.ctx, interests.id, { daily_budget: 4000 } as never);
    world.clock.t = MONDAY_NOON - 2 * HOUR;
    await hub.adSets.updateAdSet(advertiser.admin.ctx, interests.id, { daily_budget: 5000 } as never);
    world.clock.t = MONDAY_NOON;
    await hub.guardrails.set(advertiser.admin.ctx, {
      accountId: account.graphId,
      partnerBusinessId: world.autopilotBusinessId,
      values: {
        max_increase_percent: 20,
        max_daily_increase_percent: 30,
        max_daily_new_spend: 1000,
        approval_above: 5600,
        protected_objects: [world.ads[3]!.id],
        allowed_hours: "09-18",
        allowed_days: [1, 2, 3, 4, 5],
      },
    });
  });
  afterEach(async () => {
    await world.close();
  });

  const connect = async (planner: Planner, graphUrl = world.server.url) => {
    const autopilot = world.autopilot({ planner });
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    // Autopilot's own limits wide open, so what holds it back is the owner's.
    await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 50_000, maxStepPct: 100, cooldownMinutes: 0 });
    const connection = await autopilot.workspaces.connect(ws.id, { graphUrl, accessToken: token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    return { autopilot, connection: await autopilot.workspaces.connection(connection.id) };
  };
  const budgetOf = async (id: string) => Number((await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", id).executeTakeFirstOrThrow()).daily_budget);
  const [lookalike, interests] = [0, 1];
  const wants = () => [
    { id: world.adSets[lookalike]!.id, objectType: "ad_set" as const, to: 7000 },
    { id: world.adSets[interests]!.id, objectType: "ad_set" as const, to: 6500 },
    { id: world.ads[3]!.id, objectType: "ad" as const, to: "PAUSED" as const },
  ];

  it("proposes only what the hub allows, says which limit cut each raise, and every approved write is confirmed", async () => {
    const recorder = await startRecordingProxy(world.server.url);
    onTestFinished(() => recorder.close());
    const { autopilot, connection } = await connect(wanting(wants()), recorder.url);
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    // Lookalike: 20% would allow 60.00, but above 56.00 the owner must approve, so it stops there.
    // Interests: it was 40.00 24 hours ago (the owner's raise this morning), so 30% within 24 hours allows 52.00.
    expect(report!.proposed.map((p) => [p.rule_history.results[0]!.object_id, p.rule_history.results[0]!.actions[0]!.new_value])).toEqual([
      [world.adSets[lookalike]!.id, "5600"],
      [world.adSets[interests]!.id, "5200"],
    ]);
    expect(report!.proposed[0]!.reason).toMatch(/\(cut to \$56: the owner must approve any budget above \$56; ask them to raise it further \(approval_above\)\)$/);
    expect(report!.proposed[1]!.reason).toMatch(/\(cut to \$52: the owner allows a budget to rise at most 30% within 24 hours, and it was \$40 then \(max_daily_increase_percent\)\)$/);
    // The protected ad is left alone, and the advertiser is told why.
    expect(report!.notes).toContain(`The owner's guardrail protected_objects dropped a change on ${world.adSets[interests]!.name} ad 2: The owner protects it from changes by this partner (protected_objects).`);

    const ws = await autopilot.workspaces.require("Acme");
    const queue = await autopilot.actions.queue(ws);
    // The queue says it too, in the words of the proposal.
    expect(queue.map((q) => q.text).sort()).toEqual([
      "Raise 'Summer Sale – Interests' daily budget from $50.00 to $52.00: its CPA $18 is 28% under your $25 target (cut to $52: the owner allows a budget to rise at most 30% within 24 hours, and it was $40 then (max_daily_increase_percent))",
      "Raise 'Summer Sale – Lookalike' daily budget from $50.00 to $56.00: its CPA $18 is 28% under your $25 target (cut to $56: the owner must approve any budget above $56; ask them to raise it further (approval_above))",
    ]);
    for (const item of queue) expect((await autopilot.actions.approve(item.id, "Ada (advertiser)")).state).toBe("CONFIRMED");
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(5600);
    expect(await budgetOf(world.adSets[interests]!.id)).toBe(5200);
    // The hub refused and held nothing from the partner.
    expect(await world.hub.guardrails.listPending(world.advertiser.admin.ctx, world.account.graphId, ["pending", "approved", "rejected", "expired"])).toEqual([]);
    const denied = await world.hub.store.db.selectFrom("audit_entries").select("action").where("outcome", "=", "denied").execute();
    expect(denied).toEqual([]);
    // An hour later, a new look: the raises just made count within the 24 hours, so no further raise is proposed.
    world.clock.t = MONDAY_NOON + HOUR;
    await autopilot.scans.scan(connection);
    const [again] = await autopilot.plan("Acme");
    expect(again!.proposed).toEqual([]);
    // What it reads to know the limits' baselines is Meta's own (the activity log, the account's
    // users, the owner business, /me/businesses); only partner_guardrails is Grantline's.
    const types = new Map<string, string>([[world.campaign.id, "Campaign"], ["me", "User"], ...world.adSets.map((x) => [x.id, "AdSet"] as [string, string]), ...[...recorder.reportRuns].map((id) => [id, "AdReportRun"] as [string, string])]);
    const typeOf = (id: string) => (/^act_\d+$/.test(id) ? "AdAccount" : types.get(id));
    const calls = recorder.calls.filter((c) => !c.path.endsWith("/partner_guardrails"));
    expect(calls.map((c) => c.path.replace(/\d+/g, "N"))).toEqual(expect.arrayContaining(["act_N/activities", "act_N/users", "me/businesses"]));
    // The shipped copy of Meta's specs has the activities edge but not its AdActivity type; the fields
    // read (actor_id, event_type, event_time, object_id, extra_data) are those Meta documents at
    // https://developers.facebook.com/docs/marketing-api/reference/ad-account/activities/.
    const problems = calls.flatMap((c) => checkCall(readSpecs(), typeOf, c)).filter((p) => !p.endsWith("no spec for the returned type AdActivity"));
    expect(problems).toEqual([]);
    expect(again!.notes).toEqual(
      expect.arrayContaining([
        `The owner's guardrail approval_above dropped a change on ${world.adSets[lookalike]!.name}: No raise is possible: the owner must approve any budget above $56; ask them to raise it further (approval_above).`,
        `The owner's guardrail max_daily_increase_percent dropped a change on ${world.adSets[interests]!.name}: No raise is possible: the owner allows a budget to rise at most 30% within 24 hours, and it was $40 then (max_daily_increase_percent).`,
      ]),
    );
  });

  it("leaves alone what carries an ad label the owner protects, reading the labels as Meta gives them", async () => {
    const { hub, advertiser, account } = world;
    // The owner labels the Lookalike ad set "Brand" and protects that label from the partner.
    const brand = await hub.adLabels.createLabel(advertiser.admin.ctx, account.graphId, { name: "Brand" });
    await hub.adLabels.changeObjectLabels(advertiser.admin.ctx, world.adSets[lookalike]!.id, [{ id: brand.id }], "add");
    await hub.guardrails.set(advertiser.admin.ctx, { accountId: account.graphId, partnerBusinessId: world.autopilotBusinessId, values: { protected_labels: [brand.id] } });
    const recorder = await startRecordingProxy(world.server.url);
    onTestFinished(() => recorder.close());
    const { autopilot, connection } = await connect(wanting(wants()), recorder.url);
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    expect(report!.proposed.map((p) => p.rule_history.results[0]!.object_id)).toEqual([world.adSets[interests]!.id]);
    expect(report!.notes).toContain(
      `The owner's guardrail protected_labels dropped a change on ${world.adSets[lookalike]!.name}: The owner protects what carries the ad label Brand from changes by this partner, and it carries it (protected_labels).`,
    );
    const ws = await autopilot.workspaces.require("Acme");
    for (const item of await autopilot.actions.queue(ws)) expect((await autopilot.actions.approve(item.id, "Ada (advertiser)")).state).toBe("CONFIRMED");
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(5000);
    expect(await world.hub.store.db.selectFrom("audit_entries").select("action").where("outcome", "=", "denied").execute()).toEqual([]);
    // The labels are read through Meta's own field (adlabels on campaigns, ad sets and ads).
    expect(recorder.calls.map((c) => c.path.replace(/\d+/g, "N"))).toEqual(expect.arrayContaining(["act_N/campaigns", "act_N/adsets", "act_N/ads"]));
  });

  it("waits outside the owner's hours, then makes the changes in the next window", async () => {
    const { autopilot, connection } = await connect(wanting(wants()));
    await autopilot.workspaces.setMode("Acme", "autopilot");
    world.clock.t = MONDAY_NOON + 7 * HOUR;
    await autopilot.scans.scan(connection);
    const night = await autopilot.run("Acme");
    expect(night.executed).toEqual([]);
    expect(night.notes).toContain(
      "The ad account's owner allows this partner to change it only 09:00–18:00 on Monday, Tuesday, Wednesday, Thursday, Friday (the ad account's time): nothing is changed before Tuesday 09:00; the actions wait until then.",
    );
    const ws = await autopilot.workspaces.require("Acme");
    const queued = await autopilot.actions.queue(ws);
    expect(queued).toHaveLength(2);
    // A person cannot make it happen early either: the hub would refuse it.
    await expect(autopilot.actions.approve(queued[0]!.id, "Ada")).rejects.toThrow(/cannot be made now: .* before Tuesday 09:00/);
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(5000);

    // Later the same evening, still outside: nothing happens; the same proposals wait.
    world.clock.t = MONDAY_NOON + 9 * HOUR;
    expect((await autopilot.run("Acme")).executed).toEqual([]);

    // Tuesday 09:30: the day's plan replaces the waiting proposals and is carried out.
    world.clock.t = MONDAY_NOON + 21 * HOUR + 30 * 60_000;
    const morning = await autopilot.run("Acme");
    expect(morning.executed.map((e) => e.state)).toEqual(["CONFIRMED", "CONFIRMED"]);
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(5600);
    expect(await budgetOf(world.adSets[interests]!.id)).toBe(5200);
    const log = await autopilot.actions.log(ws);
    for (const q of queued) expect(log.find((e) => e.id === q.id)).toMatchObject({ state: "expired", outcome: { message: "replaced by a newer proposal for the same change" } });

  });

  it("carries out the waiting proposals themselves when the window opens the same day", async () => {
    await world.hub.guardrails.set(world.advertiser.admin.ctx, { accountId: world.account.graphId, partnerBusinessId: world.autopilotBusinessId, values: { allowed_hours: "13-18" } });
    const { autopilot, connection } = await connect(wanting(wants()));
    await autopilot.workspaces.setMode("Acme", "autopilot");
    await autopilot.scans.scan(connection);
    expect((await autopilot.run("Acme")).executed).toEqual([]);
    const queued = await autopilot.actions.queue(await autopilot.workspaces.require("Acme"));
    expect(queued.map((q) => q.evidence.deferred_until)).toEqual(["Monday 13:00", "Monday 13:00"]);

    world.clock.t = MONDAY_NOON + 90 * 60_000;
    const open = await autopilot.run("Acme");
    expect(open.executed.map((e) => [e.id, e.state]).sort()).toEqual(queued.map((q) => [q.id, "CONFIRMED"]).sort());
    expect(await budgetOf(world.adSets[interests]!.id)).toBe(5200);
  });

  it("against a Graph without partner guardrails (Meta's), plans as when none bind", async () => {
    // Meta answers an edge it does not have with code 100 (https://developers.facebook.com/docs/graph-api/advanced, Errors).
    const meta = await startGraphProxy(world.server.url, {
      before: ({ url }) =>
        url.includes("/partner_guardrails")
          ? { status: 400, contentType: "application/json", body: JSON.stringify({ error: { message: "(#100) Tried accessing nonexisting field (partner_guardrails) on node type (AdAccount)", type: "OAuthException", code: 100 } }) }
          : undefined,
    });
    try {
      const autopilot = world.autopilot({ planner: wanting(wants()) });
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 50_000, maxStepPct: 100, cooldownMinutes: 0 });
      const created = await autopilot.workspaces.connect(ws.id, { graphUrl: meta.url, accessToken: token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
      const connection = await autopilot.workspaces.connection(created.id);
      expect((await autopilot.scans.scan(connection)).status).toBe("completed");
      const [report] = await autopilot.plan("Acme");
      expect(report!.proposed.map((p) => p.rule_history.results[0]!.actions[0]!.new_value)).toEqual(["7000", "6500", "PAUSED"]);
      expect((await autopilot.workspaces.connection(connection.id)).status).toBe("active");
    } finally {
      await meta.close();
    }
  });

  it("with a token of the owner's own (the hub binds none of its people), plans as when none bind", async () => {
    const autopilot = world.autopilot({ planner: wanting(wants()) });
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 50_000, maxStepPct: 100, cooldownMinutes: 0 });
    // The advertiser's own system user sees every partner's guardrails, and none of them binds it.
    const created = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    const connection = await autopilot.workspaces.connection(created.id);
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    expect(report!.proposed.map((p) => p.rule_history.results[0]!.actions[0]!.new_value)).toEqual(["7000", "6500", "PAUSED"]);
    expect((await autopilot.actions.approve(report!.proposed[0]!.id, "Ada")).state).toBe("CONFIRMED");
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(7000);
  });

  it("records a write the hub still refuses or holds (the owner tightened the limits after the plan) as refused by the owner's guardrail", async () => {
    const { autopilot, connection } = await connect(wanting(wants()));
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    const [raiseLookalike, raiseInterests] = report!.proposed;
    await world.hub.guardrails.set(world.advertiser.admin.ctx, { accountId: world.account.graphId, partnerBusinessId: world.autopilotBusinessId, values: { max_daily_budget: 5300, approval_above: 5100 } });

    const refused = await autopilot.actions.approve(raiseLookalike!.id, "Ada");
    expect(refused.state).toBe("refused");
    expect(refused.text).toMatch(/because the owner's partner guardrail max_daily_budget = 5300 refused it \(/);
    expect(await budgetOf(world.adSets[lookalike]!.id)).toBe(5000);
    // The hub holds 52.00 for the owner's approval: Autopilot did not make the change, and says who may.
    const held = await autopilot.actions.approve(raiseInterests!.id, "Ada");
    expect(held.state).toBe("refused");
    expect(held.text).toMatch(/because the owner's partner guardrail approval_above = 5100 holds it for the owner's approval; it happens only if they approve it \(/);
    expect(await world.hub.guardrails.listPending(world.advertiser.admin.ctx, world.account.graphId)).toHaveLength(1);
    // A refusal of one change is not a lost connection.
    expect((await autopilot.workspaces.connection(connection.id)).status).toBe("active");

    // The next plan is made within the new limits.
    await autopilot.scans.scan(connection);
    const [next] = await autopilot.plan("Acme");
    expect(next!.proposed.map((p) => p.rule_history.results[0]!.actions[0]!.new_value)).toEqual(["5100", "5100"]);
    for (const p of next!.proposed) expect(p.reason).toContain("(approval_above)");
  });
});
