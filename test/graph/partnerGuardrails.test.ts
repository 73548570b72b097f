import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

const HOUR = 60 * 60 * 1000;

/** `act_<id>/partner_guardrails` and `/pending_changes` over real HTTP, and their enforcement on partner writes. */
describe.each(DIALECTS)("partner guardrails on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let clock: TestClock;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let agency: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let asOwner: ReturnType<typeof graphClient>;
  let asAgency: ReturnType<typeof graphClient>;
  let asStranger: ReturnType<typeof graphClient>;
  let accountId: string;
  let campaign: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    agency = await bootstrapBusiness(hub, "Agency");
    stranger = await bootstrapBusiness(hub, "Stranger");
    asOwner = graphClient(server.url, owner.access_token);
    asAgency = graphClient(server.url, agency.access_token);
    asStranger = graphClient(server.url, stranger.access_token);
    // America/Los_Angeles: the test clock's 12:00 UTC is 04:00 there.
    accountId = (await asOwner("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    campaign = (await asOwner("POST", `/${accountId}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [] })).body.id as string;
    const assetId = accountId.replace(/^act_/, "");
    await hub.partners.offer(principalContext("system_user", owner.system_user_id), { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
    await hub.assignments.assign(principalContext("system_user", agency.system_user_id), {
      assetId,
      principalId: agency.system_user_id,
      tasks: presetTasks("ad_account", "STANDARD"),
      businessId: agency.business_id,
    });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });
  // Each test starts with no guardrails and no live ad sets (a limit below a live budget is refused).
  const adSets: string[] = [];
  beforeEach(async () => {
    await asOwner("DELETE", `/${accountId}/partner_guardrails?business=${agency.business_id}`);
    for (const id of adSets.splice(0)) expect((await asOwner("DELETE", `/${id}`)).status).toBe(200);
  });

  const newAdSet = async (daily: number) => {
    const response = await asOwner("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: `Set ${adSets.length + 1}`, daily_budget: String(daily) });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    adSets.push(response.body.id as string);
    return response.body.id as string;
  };
  const setGuardrails = async (values: Record<string, unknown>) => {
    const response = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, ...values });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ success: true });
  };
  const guardrailsSeenBy = async (client: ReturnType<typeof graphClient>) => (await client("GET", `/${accountId}/partner_guardrails?business=${agency.business_id}`)).body;

  it("the owner's admin sets, reads and removes them; the partner reads its own", async () => {
    await setGuardrails({ max_daily_budget: 100000, max_increase_percent: 20, max_daily_increase_percent: 50, allowed_hours: "00-24", approval_above: 80000 });
    const expected = {
      data: [{ business: agency.business_id, max_daily_budget: 100000, max_increase_percent: 20, max_daily_increase_percent: 50, allowed_hours: "00-24", approval_above: 80000 }],
    };
    expect(await guardrailsSeenBy(asOwner)).toEqual(expected);
    expect(await guardrailsSeenBy(asAgency)).toEqual(expected);
    // Setting some keeps the others.
    await setGuardrails({ max_increase_percent: 10 });
    expect((await guardrailsSeenBy(asOwner)).data[0]).toMatchObject({ max_increase_percent: 10, max_daily_budget: 100000 });
    const removed = await asOwner("DELETE", `/${accountId}/partner_guardrails?business=${agency.business_id}`);
    expect(removed.body).toEqual({ success: true });
    expect(await guardrailsSeenBy(asOwner)).toEqual({ data: [] });
    const entries = await hub.store.db.selectFrom("audit_entries").select(["action", "outcome"]).where("action", "like", "guardrails.%").execute();
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(["guardrails.set", "guardrails.remove"]));
  });

  it("only the owner's admin may set them; a stranger gets the answer for an account that does not exist", async () => {
    const byPartner = await asAgency("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, max_daily_budget: 999999999 });
    expect(byPartner.status).toBe(400);
    expect(byPartner.body.error.code).toBe(200);
    const missing = await asStranger("GET", `/act_999999999/partner_guardrails?business=${agency.business_id}`);
    for (const [method, body] of [["GET", undefined], ["POST", { business: agency.business_id, max_daily_budget: 1 }], ["DELETE", undefined]] as const) {
      const probe = await asStranger(method, `/${accountId}/partner_guardrails?business=${agency.business_id}`, body);
      expect(probe.status).toBe(missing.status);
      expect(probe.body.error.code).toBe(100);
      expect(probe.body.error.error_subcode).toBe(33);
      expect(probe.body.error.message).toBe(missing.body.error.message.replace("act_999999999", accountId));
    }
    expect(await guardrailsSeenBy(asOwner)).toEqual({ data: [] });
  });

  it("refuses bad values with a clear error and stores nothing", async () => {
    await setGuardrails({ max_increase_percent: 30 });
    await newAdSet(40000);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ max_daily_budget: -5 }, /max_daily_budget/],
      [{ max_increase_percent: "ten" }, /max_increase_percent/],
      [{ max_daily_increase_percent: -1 }, /max_daily_increase_percent/],
      [{ allowed_hours: "25-30" }, /allowed_hours/],
      [{ allowed_hours: "09-09" }, /allowed_hours/],
      [{ allowed_hours: "9to5" }, /allowed_hours/],
      [{ max_daily_budget: 30000 }, /below the current daily budget/],
      [{ max_daily_budget: 100000, approval_above: 100000 }, /approval_above/],
      [{ approval_above: -1 }, /approval_above/],
    ];
    for (const [values, message] of cases) {
      const response = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, max_increase_percent: 5, ...values });
      expect(response.status, JSON.stringify(values)).toBe(400);
      expect(response.body.error.code).toBe(100);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await guardrailsSeenBy(asOwner)).data).toEqual([{ business: agency.business_id, max_increase_percent: 30 }]);
    const noShare = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: stranger.business_id, max_daily_budget: 100000 });
    expect(noShare.status).toBe(400);
    expect(noShare.body.error.message).toMatch(/no share/);
  });

  it("refuses a partner's raise above max_daily_budget with code 200 naming the limit; the owner is not bound", async () => {
    const adSet = await newAdSet(5000);
    await setGuardrails({ max_daily_budget: 60000 });
    const refused = await asAgency("POST", `/${adSet}`, { daily_budget: "60001" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(200);
    expect(refused.body.error.message).toContain("max_daily_budget = 60000");
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "60000" })).status).toBe(200);
    expect((await asOwner("POST", `/${adSet}`, { daily_budget: "90000" })).status).toBe(200);
    // A new ad set of the partner's is bound too.
    const created = await asAgency("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: "Too big", daily_budget: "70000" });
    expect(created.body.error?.message).toContain("max_daily_budget = 60000");
    const denied = await hub.store.db.selectFrom("audit_entries").select(["outcome", "reason"]).where("action", "=", "adset.update").where("outcome", "=", "denied").execute();
    expect(denied.some((e) => String(e.reason).includes("max_daily_budget"))).toBe(true);
  });

  it("limits one change by max_increase_percent and 24 hours by max_daily_increase_percent", async () => {
    const adSet = await newAdSet(10000);
    await setGuardrails({ max_increase_percent: 20, max_daily_increase_percent: 30 });
    const tooMuch = await asAgency("POST", `/${adSet}`, { daily_budget: "12001" });
    expect(tooMuch.body.error.message).toContain("max_increase_percent = 20");
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "12000" })).status).toBe(200);
    clock.t += HOUR;
    // 12000 → 13500 is 12.5% in one change, but 35% over the 10000 of 24 hours ago.
    const overDay = await asAgency("POST", `/${adSet}`, { daily_budget: "13500" });
    expect(overDay.status).toBe(400);
    expect(overDay.body.error.message).toContain("max_daily_increase_percent = 30");
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "13000" })).status).toBe(200);
    clock.t += 24 * HOUR;
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "15000" })).status).toBe(200);
    // Lowering is always allowed.
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "1000" })).status).toBe(200);
  });

  it("refuses writes outside allowed_hours in the account's time zone", async () => {
    const adSet = await newAdSet(10000);
    const localHour = (new Date(clock.t).getUTCHours() + 24 - 8) % 24;
    const pad = (n: number) => String(n).padStart(2, "0");
    await setGuardrails({ allowed_hours: `${pad((localHour + 1) % 24)}-${pad((localHour + 3) % 24)}` });
    const refused = await asAgency("POST", `/${adSet}`, { name: "Renamed" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("allowed_hours");
    await setGuardrails({ allowed_hours: `${pad(localHour)}-${pad(localHour + 1)}` });
    expect((await asAgency("POST", `/${adSet}`, { name: "Renamed" })).status).toBe(200);
  });

  it("inside a batch only the refused item fails", async () => {
    const a = await newAdSet(10000);
    const b = await newAdSet(10000);
    await setGuardrails({ max_daily_budget: 20000 });
    const response = await asAgency(
      "POST",
      "/",
      new URLSearchParams({
        batch: JSON.stringify([
          { method: "POST", relative_url: a, body: "daily_budget=15000" },
          { method: "POST", relative_url: b, body: "daily_budget=25000" },
        ]),
      }).toString(),
    );
    expect(response.status).toBe(200);
    const [first, second] = response.body as { code: number; body: string }[];
    expect(first!.code).toBe(200);
    expect(second!.code).toBe(400);
    expect(JSON.parse(second!.body).error).toMatchObject({ code: 200 });
    expect(JSON.parse(second!.body).error.message).toContain("max_daily_budget = 20000");
    const read = async (id: string) => (await asOwner("GET", `/${id}?fields=daily_budget`)).body.daily_budget;
    expect([await read(a), await read(b)]).toEqual(["15000", "10000"]);
  });

  it("holds a change above approval_above until the owner's admin approves or rejects it", async () => {
    const adSet = await newAdSet(10000);
    await setGuardrails({ approval_above: 20000, max_daily_budget: 50000 });
    const held = await asAgency("POST", `/${adSet}`, { daily_budget: "30000" });
    expect(held.status).toBe(400);
    expect(held.body.error.code).toBe(200);
    expect(held.body.error.message).toMatch(/needs the owner's approval.*approval_above = 20000/);
    const read = async () => (await asOwner("GET", `/${adSet}?fields=daily_budget`)).body.daily_budget;
    expect(await read()).toBe("10000");
    const pending = (await asOwner("GET", `/${accountId}/pending_changes`)).body.data as Record<string, any>[];
    const mine = pending.find((p) => p.object_id === adSet)!;
    expect(mine).toMatchObject({ business: agency.business_id, object_type: "adset", params: { daily_budget: "30000" }, status: "PENDING" });
    expect((await asAgency("GET", `/${accountId}/pending_changes`)).body.data.map((p: { id: string }) => p.id)).toContain(mine.id);
    expect((await asStranger("GET", `/${accountId}/pending_changes`)).body.error.code).toBe(100);
    // The partner cannot approve its own change.
    expect((await asAgency("POST", `/${accountId}/pending_changes`, { id: mine.id, decision: "APPROVE" })).body.error.code).toBe(200);
    const approved = await asOwner("POST", `/${accountId}/pending_changes`, { id: mine.id, decision: "APPROVE" });
    expect(approved.body).toEqual({ success: true, status: "APPROVED" });
    expect(await read()).toBe("30000");
    expect((await asOwner("POST", `/${accountId}/pending_changes`, { id: mine.id, decision: "REJECT" })).body.error.message).toMatch(/already approved/);

    const second = await asAgency("POST", `/${adSet}`, { daily_budget: "40000" });
    expect(second.body.error.message).toContain("approval_above");
    const next = ((await asOwner("GET", `/${accountId}/pending_changes`)).body.data as Record<string, any>[]).find((p) => p.object_id === adSet)!;
    expect((await asOwner("POST", `/${accountId}/pending_changes`, { id: next.id, decision: "REJECT" })).body.status).toBe("REJECTED");
    expect(await read()).toBe("30000");
    // Within the threshold a change goes through at once.
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "15000" })).status).toBe(200);
  });

  it("guards a campaign budget (Advantage campaign budget) the same way, approval included", async () => {
    const cbo = await asOwner("POST", `/${accountId}/campaigns`, { name: "CBO", objective: "OUTCOME_SALES", special_ad_categories: [], daily_budget: "10000" });
    expect(cbo.status, JSON.stringify(cbo.body)).toBe(200);
    const id = cbo.body.id as string;
    await setGuardrails({ max_daily_budget: 50000, max_increase_percent: 100, approval_above: 20000 });
    expect((await asAgency("POST", `/${id}`, { daily_budget: "60000" })).body.error.message).toContain("max_daily_budget = 50000");
    expect((await asAgency("POST", `/${id}`, { daily_budget: "15000" })).status).toBe(200);
    const held = await asAgency("POST", `/${id}`, { daily_budget: "25000" });
    expect(held.body.error.message).toContain("approval_above = 20000");
    const pending = ((await asOwner("GET", `/${accountId}/pending_changes`)).body.data as Record<string, any>[]).find((p) => p.object_id === id)!;
    expect(pending).toMatchObject({ object_type: "campaign", params: { daily_budget: "25000" } });
    expect((await asOwner("POST", `/${accountId}/pending_changes`, { id: pending.id, decision: "APPROVE" })).body.status).toBe("APPROVED");
    expect((await asOwner("GET", `/${id}?fields=daily_budget`)).body.daily_budget).toBe("25000");
    expect((await asOwner("DELETE", `/${id}`)).status).toBe(200);
  });

  it("an offer through /agencies can carry guardrails: both are stored, or neither", async () => {
    const other = await bootstrapBusiness(hub, `Other ${Math.random()}`);
    const bad = await asOwner("POST", `/${accountId}/agencies`, { business: other.business_id, permitted_tasks: ["ADVERTISE", "ANALYZE"], guardrails: { max_daily_budget: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("max_daily_budget");
    const agencies = async () => ((await asOwner("GET", `/${accountId}/agencies`)).body.data as { id: string }[]).map((a) => a.id);
    expect(await agencies()).not.toContain(other.business_id);
    const offered = await asOwner("POST", `/${accountId}/agencies`, { business: other.business_id, permitted_tasks: ["ADVERTISE", "ANALYZE"], guardrails: { max_daily_budget: 90000, allowed_hours: "08-20" } });
    expect(offered.body).toEqual({ success: true, access_status: "PENDING" });
    expect(await agencies()).toContain(other.business_id);
    expect((await asOwner("GET", `/${accountId}/partner_guardrails?business=${other.business_id}`)).body).toEqual({
      data: [{ business: other.business_id, max_daily_budget: 90000, allowed_hours: "08-20" }],
    });
  });

  it("limits raises in minor units: per change by max_increase_amount, per 24 hours by max_daily_increase_amount", async () => {
    const adSet = await newAdSet(10000);
    await setGuardrails({ max_increase_amount: 3000, max_daily_increase_amount: 5000 });
    expect((await guardrailsSeenBy(asAgency)).data).toEqual([{ business: agency.business_id, max_increase_amount: 3000, max_daily_increase_amount: 5000 }]);
    const tooMuch = await asAgency("POST", `/${adSet}`, { daily_budget: "13001" });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.code).toBe(200);
    expect(tooMuch.body.error.message).toContain("max_increase_amount = 3000");
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "13000" })).status).toBe(200);
    clock.t += HOUR;
    // 13000 → 15500 is 2500 in one change, but 5500 over the 10000 of 24 hours ago.
    const overDay = await asAgency("POST", `/${adSet}`, { daily_budget: "15500" });
    expect(overDay.body.error.message).toContain("max_daily_increase_amount = 5000");
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "15000" })).status).toBe(200);
    clock.t += 24 * HOUR;
    expect((await asAgency("POST", `/${adSet}`, { daily_budget: "18000" })).status).toBe(200);
    for (const bad of [{ max_increase_amount: -1 }, { max_daily_increase_amount: "1.5" }, { max_daily_new_spend: "lots" }]) {
      const response = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, max_increase_amount: 1, ...bad });
      expect(response.body.error.code, JSON.stringify(bad)).toBe(100);
      expect(response.body.error.message).toContain(Object.keys(bad)[0]);
    }
    expect((await guardrailsSeenBy(asOwner)).data[0]).toMatchObject({ max_increase_amount: 3000 });
  });

  it("bounds the daily spend the partner adds across the account within 24 hours by max_daily_new_spend", async () => {
    // Past anything earlier tests added.
    clock.t += 25 * HOUR;
    const a = await newAdSet(10000);
    const b = await newAdSet(10000);
    await setGuardrails({ max_daily_new_spend: 8000 });
    expect((await asAgency("POST", `/${a}`, { daily_budget: "13000" })).status).toBe(200);
    // Lowering gives nothing back, and the owner's own raises do not count.
    expect((await asAgency("POST", `/${a}`, { daily_budget: "12000" })).status).toBe(200);
    expect((await asOwner("POST", `/${b}`, { daily_budget: "30000" })).status).toBe(200);
    clock.t += HOUR;
    // A new ad set's whole budget counts: 3000 + 4000 = 7000, then 1000 more is the most.
    const created = await asAgency("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: "Partner's", daily_budget: "4000" });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    adSets.push(created.body.id as string);
    const batch = await asAgency(
      "POST",
      "/",
      new URLSearchParams({
        batch: JSON.stringify([
          { method: "POST", relative_url: b, body: "daily_budget=31001" },
          { method: "POST", relative_url: b, body: "daily_budget=31000" },
        ]),
      }).toString(),
    );
    const [over, within] = batch.body as { code: number; body: string }[];
    expect(over!.code).toBe(400);
    expect(JSON.parse(over!.body).error).toMatchObject({ code: 200 });
    expect(JSON.parse(over!.body).error.message).toContain("max_daily_new_spend = 8000");
    expect(within!.code).toBe(200);
    expect((await asAgency("POST", `/${a}`, { daily_budget: "12001" })).body.error.message).toContain("max_daily_new_spend = 8000");
    // 24 hours after the first raise it no longer counts.
    clock.t += 23 * HOUR + 1;
    expect((await asAgency("POST", `/${a}`, { daily_budget: "15000" })).status).toBe(200);
  });

  it("refuses every change on a day outside allowed_days in the account's time zone", async () => {
    const adSet = await newAdSet(10000);
    const today = new Date(clock.t - 8 * HOUR).getUTCDay(); // Los Angeles, winter
    const names = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];
    await setGuardrails({ allowed_days: [(today + 1) % 7, (today + 3) % 7] });
    expect((await guardrailsSeenBy(asAgency)).data[0].allowed_days).toEqual([(today + 1) % 7, (today + 3) % 7].sort());
    const refused = await asAgency("POST", `/${adSet}`, { name: "Renamed" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(200);
    expect(refused.body.error.message).toContain("allowed_days");
    expect(refused.body.error.message).toContain(`it is ${names[today]} there now`);
    await setGuardrails({ allowed_days: names[today]!.slice(0, 3) });
    expect((await guardrailsSeenBy(asOwner)).data[0].allowed_days).toEqual([today]);
    expect((await asAgency("POST", `/${adSet}`, { name: "Renamed" })).status).toBe(200);
    for (const bad of [[7], "FUNDAY", []]) {
      const response = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, allowed_days: bad });
      expect(response.body.error.code, JSON.stringify(bad)).toBe(100);
      expect(response.body.error.message).toContain("allowed_days");
    }
    expect((await guardrailsSeenBy(asOwner)).data[0].allowed_days).toEqual([today]);
  });

  it("keeps the partner off protected_objects and everything in them; unknown ids are refused and nothing is stored", async () => {
    const open = await newAdSet(10000);
    const other = (await asOwner("POST", `/${accountId}/campaigns`, { name: "Brand", objective: "OUTCOME_SALES", special_ad_categories: [] })).body.id as string;
    const inside = (await asOwner("POST", `/${accountId}/adsets`, { campaign_id: other, name: "Brand set", daily_budget: "10000" })).body.id as string;
    adSets.push(inside);
    await setGuardrails({ protected_objects: [other] });
    expect((await guardrailsSeenBy(asAgency)).data).toEqual([{ business: agency.business_id, protected_objects: [other] }]);
    for (const [path, body] of [[`/${other}`, { name: "Mine" }], [`/${inside}`, { daily_budget: "5000" }], [`/${accountId}/adsets`, { campaign_id: other, name: "New", daily_budget: "1000" }]] as const) {
      const refused = await asAgency("POST", path, body);
      expect(refused.status, path).toBe(400);
      expect(refused.body.error.code).toBe(200);
      expect(refused.body.error.message).toContain(`protected_objects = ${other}`);
    }
    expect((await asAgency("POST", `/${open}`, { name: "Still mine" })).status).toBe(200);
    expect((await asOwner("POST", `/${inside}`, { name: "The owner's" })).status).toBe(200);
    // An id that is not an object of this account: a clear error, and the old list stays.
    const unknown = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, protected_objects: [open, "999999999"], max_daily_budget: 100000 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe(100);
    expect(unknown.body.error.message).toMatch(/protected_objects: 999999999 is not a campaign, ad set or ad/);
    expect((await guardrailsSeenBy(asOwner)).data).toEqual([{ business: agency.business_id, protected_objects: [other] }]);
    await setGuardrails({ protected_objects: `${inside},${open}` });
    expect((await asAgency("POST", `/${open}`, { name: "Again" })).body.error.message).toContain("protected_objects");
    expect((await asOwner("DELETE", `/${other}`)).status).toBe(200);
  });
});
