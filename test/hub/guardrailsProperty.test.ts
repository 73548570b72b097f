import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/**
 * Partner guardrails against a reference model written from docs/guardrails.md alone: random
 * guardrails, then random sequences of a partner's budget writes (single calls and batches) and
 * waits. Every accepted write must be within every limit, every refusal must name a limit the write
 * really breaks, and a held change must be one above approval_above that breaks nothing else.
 * Ad labels are in the model too: the owner's ad sets carry random labels, some of them protected
 * (set by id or by name), and the partner adds and takes off labels between its budget writes.
 */

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_ZONE = "Asia/Kolkata";
const NAMES = [
  "max_daily_budget",
  "max_increase_percent",
  "max_daily_increase_percent",
  "max_increase_amount",
  "max_daily_increase_amount",
  "max_daily_new_spend",
  "allowed_hours",
  "allowed_days",
  "protected_objects",
  "protected_labels",
  "approval_above",
] as const;
type Name = (typeof NAMES)[number];
type Rules = Partial<Record<Name, number | string | number[] | string[]>>;

interface RefAdSet {
  id: string;
  budget: number;
  /** Accepted budget changes, oldest first (creation has no `before`). */
  history: { at: number; before: number | null; after: number }[];
  /** Ids of the ad labels it carries. */
  labels: Set<string>;
}

const hourFormat = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", hourCycle: "h23" });
const localHour = (t: number) => Number(hourFormat.format(new Date(t)));
const dayFormat = new Intl.DateTimeFormat("en-US", { timeZone: TIME_ZONE, weekday: "short" });
/** 0 Sunday … 6 Saturday in the account's time zone, as Meta numbers days. */
const localDay = (t: number) => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(dayFormat.format(new Date(t)));

/** The partner's new daily spend on the account: accepted raises and its new ad sets' budgets. */
type NewSpend = { at: number; amount: number }[];
const spentSince = (spend: NewSpend, t: number) => spend.filter((s) => s.at > t - DAY).reduce((sum, s) => sum + s.amount, 0);

function inHours(text: string, hour: number): boolean {
  const [start, end] = text.split("-").map(Number) as [number, number];
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/** The budget 24 hours before `t`, as the guardrail defines it. */
function dayAgo(set: RefAdSet, t: number): number {
  const first = set.history.find((h) => h.at > t - DAY);
  return first ? (first.before ?? first.after) : set.budget;
}

/**
 * What the model says of a partner's write (to an existing ad set, or `set` null for a new one in
 * the campaign): the limits it breaks, and whether it needs approval.
 */
function judge(rules: Rules, set: RefAdSet | null, amount: number, t: number, spend: NewSpend): { broken: Name[]; held: boolean; noop: boolean; added: number } {
  if (set !== null && amount === set.budget) return { broken: [], held: false, noop: true, added: 0 };
  const broken: Name[] = [];
  if (set !== null && rules.protected_objects !== undefined && (rules.protected_objects as string[]).includes(set.id)) broken.push("protected_objects");
  if (set !== null && carriesProtected(rules, set)) broken.push("protected_labels");
  if (rules.allowed_days !== undefined && !(rules.allowed_days as number[]).includes(localDay(t))) broken.push("allowed_days");
  if (rules.allowed_hours !== undefined && !inHours(String(rules.allowed_hours), localHour(t))) broken.push("allowed_hours");
  const before = set?.budget ?? 0;
  const raise = amount > before;
  const added = raise ? amount - before : 0;
  if (raise) {
    if (rules.max_daily_budget !== undefined && amount > Number(rules.max_daily_budget)) broken.push("max_daily_budget");
    if (set !== null) {
      if (rules.max_increase_percent !== undefined && amount * 100 > set.budget * (100 + Number(rules.max_increase_percent))) broken.push("max_increase_percent");
      if (rules.max_increase_amount !== undefined && amount - set.budget > Number(rules.max_increase_amount)) broken.push("max_increase_amount");
      if (rules.max_daily_increase_percent !== undefined && amount * 100 > dayAgo(set, t) * (100 + Number(rules.max_daily_increase_percent))) {
        broken.push("max_daily_increase_percent");
      }
      if (rules.max_daily_increase_amount !== undefined && amount - dayAgo(set, t) > Number(rules.max_daily_increase_amount)) broken.push("max_daily_increase_amount");
    }
    if (rules.max_daily_new_spend !== undefined && spentSince(spend, t) + added > Number(rules.max_daily_new_spend)) broken.push("max_daily_new_spend");
  }
  const above = raise && rules.approval_above !== undefined && amount > Number(rules.approval_above);
  // A new ad set cannot wait for approval: above approval_above it is refused.
  if (above && set === null) broken.push("approval_above");
  const held = above && set !== null && broken.length === 0;
  return { broken, held, noop: false, added };
}

function carriesProtected(rules: Rules, set: RefAdSet): boolean {
  return rules.protected_labels !== undefined && (rules.protected_labels as string[]).some((id) => set.labels.has(id));
}

/** What the model says of the partner adding (or taking off) a label on an ad set: the limits it breaks; a no-op breaks none. */
function judgeLabel(rules: Rules, set: RefAdSet, label: string, add: boolean, t: number): { broken: Name[]; noop: boolean } {
  if (set.labels.has(label) === add) return { broken: [], noop: true };
  const broken: Name[] = [];
  if (rules.protected_objects !== undefined && (rules.protected_objects as string[]).includes(set.id)) broken.push("protected_objects");
  if (rules.protected_labels !== undefined && ((rules.protected_labels as string[]).includes(label) || carriesProtected(rules, set))) broken.push("protected_labels");
  if (rules.allowed_days !== undefined && !(rules.allowed_days as number[]).includes(localDay(t))) broken.push("allowed_days");
  if (rules.allowed_hours !== undefined && !inHours(String(rules.allowed_hours), localHour(t))) broken.push("allowed_hours");
  return { broken, noop: false };
}

const pad = (n: number) => String(n).padStart(2, "0");
const hoursArb = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 })).filter(([a, b]) => a !== b).map(([a, b]) => `${pad(a)}-${pad(b)}`);

// Each limit is unset half the time (freq 2), so that each is often the only one a write meets.
const worldArb = fc.record({
  budgets: fc.array(fc.integer({ min: 1000, max: 10000 }), { minLength: 3, maxLength: 3 }),
  maxDaily: fc.option(fc.integer({ min: 10000, max: 30000 }), { nil: undefined, freq: 2 }),
  maxIncrease: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined, freq: 2 }),
  maxDailyIncrease: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined, freq: 2 }),
  hours: fc.option(hoursArb, { nil: undefined, freq: 2 }),
  approvalAbove: fc.option(fc.integer({ min: 2000, max: 25000 }), { nil: undefined, freq: 2 }),
  maxIncreaseAmount: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined, freq: 2 }),
  maxDailyIncreaseAmount: fc.option(fc.integer({ min: 0, max: 15000 }), { nil: undefined, freq: 2 }),
  maxDailyNewSpend: fc.option(fc.integer({ min: 0, max: 20000 }), { nil: undefined, freq: 2 }),
  days: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 6 }), { nil: undefined, freq: 2 }),
  // Indices of the owner's three ad sets the partner may not touch.
  protectedSets: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
  // The labels (of two, "L0" and "L1") each of the owner's three ad sets carries at the start.
  setLabels: fc.array(fc.subarray([0, 1]), { minLength: 3, maxLength: 3 }),
  // Labels the partner may not touch, set by their ids or by their names.
  protectedLabels: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
  labelsByName: fc.boolean(),
});

// adSet picks among the ad sets there are (the owner's three and the partner's new ones), modulo their number.
const writeArb = fc.record({ adSet: fc.integer({ min: 0, max: 5 }), amount: fc.integer({ min: 500, max: 40000 }) });
const stepArb = fc.oneof(
  { weight: 4, arbitrary: writeArb.map((w) => ({ kind: "single" as const, ...w })) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 20000 }).map((amount) => ({ kind: "create" as const, amount })) },
  // Batch items on distinct ad sets, so Meta's 4-budget-changes-per-hour limit never comes into play.
  { weight: 2, arbitrary: fc.uniqueArray(fc.record({ adSet: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 500, max: 40000 }) }), { minLength: 2, maxLength: 3, selector: (w) => w.adSet }).map((items) => ({ kind: "batch" as const, items })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((hours) => ({ kind: "wait" as const, hours })) },
  { weight: 2, arbitrary: fc.record({ adSet: fc.integer({ min: 0, max: 2 }), label: fc.integer({ min: 0, max: 1 }), add: fc.boolean() }).map((l) => ({ kind: "label" as const, ...l })) },
);

describe.each(DIALECTS)("partner guardrails against a reference model on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let clock: TestClock;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let agency: Awaited<ReturnType<typeof bootstrapBusiness>>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    agency = await bootstrapBusiness(hub, "Agency");
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("accepts only writes within every limit, and every refusal names a limit the write breaks", async () => {
    const asOwner = graphClient(server.url, owner.access_token);
    const asAgency = graphClient(server.url, agency.access_token);
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(stepArb, { minLength: 4, maxLength: 12 }), async (world, steps) => {
        // A fresh account shared with the agency at Standard, with three ad sets of the owner's.
        const accountId = (await asOwner("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_name: TIME_ZONE })).body.id as string;
        const assetId = accountId.slice(4);
        await hub.partners.offer(principalContext("system_user", owner.system_user_id), { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
        await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
        await hub.assignments.assign(principalContext("system_user", agency.system_user_id), {
          assetId,
          principalId: agency.system_user_id,
          tasks: presetTasks("ad_account", "STANDARD"),
          businessId: agency.business_id,
        });
        const campaign = (await asOwner("POST", `/${accountId}/campaigns`, { name: "C", objective: "OUTCOME_SALES", special_ad_categories: [] })).body.id as string;
        const labelIds: string[] = [];
        for (const name of ["L0", "L1"]) labelIds.push((await asOwner("POST", `/${accountId}/adlabels`, { name })).body.id as string);
        const ids: string[] = [];
        const model: RefAdSet[] = [];
        for (const [i, budget] of world.budgets.entries()) {
          const labels = world.setLabels[i]!.map((l) => labelIds[l]!);
          const created = await asOwner("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: `Set ${ids.length}`, daily_budget: String(budget), adlabels: labels.map((id) => ({ id })) });
          expect(created.status, JSON.stringify(created.body)).toBe(200);
          ids.push(created.body.id as string);
          model.push({ id: created.body.id as string, budget, history: [{ at: clock.t, before: null, after: budget }], labels: new Set(labels) });
        }
        const rules: Rules = {};
        if (world.maxDaily !== undefined) rules.max_daily_budget = world.maxDaily;
        if (world.maxIncrease !== undefined) rules.max_increase_percent = world.maxIncrease;
        if (world.maxDailyIncrease !== undefined) rules.max_daily_increase_percent = world.maxDailyIncrease;
        if (world.hours !== undefined) rules.allowed_hours = world.hours;
        if (world.approvalAbove !== undefined && (world.maxDaily === undefined || world.approvalAbove < world.maxDaily)) rules.approval_above = world.approvalAbove;
        if (world.maxIncreaseAmount !== undefined) rules.max_increase_amount = world.maxIncreaseAmount;
        if (world.maxDailyIncreaseAmount !== undefined) rules.max_daily_increase_amount = world.maxDailyIncreaseAmount;
        if (world.maxDailyNewSpend !== undefined) rules.max_daily_new_spend = world.maxDailyNewSpend;
        if (world.days !== undefined) rules.allowed_days = [...world.days].sort((a, b) => a - b);
        if (world.protectedSets !== undefined) rules.protected_objects = world.protectedSets.map((i) => ids[i]!).sort();
        if (world.protectedLabels !== undefined) rules.protected_labels = world.protectedLabels.map((i) => labelIds[i]!).sort();
        const spend: NewSpend = [];
        if (Object.keys(rules).length > 0) {
          // Labels may be named by name; they are stored, and named in refusals, by id.
          const given = world.protectedLabels !== undefined && world.labelsByName ? { ...rules, protected_labels: world.protectedLabels.map((i) => `L${i}`) } : rules;
          const set = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, ...given });
          expect(set.status, JSON.stringify(set.body)).toBe(200);
          if (rules.protected_labels !== undefined) expect(set.status === 200 && (await asOwner("GET", `/${accountId}/partner_guardrails`)).body.data[0].protected_labels).toEqual(rules.protected_labels);
        }

        const check = (write: { adSet: number | null; amount: number }, code: number, body: Record<string, any>) => {
          const set = write.adSet === null ? null : model[write.adSet]!;
          const verdict = judge(rules, set, write.amount, clock.t, spend);
          const context = JSON.stringify({ rules, write, budget: set?.budget, dayAgo: set && dayAgo(set, clock.t), spent: spentSince(spend, clock.t), hour: localHour(clock.t), day: localDay(clock.t), body });
          if (code === 200) {
            expect(verdict.broken, context).toEqual([]);
            expect(verdict.held, context).toBe(false);
            if (verdict.added > 0) spend.push({ at: clock.t, amount: verdict.added });
            if (set === null) {
              model.push({ id: String(body.id), budget: write.amount, history: [{ at: clock.t, before: null, after: write.amount }], labels: new Set() });
            } else if (!verdict.noop) {
              set.history.push({ at: clock.t, before: set.budget, after: write.amount });
              set.budget = write.amount;
            }
            return;
          }
          expect(body.error?.code, context).toBe(200);
          const message = String(body.error.message);
          if (message.includes("needs the owner's approval")) {
            expect(verdict.broken, context).toEqual([]);
            expect(verdict.held, context).toBe(true);
            expect(message).toContain(`approval_above = ${rules.approval_above}`);
            return;
          }
          const named = NAMES.find((name) => rules[name] !== undefined && message.includes(`guardrail ${name} = ${String(rules[name])}:`));
          expect(named, context).toBeDefined();
          expect(verdict.broken, context).toContain(named);
        };

        const refusedFor = (broken: Name[], body: Record<string, any>, context: string) => {
          expect(body.error?.code, context).toBe(200);
          const named = NAMES.find((name) => rules[name] !== undefined && String(body.error.message).includes(`guardrail ${name} = ${String(rules[name])}:`));
          expect(named, context).toBeDefined();
          expect(broken, context).toContain(named);
        };

        for (const step of steps) {
          if (step.kind === "wait") {
            clock.t += step.hours * HOUR;
            continue;
          }
          if (step.kind === "label") {
            const set = model[step.adSet]!;
            const label = labelIds[step.label]!;
            const verdict = judgeLabel(rules, set, label, step.add, clock.t);
            const response = await asAgency(step.add ? "POST" : "DELETE", `/${set.id}/adlabels`, { adlabels: [{ id: label }] });
            const context = JSON.stringify({ rules, step, labels: [...set.labels], hour: localHour(clock.t), day: localDay(clock.t), body: response.body });
            if (response.status === 200) {
              expect(verdict.broken, context).toEqual([]);
              if (step.add) set.labels.add(label);
              else set.labels.delete(label);
            } else {
              expect(verdict.noop, context).toBe(false);
              refusedFor(verdict.broken, response.body, context);
            }
            clock.t += 16 * MINUTE;
            continue;
          }
          if (step.kind === "create") {
            const response = await asAgency("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: `Partner's ${model.length}`, daily_budget: String(step.amount) });
            check({ adSet: null, amount: step.amount }, response.status, response.body);
          } else if (step.kind === "single") {
            const write = { adSet: step.adSet % model.length, amount: step.amount };
            const response = await asAgency("POST", `/${model[write.adSet]!.id}`, { daily_budget: String(write.amount) });
            check(write, response.status, response.body);
          } else {
            // On distinct ad sets of the owner's three.
            const items = step.items;
            const batch = items.map((item) => ({ method: "POST", relative_url: model[item.adSet]!.id, body: `daily_budget=${item.amount}` }));
            const response = await asAgency("POST", "/", new URLSearchParams({ batch: JSON.stringify(batch) }).toString());
            expect(response.status).toBe(200);
            (response.body as { code: number; body: string }[]).forEach((result, i) => check(items[i]!, result.code, JSON.parse(result.body)));
          }
          // 16 minutes apart: never more than 4 budget changes of one ad set within an hour.
          clock.t += 16 * MINUTE;
        }
        // What the store holds is what the model accepted.
        for (const set of model) {
          const stored = (await asOwner("GET", `/${set.id}?fields=daily_budget,adlabels`)).body;
          expect(stored.daily_budget).toBe(String(set.budget));
          expect(((stored.adlabels ?? []) as { id: string }[]).map((l) => l.id).sort()).toEqual([...set.labels].sort());
        }
      }),
      { numRuns: dialect === "sqlite" ? 20 : 10 },
    );
  });
});

/**
 * Two hub instances on one PostgreSQL store, a partner writing to one ad set through both at once:
 * the guardrails judge each write inside its transaction after the ad set's row lock, so the writes
 * that pass form one chain, each within every limit of the one before it.
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("partner guardrails with two instances writing at once (PostgreSQL)", () => {
  let store: TestStore;
  afterAll(async () => {
    await store?.cleanup();
  });

  it("lets no concurrent sequence past a limit", async () => {
    store = makeTestStore("postgres");
    const clock = new TestClock();
    const first = await store.open(clock);
    const owner = await bootstrapBusiness(first, "Acme");
    const agency = await bootstrapBusiness(first, "Agency");
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    const agencyCtx = principalContext("system_user", agency.system_user_id);
    const account = await first.assets.createAsset(ownerCtx, owner.business_id, { type: "ad_account", name: "Main" });
    await first.partners.offer(ownerCtx, { assetId: account.id, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await first.partners.acceptOrRequest(agencyCtx, { partnerBusinessId: agency.business_id, assetId: account.id });
    await first.assignments.assign(agencyCtx, { assetId: account.id, principalId: agency.system_user_id, tasks: presetTasks("ad_account", "STANDARD"), businessId: agency.business_id });
    await first.guardrails.set(ownerCtx, { accountId: account.id, partnerBusinessId: agency.business_id, values: { max_increase_percent: 10, max_daily_increase_percent: 21 } });
    const campaign = await first.campaigns.createCampaign(ownerCtx, account.graphId, { name: "C", objective: "OUTCOME_SALES", special_ad_categories: [] });
    // Opened after the setup, so its access index starts with the share and assignment.
    const second = await store.open(clock);

    for (let round = 0; round < 4; round++) {
      const adSet = await first.adSets.createAdSet(ownerCtx, account.graphId, { campaign_id: campaign.id, name: `Set ${round}`, daily_budget: 10000 });
      // +10% steps: 11000 and 12100 can each pass after the one before; 13310 is 33% over the day's start.
      const attempts = [11000, 12100, 13310, 11000, 12100, 13310].map((amount, i) =>
        (i % 2 === 0 ? first : second).adSets.updateAdSet(agencyCtx, adSet.id, { daily_budget: amount }).then(
          () => ({ amount, ok: true as const }),
          (error: { code?: number; message?: string }) => ({ amount, ok: false as const, code: error.code, message: String(error.message) }),
        ),
      );
      const results = await Promise.all(attempts);
      for (const result of results) {
        if (result.ok) continue;
        if (result.code === 17) continue; // Meta's 4 budget changes per ad set per hour
        expect(result.code, result.message).toBe(200);
        expect(result.message).toMatch(/guardrail (max_increase_percent = 10|max_daily_increase_percent = 21)/);
      }
      expect(results.some((r) => r.ok && r.amount === 13310)).toBe(false);
      const history = await first.store.db
        .selectFrom("budget_history")
        .select(["before_amount", "after_amount"])
        .where("object_id", "=", adSet.id)
        .where("before_amount", "is not", null)
        .execute();
      // The committed changes form one chain from 10000 (no two writes were judged against the same
      // budget), every raise in it within 10% of the one before and 21% of the day's start.
      const rows = history.map((h) => [Number(h.before_amount), Number(h.after_amount)] as const);
      expect(rows.length).toBeLessThanOrEqual(4);
      const finals = chainEnds(10000, rows, ([before, after]) => after <= before || (after * 100 <= before * 110 && after * 100 <= 10000 * 121));
      const budget = Number((await first.adSets.getAdSet(ownerCtx, adSet.id)).daily_budget);
      expect(finals, JSON.stringify(rows)).toContain(budget);
    }
  });
});

/**
 * The new daily spend a partner may add is account-wide: two instances raising different ad sets at
 * once must not both pass on the same remaining allowance.
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("max_daily_new_spend with two instances writing at once (PostgreSQL)", () => {
  let store: TestStore;
  afterAll(async () => {
    await store?.cleanup();
  });

  it("lets no concurrent raises past the partner's new spend for the day", async () => {
    store = makeTestStore("postgres");
    const clock = new TestClock();
    const first = await store.open(clock);
    const owner = await bootstrapBusiness(first, "Acme");
    const agency = await bootstrapBusiness(first, "Agency");
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    const agencyCtx = principalContext("system_user", agency.system_user_id);
    const account = await first.assets.createAsset(ownerCtx, owner.business_id, { type: "ad_account", name: "Main" });
    await first.partners.offer(ownerCtx, { assetId: account.id, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await first.partners.acceptOrRequest(agencyCtx, { partnerBusinessId: agency.business_id, assetId: account.id });
    await first.assignments.assign(agencyCtx, { assetId: account.id, principalId: agency.system_user_id, tasks: presetTasks("ad_account", "STANDARD"), businessId: agency.business_id });
    await first.guardrails.set(ownerCtx, { accountId: account.id, partnerBusinessId: agency.business_id, values: { max_daily_new_spend: 5000 } });
    const campaign = await first.campaigns.createCampaign(ownerCtx, account.graphId, { name: "C", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const second = await store.open(clock);

    for (let round = 0; round < 3; round++) {
      const sets = [];
      for (let i = 0; i < 6; i++) sets.push(await first.adSets.createAdSet(ownerCtx, account.graphId, { campaign_id: campaign.id, name: `Set ${round}.${i}`, daily_budget: 10000 }));
      // Six raises of 2000 each at once: at most two fit in 5000.
      const results = await Promise.all(
        sets.map((set, i) =>
          (i % 2 === 0 ? first : second).adSets.updateAdSet(agencyCtx, set.id, { daily_budget: 12000 }).then(
            () => ({ ok: true as const }),
            (error: { code?: number; message?: string }) => ({ ok: false as const, code: error.code, message: String(error.message) }),
          ),
        ),
      );
      for (const result of results) {
        if (result.ok) continue;
        expect(result.code, result.message).toBe(200);
        expect(result.message).toContain("guardrail max_daily_new_spend = 5000");
      }
      expect(results.filter((r) => r.ok).length).toBe(2);
      const raised = (await Promise.all(sets.map((set) => first.adSets.getAdSet(ownerCtx, set.id)))).filter((set) => Number(set.daily_budget) === 12000);
      expect(raised.length).toBe(2);
      clock.t += 25 * 60 * 60 * 1000;
    }
  });
});

/** The budgets a chain using every change exactly once, starting at `start` and passing `valid` at each step, can end at. */
function chainEnds(start: number, changes: readonly (readonly [number, number])[], valid: (change: readonly [number, number]) => boolean): number[] {
  if (changes.length === 0) return [start];
  const out: number[] = [];
  changes.forEach((change, i) => {
    if (change[0] !== start || !valid(change)) return;
    out.push(...chainEnds(change[1], [...changes.slice(0, i), ...changes.slice(i + 1)], valid));
  });
  return out;
}
