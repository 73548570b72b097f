import crypto from "node:crypto";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { Autopilot, type AutopilotOptions } from "../../src/autopilot/app/autopilot.ts";
import type { AutopilotAlert } from "../../src/autopilot/app/alerts.ts";
import type { PlannerPlan, PlanItem, Planner } from "../../src/autopilot/app/planner.ts";
import type { AutopilotHost } from "../../src/autopilot/app/host.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { adServicesOf, buildAd, buildAdSet, buildBusiness, buildCampaign, buildCreative, type TestBusiness } from "../support/factories.ts";
import { LOCAL_RECEIVERS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { startGraphProxy } from "../support/graphProxy.ts";
import type { Dialect } from "../../src/store/database.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/** The engine's stand-in for tests: proposes exactly the items it is given, with these notes. */
export const planning = (items: PlanItem[], notes: string[] = []): Planner => () => ({ items, notes }) satisfies PlannerPlan;

/** A planner item raising (or lowering) an ad set's daily budget, with the evidence the engine would give. */
export const budgetItem = (adSetId: string, name: string, from: number, to: number): PlanItem => ({
  kind: "change_budget",
  change: { objectType: "adset", objectId: adSetId, objectName: name, field: "daily_budget", old: String(from), new: String(to) },
  reason: "its CPA $18 is 28% under your $25 target over 7 days, 64 conversions",
  evidence: { cpa: 18, target: 25, conversions: 64, days: 7 },
  expectedEffect: "about 8 more purchases a week at a similar CPA",
});

export interface AutopilotWorld {
  store: TestStore;
  hub: Grantline;
  clock: TestClock;
  server: RunningServer;
  advertiser: TestBusiness;
  /** The account Autopilot is given. */
  account: { id: string; graphId: string };
  /** Another account of the same advertiser that Autopilot's token does not reach. */
  otherAccount: { id: string; graphId: string };
  campaign: { id: string };
  adSets: { id: string; name: string }[];
  ads: { id: string; adSetId: string }[];
  /** The creative every ad of the world uses. */
  creativeId: string;
  otherAdSet: { id: string };
  /** Autopilot's own business and its registered app. */
  autopilotBusinessId: string;
  /** The ADMIN system user of Autopilot's own business. */
  autopilotSystemUserId: string;
  appId: string;
  /** A token of the advertiser's system user, issued for Autopilot's app, reaching only `account`. */
  token: string;
  alerts: AutopilotAlert[];
  /** Autopilot's host in the hub's process, on the world's market (no random disapprovals). */
  host: AutopilotHost;
  autopilot(options?: Partial<AutopilotOptions>): Autopilot;
  close(): Promise<void>;
}

/**
 * A hub listening on loopback with an advertiser ("Summer Sale" campaign, two ad sets of two ads),
 * simulated history, and Autopilot registered as an app of its own business, connected through a
 * token of the advertiser's system user that reaches one ad account only.
 */
export async function buildAutopilotWorld(
  dialect: Dialect,
  options: { days?: number; seed?: number; /** Each of the two ad sets' daily budget, in cents (50.00 a day unless given). */ dailyBudget?: number; linkUrl?: string; start?: number; timeZone?: string; /** Ads delivering in the other account's ad set too (its history). */ otherAds?: number } = {},
): Promise<AutopilotWorld> {
  const store = makeTestStore(dialect);
  const clock = new TestClock(options.start ?? Date.UTC(2026, 5, 15, 12));
  const hub = await store.open(clock);
  const advertiser = await buildBusiness(hub, "Acme Outdoor");
  const ctx = advertiser.admin.ctx;
  const account = await hub.assets.createAsset(ctx, advertiser.id, { type: "ad_account", name: "Acme Main", adAccount: { currency: "USD", timezoneName: options.timeZone ?? "UTC" } });
  const otherAccount = await hub.assets.createAsset(ctx, advertiser.id, { type: "ad_account", name: "Acme Other", adAccount: { currency: "USD", timezoneName: "UTC" } });
  const services = adServicesOf(hub);
  const campaign = await buildCampaign(services, ctx, account.graphId, { name: "Summer Sale", status: "ACTIVE" });
  const creative = await buildCreative(services, ctx, account.graphId, options.linkUrl ? { link_url: options.linkUrl } : {});
  const adSets = [];
  const ads = [];
  for (const name of ["Summer Sale – Lookalike", "Summer Sale – Interests"]) {
    const adSet = await buildAdSet(services, ctx, account.graphId, campaign.id, { name, status: "ACTIVE", daily_budget: options.dailyBudget ?? 5000 });
    adSets.push({ id: adSet.id, name });
    for (const n of [1, 2]) {
      const ad = await buildAd(services, ctx, account.graphId, adSet.id, creative.id, { name: `${name} ad ${n}`, status: "ACTIVE" });
      ads.push({ id: ad.id, adSetId: adSet.id });
    }
  }
  const otherCampaign = await buildCampaign(services, ctx, otherAccount.graphId, { name: "Other", status: "ACTIVE" });
  const otherAdSet = await buildAdSet(services, ctx, otherAccount.graphId, otherCampaign.id, { name: "Other ad set", status: "ACTIVE", daily_budget: 5000 });
  if (options.otherAds) {
    const otherCreative = await buildCreative(services, ctx, otherAccount.graphId, options.linkUrl ? { link_url: options.linkUrl } : {});
    for (let n = 1; n <= options.otherAds; n++) await buildAd(services, ctx, otherAccount.graphId, otherAdSet.id, otherCreative.id, { name: `Other ad ${n}`, status: "ACTIVE" });
  }
  await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).backfill(options.days ?? 30, { seed: options.seed ?? 7 });

  // Autopilot registers itself as an app of its own business.
  const own = await bootstrapBusiness(hub, "Autopilot Inc");
  const app = await hub.apps.createApp(principalContext("system_user", own.system_user_id), own.business_id, "Autopilot");
  // The advertiser gives it a system user reaching only the main account, with a token for the app.
  const systemUser = await hub.businesses.createSystemUser(ctx, advertiser.id, { name: "Autopilot access", role: "EMPLOYEE" });
  await hub.assignments.assign(ctx, { assetId: account.id, principalId: systemUser.id, tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] });
  const issued = await hub.tokens.issueSystemUserToken(ctx, systemUser.id, { scopes: ["ads_read", "ads_management"], appId: app.id });

  const server = await startServer(hub);
  const alerts: AutopilotAlert[] = [];
  const key = crypto.randomBytes(32);
  const host = hostFromHub(hub, { simulation: { disapprovalDailyHazard: 0 } });
  return {
    store,
    hub,
    clock,
    server,
    advertiser,
    account: { id: account.id, graphId: account.graphId },
    otherAccount: { id: otherAccount.id, graphId: otherAccount.graphId },
    campaign: { id: campaign.id },
    adSets,
    ads,
    creativeId: creative.id,
    otherAdSet: { id: otherAdSet.id },
    autopilotBusinessId: own.business_id,
    autopilotSystemUserId: own.system_user_id,
    appId: app.id,
    token: issued.accessToken,
    alerts,
    host,
    autopilot: (overrides = {}) =>
      new Autopilot({
        db: autopilotDb(hub.store.db),
        now: clock.now,
        secretKey: key,
        // Alerts go through the notification service for real; the list only lets tests see what was raised.
        alerts: async (alert) => {
          alerts.push(alert);
          return host.raiseAlert(alert);
        },
        // "Simulate impact" forks the hub's own simulated market.
        simulator: host.forecast,
        market: host.market,
        // The hub and the landing pages the tests check listen on 127.0.0.1.
        http: new OutboundHttp(LOCAL_RECEIVERS),
        ...overrides,
      }),
    async close() {
      await server.close();
      await store.cleanup();
    },
  };
}

/** 5 creatives × 4 audiences × 2 placements: 8 ad sets of 5 ads, 40 ads. */
export const LAUNCH_SPEC = `
campaign:
  name: Spring launch
  objective: OUTCOME_SALES
  status: ACTIVE
ad_set:
  daily_budget: 2000
  optimization_goal: OFFSITE_CONVERSIONS
  targeting: { geo_locations: { countries: [US] } }
audiences:
  - { name: "18-24", targeting: { age_min: 18, age_max: 24 } }
  - { name: "25-34", targeting: { age_min: 25, age_max: 34 } }
  - { name: "35-44", targeting: { age_min: 35, age_max: 44 } }
  - { name: "45-54", targeting: { age_min: 45, age_max: 54 } }
placements:
  - { name: Feeds, targeting: { publisher_platforms: [facebook, instagram] } }
  - { name: Stories, targeting: { publisher_platforms: [instagram] } }
creatives:
${["Tent", "Boots", "Stove", "Lamp", "Pack"].map((n) => `  - { name: ${n}, title: "${n} sale", body: "Ready for spring.", link_url: "https://shop.example.test/${n.toLowerCase()}", call_to_action_type: SHOP_NOW }`).join("\n")}
`;

/**
 * A proxy that lets a test make the Graph refuse one kind of request: `failOn(method, path, n)`
 * answers the nth matching request (validate-only checks not counted) with a Graph error.
 */
export async function startFaultyProxy(target: string) {
  let rule: { method: string; path: RegExp; nth: number; seen: number } | undefined;
  const refusal = { error: { message: "(#1487390) Adcreative Create Failed", type: "OAuthException", code: 100, error_subcode: 1487390, fbtrace_id: "x" } };
  const proxy = await startGraphProxy(target, {
    before: ({ method, url, body }) =>
      rule && method === rule.method && rule.path.test(url) && !body.toString("utf8").includes("validate_only") && ++rule.seen === rule.nth
        ? { status: 400, contentType: "application/json", body: JSON.stringify(refusal) }
        : undefined,
  });
  return { ...proxy, failOn: (method: string, path: RegExp, nth: number) => void (rule = { method, path, nth, seen: 0 }) };
}
