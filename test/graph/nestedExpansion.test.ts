import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

type Row = Record<string, any>;
type Owner = Awaited<ReturnType<typeof bootstrapBusiness>>;

const DAY = 24 * 60 * 60 * 1000;
const ADSETS = "adsets.limit(2){name,status,insights.date_preset(last_7d){spend,impressions}}";

/** The body without paging links, which carry the caller's own token. */
function withoutLinks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLinks);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "next" && key !== "previous").map(([key, inner]) => [key, withoutLinks(inner)]));
}

/**
 * `campaigns{adsets{insights}}` and deeper: every item's edge is read with the other items' in one
 * query per level, and must answer exactly what the edge answers read on its own, to whoever may read it.
 */
describe.each(DIALECTS)("nested expansion of ad sets and insights on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Owner;
  let agency: Owner;
  let stranger: Owner;
  let ownerGraph: ReturnType<typeof graphClient>;
  let shared: string;
  let other: string;
  /** Campaign ids by account. */
  const campaignsOf = new Map<string, string[]>();
  /** Ad set names of the account not shared with the agency. */
  const otherNames: string[] = [];

  beforeAll(async () => {
    store = makeTestStore(dialect);
    const clock = new TestClock();
    hub = await store.open(clock);
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Nested Co");
    agency = await bootstrapBusiness(hub, "Nested Agency");
    stranger = await bootstrapBusiness(hub, "Stranger");
    ownerGraph = graphClient(server.url, owner.access_token);
    const op = operatorContext();
    const ads = adServicesOf(hub);
    const rows = [];
    for (const name of ["Shared", "Other"]) {
      const accountId = (await ownerGraph("POST", `/${owner.business_id}/adaccount`, { name, currency: "USD", timezone_id: 1 })).body.id as string;
      const creative = await buildCreative(ads, op, accountId);
      const campaigns: string[] = [];
      // Ad sets per campaign: none, fewer than the limit of 2, and more (paged); one campaign paused.
      for (const [c, count] of [0, 1, 3, 4, 2, 5].entries()) {
        const campaign = await buildCampaign(ads, op, accountId, { name: `${name} campaign ${c}`, status: c === 4 ? "PAUSED" : "ACTIVE" });
        campaigns.push(campaign.id);
        for (let s = 0; s < count; s++) {
          // A deleted ad set is left out of lists, as on Meta; one without delivery has no insights rows.
          const adSet = await buildAdSet(ads, op, accountId, campaign.id, { name: `${name} ad set ${c}.${s}`, status: s === 1 ? "PAUSED" : "ACTIVE" });
          if (name === "Other") otherNames.push(adSet.name);
          const ad = await buildAd(ads, op, accountId, adSet.id, creative.id, { status: "ACTIVE" });
          if (s !== 3) {
            for (let d = 1; d <= 7; d++) {
              rows.push({ ad_id: ad.id, date: new Date(clock.now() - d * DAY).toISOString().slice(0, 10), impressions: 100 * c + 10 * s + d, reach: 80, clicks: 3, link_clicks: 2, spend: 1000 + c * 7 + s, conversions: d % 2, revenue: 500 });
            }
          }
          if (s === 2) await hub.adSets.deleteAdSet(op, adSet.id);
        }
        // Objects made in one millisecond are ordered by id: the first pages must agree on it too.
        if (c % 2 === 1) clock.t += 1000;
      }
      campaignsOf.set(accountId, campaigns);
      if (name === "Shared") shared = accountId;
      else other = accountId;
    }
    await hub.insights.upsertDailyRows(rows);
    const assetId = shared.replace(/^act_/, "");
    await hub.partners.offer(principalContext("system_user", owner.system_user_id), { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
    await hub.assignments.assign(principalContext("system_user", agency.system_user_id), { assetId, principalId: agency.system_user_id, tasks: ["ANALYZE"], businessId: agency.business_id });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("answers each expanded edge as the edge read on its own: the account's own order, paging, insights", async () => {
    const nested = await ownerGraph("GET", `/${shared}/campaigns?fields=${encodeURIComponent(`name,${ADSETS}`)}`);
    expect(nested.status, JSON.stringify(nested.body)).toBe(200);
    const campaigns = nested.body.data as Row[];
    const flat = await ownerGraph("GET", `/${shared}/campaigns?fields=name`);
    expect(campaigns.map((c) => ({ id: c.id, name: c.name }))).toEqual(flat.body.data);
    expect(campaigns.map((c) => c.id).sort()).toEqual([...campaignsOf.get(shared)!].sort());

    // The account's own list of ad sets, read page by page without any expansion.
    const listed = await ownerGraph("GET", `/${shared}/adsets?fields=name,status,campaign_id&limit=100`);
    expect(listed.status).toBe(200);
    let paged = 0;
    for (const campaign of campaigns) {
      const own = (listed.body.data as Row[]).filter((s) => s.campaign_id === campaign.id);
      const edge = campaign.adsets as Row;
      expect(edge.data.map((s: Row) => ({ id: s.id, name: s.name, status: s.status }))).toEqual(own.slice(0, 2).map(({ campaign_id: _c, ...s }) => s));

      // The edge read on its own answers the same page, with the same cursors.
      const direct = await ownerGraph("GET", `/${campaign.id}/adsets?fields=${encodeURIComponent("name,status,insights.date_preset(last_7d){spend,impressions}")}&limit=2`);
      expect(direct.status).toBe(200);
      expect(withoutLinks(edge)).toEqual(withoutLinks(direct.body));
      expect(Boolean(edge.paging.next)).toBe(own.length > 2);
      if (own.length > 2) {
        // Its next page, and the way back from it, are read with cursors as any list is.
        paged++;
        const next = new URL(edge.paging.next as string);
        const second = await ownerGraph("GET", next.pathname + next.search);
        expect(second.status).toBe(200);
        expect(second.body.data.map((s: Row) => s.id)).toEqual(own.slice(2, 4).map((s) => s.id));
        const back = new URL(second.body.paging.previous as string);
        const first = await ownerGraph("GET", back.pathname + back.search);
        expect(first.body.data).toEqual(edge.data);
      }
      for (const adSet of edge.data as Row[]) {
        const insights = await ownerGraph("GET", `/${adSet.id}/insights?date_preset=last_7d&fields=spend,impressions`);
        expect(insights.status).toBe(200);
        expect(adSet.insights).toEqual(insights.body);
      }
    }
    expect(paged).toBeGreaterThan(1);
    // Every ad set delivered except the ones made without delivery.
    const withInsights = campaigns.flatMap((c) => c.adsets.data as Row[]).filter((s) => s.insights.data.length > 0);
    expect(withInsights.length).toBeGreaterThan(4);
    expect(withInsights.every((s) => Number(s.insights.data[0].impressions) > 0)).toBe(true);
  });

  it("answers one level deeper, across accounts, as each account's own request does", async () => {
    const deep = await ownerGraph("GET", `/${owner.business_id}/owned_ad_accounts?fields=${encodeURIComponent(`name,campaigns{name,${ADSETS}}`)}`);
    expect(deep.status, JSON.stringify(deep.body)).toBe(200);
    const accounts = deep.body.data as Row[];
    expect(accounts.map((a) => a.id).sort()).toEqual([shared, other].sort());
    for (const account of accounts) {
      const own = await ownerGraph("GET", `/${account.id}/campaigns?fields=${encodeURIComponent(`name,${ADSETS}`)}`);
      expect(withoutLinks(account.campaigns.data)).toEqual(withoutLinks(own.body.data));
    }
  });

  it("shows a partner with one account exactly that account, and nothing of the other", async () => {
    const partner = graphClient(server.url, agency.access_token);
    const fields = encodeURIComponent(`name,${ADSETS}`);
    const mine = await partner("GET", `/${shared}/campaigns?fields=${fields}`);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    const owners = await ownerGraph("GET", `/${shared}/campaigns?fields=${fields}`);
    expect(withoutLinks(mine.body)).toEqual(withoutLinks(owners.body));

    // Through the partner's own business: the shared account alone, expanded as the owner sees it.
    const clients = await partner("GET", `/${agency.business_id}/client_ad_accounts?fields=${encodeURIComponent(`name,campaigns{name,${ADSETS}}`)}`);
    expect(clients.status, JSON.stringify(clients.body)).toBe(200);
    expect((clients.body.data as Row[]).map((a) => a.id)).toEqual([shared]);
    expect(withoutLinks(clients.body.data[0].campaigns.data)).toEqual(withoutLinks(owners.body.data));

    // The other account, its campaigns and their edges do not exist for the partner, as for a stranger.
    const hiddenCampaign = campaignsOf.get(other)![1]!;
    for (const path of [`/${other}/campaigns?fields=${fields}`, `/${hiddenCampaign}?fields=${fields}`, `/${hiddenCampaign}/adsets?fields=name`, `/?ids=${campaignsOf.get(shared)![1]},${hiddenCampaign}&fields=${fields}`]) {
      for (const caller of [partner, graphClient(server.url, stranger.access_token)]) {
        const refused = await caller("GET", path);
        expect(refused.status, path).toBe(400);
        expect(refused.body.error, path).toMatchObject({ code: 100 });
        const text = JSON.stringify(refused.body);
        expect(otherNames.some((name) => text.includes(name)), path).toBe(false);
      }
    }
  });

  it("reads the store as often for six campaigns as for two, with names and breakdowns too", async () => {
    const executor = hub.store.db.getExecutor();
    const reads = vi.spyOn(executor, "executeQuery");
    const count = async (limit: number, adSets: string) => {
      const url = `/${shared}/campaigns?limit=${limit}&fields=${encodeURIComponent(`name,${adSets}`)}`;
      // Once to fill the caches that outlive a request (token, account), then counted.
      expect((await ownerGraph("GET", url)).status).toBe(200);
      reads.mockClear();
      const response = await ownerGraph("GET", url);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.data).toHaveLength(limit);
      return reads.mock.calls.length;
    };
    try {
      for (const adSets of [ADSETS, "adsets{name,insights.date_preset(last_7d).breakdowns(age){spend,adset_name,campaign_name,optimization_goal}}"]) {
        const two = await count(2, adSets);
        expect(two).toBeGreaterThan(0);
        expect(await count(6, adSets), adSets).toBe(two);
      }
    } finally {
      reads.mockRestore();
    }
  });
});
