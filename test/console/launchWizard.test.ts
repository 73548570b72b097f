import crypto from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildServer } from "../../src/http/server.ts";
import { LOCAL_RECEIVERS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { graphClient } from "../support/servers.ts";
import { buildSignInBusiness, ensureConsoleBuilt, expectAccessible, launchChromium, signIn } from "./browser.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

const CREATIVES = ["Tent", "Boots", "Stove", "Lamp", "Pack"];
const AUDIENCES: [string, number, number][] = [
  ["18-24", 18, 24],
  ["25-34", 25, 34],
  ["35-44", 35, 44],
  ["45-54", 45, 54],
];

/** A small spec as someone pastes it (the CLI's format); its creatives are not the other test's, which the account would reuse by name. */
const PHONE_SPEC = `campaign: { name: Phone launch, objective: OUTCOME_TRAFFIC }
ad_set: { daily_budget: 1500, targeting: { geo_locations: { countries: [US] } } }
audiences: [{ name: Everyone, targeting: { age_min: 18 } }]
creatives:
  - { name: Lantern, title: Lantern sale, link_url: "https://shop.example.test/lantern" }
  - { name: Stool, title: Stool sale, link_url: "https://shop.example.test/stool" }
`;

/**
 * The bulk launch wizard in headless Chromium against a running hub: a person fills the form for 5
 * creatives × 4 audiences × 2 placements, sees the plan of 40 ads, runs it with the server's
 * progress, sees the 40 created — and the hub has them — then plans again and is told there is
 * nothing to create; the pasted-YAML path says the same at a phone's width.
 */
describe("console: Launch ads", () => {
  let store: TestStore;
  let hub: Grantline;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let account: { id: string; graphId: string };
  let token: string;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    const ctx = principalContext("person", owner.admin.id);
    account = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme Main", adAccount: { currency: "USD", timezoneName: "UTC" } });
    // Autopilot's access: a system user of the advertiser reaching the one account, as a partner tool gets.
    const systemUser = await hub.businesses.createSystemUser(ctx, owner.id, { name: "Autopilot access", role: "EMPLOYEE" });
    await hub.assignments.assign(ctx, { assetId: account.id, principalId: systemUser.id, tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] });
    token = (await hub.tokens.issueSystemUserToken(ctx, systemUser.id, { scopes: ["ads_read", "ads_management"] })).accessToken;
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), http: new OutboundHttp(LOCAL_RECEIVERS) });
    app = await buildServer(hub, { logLevel: "silent", autopilot: { autopilot, host: hostFromHub(hub) } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const workspace = await autopilot.workspaces.create("Acme", owner.id);
    await autopilot.workspaces.connect(workspace.id, { graphUrl: url, accessToken: token, adAccountId: account.graphId, scopes: ["ads_read", "ads_management"] });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.cleanup();
  });

  const check = expectAccessible;
  const openWizard = async (page: Page) => {
    await signIn(page, url, owner.admin.email);
    await page.goto(`${url}/console/b/${owner.id}/autopilot`);
    await page.getByRole("heading", { name: "Autopilot", level: 2 }).waitFor();
    await page.getByRole("button", { name: "Launch ads" }).click();
    await page.getByRole("heading", { name: "Launch ads", level: 3 }).waitFor();
  };
  const box = (page: Page, name: string) => page.getByRole("textbox", { name, exact: true });
  /** The campaign's ads as the Graph lists them. */
  const liveAds = async () => {
    const graph = graphClient(url, token);
    const campaigns = (await graph("GET", `/${account.graphId}/campaigns?fields=id,name&limit=100`)).body.data as { id: string; name: string }[];
    const ads: string[] = [];
    for (const c of campaigns.filter((c) => c.name === "Spring launch")) ads.push(...((await graph("GET", `/${c.id}/ads?fields=id&limit=100`)).body.data as { id: string }[]).map((a) => a.id));
    return ads;
  };

  it("fills 5 creatives × 4 audiences × 2 placements, sees 40 ads planned, launches them with progress, and a second plan has nothing to create", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await openWizard(page);

    await box(page, "Campaign name").fill("Spring launch");
    await box(page, "Daily budget per ad set").fill("20");
    for (const [i, name] of CREATIVES.entries()) {
      if (i > 0) await page.getByRole("button", { name: "Add creative" }).click();
      await box(page, `Creative ${i + 1} name`).fill(name);
      await box(page, `Creative ${i + 1} title`).fill(`${name} sale`);
      await box(page, `Creative ${i + 1} body`).fill("Ready for spring.");
      await box(page, `Creative ${i + 1} link`).fill(`https://shop.example.test/${name.toLowerCase()}`);
    }
    for (const [i, [name, min, max]] of AUDIENCES.entries()) {
      if (i > 0) await page.getByRole("button", { name: "Add audience" }).click();
      await box(page, `Audience ${i + 1} name`).fill(name);
      await box(page, `Audience ${i + 1} youngest age`).fill(String(min));
      await box(page, `Audience ${i + 1} oldest age`).fill(String(max));
    }
    await box(page, "Placement 1 name").fill("Feeds");
    const platforms = (i: number) => page.getByRole("group", { name: `Placement ${i} platforms` });
    await platforms(1).getByRole("checkbox", { name: "Facebook" }).check();
    await platforms(1).getByRole("checkbox", { name: "Instagram" }).check();
    await page.getByRole("button", { name: "Add placement" }).click();
    await box(page, "Placement 2 name").fill("Stories");
    await platforms(2).getByRole("checkbox", { name: "Instagram" }).check();
    // The server's limit is on the form: 40 of at most 250.
    expect(await page.getByTestId("launch-ad-count").textContent()).toBe("40 ads (5 × 1 × 4 × 2); one launch makes at most 250.");
    await check(page, "launch-spec", 1440);

    await page.getByRole("button", { name: "Show the plan" }).click();
    const toCreate = page.getByTestId("launch-to-create");
    await toCreate.waitFor();
    expect(await toCreate.textContent()).toContain("To create: 1 campaign, 5 creatives, 8 ad sets and 40 ads.");
    expect(await page.getByTestId("launch-plan-summary").textContent()).toBe(`Campaign “Spring launch” (Sales) in ${account.graphId}: 8 ad sets, 40 ads, 5 creatives.`);
    await page.getByRole("table", { name: "Planned ad sets" }).getByRole("cell", { name: "Spring launch – 35-44 – Stories", exact: true }).waitFor();
    expect(await page.getByRole("table", { name: "Planned ads" }).getByRole("row").count()).toBe(41);
    expect(await liveAds()).toEqual([]);
    await check(page, "launch-plan", 1440);

    // The progress bar's readings, recorded as the page shows them.
    // A string, as it runs in the page (the test's own types have no DOM).
    await page.evaluate(`
      globalThis.launchProgressSeen = [];
      new MutationObserver(() => {
        const text = document.querySelector('[role="progressbar"]')?.getAttribute("aria-valuetext");
        if (text && globalThis.launchProgressSeen.at(-1) !== text) globalThis.launchProgressSeen.push(text);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    `);
    // A double click sends one launch.
    await page.getByRole("button", { name: "Launch", exact: true }).dblclick();
    const result = page.getByTestId("launch-result");
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toBe(`LaunchedCreated 1 campaign, 5 creatives, 8 ad sets and 40 ads in ${account.graphId}.`);
    const seen = ((await page.evaluate("globalThis.launchProgressSeen")) as string[]).filter((t) => /^\d+ of \d+$/.test(t));
    expect(seen.length).toBeGreaterThan(0);
    const created = page.getByRole("table", { name: "Created objects" });
    expect(await created.getByRole("row").count()).toBe(1 + 1 + 5 + 8 + 40);
    const ads = await liveAds();
    expect(ads).toHaveLength(40);
    await created.getByRole("cell", { name: ads[0]!, exact: true }).waitFor();
    await check(page, "launch-result", 1440);

    await page.getByRole("button", { name: "Plan this spec again" }).click();
    await page.getByTestId("launch-nothing").waitFor();
    expect(await page.getByRole("button", { name: "Launch", exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole("table", { name: "Planned ads" }).getByText(/^exists \(\d+\)$/).count()).toBe(40);
    await check(page, "launch-nothing", 1440);
    expect(await liveAds()).toHaveLength(40);
    await context.close();
  }, 240_000);

  it("at a phone's width, a pasted spec is planned, launched and then has nothing left to create; bad input is named", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await openWizard(page);
    await page.getByRole("button", { name: "Show the plan" }).click();
    await page.getByText("Name the campaign.").waitFor();
    await check(page, "launch-spec", 375);

    await page.getByText("Paste YAML or JSON").click();
    await box(page, "Launch spec").fill("campaign: {name: X}\naudiences: []\n");
    await page.getByRole("button", { name: "Show the plan" }).click();
    await page.getByRole("alert").getByText(/^Invalid launch spec: campaign\.objective: .*; audiences: .*; creatives: /).waitFor();
    await box(page, "Launch spec").fill(PHONE_SPEC);
    await page.getByRole("button", { name: "Show the plan" }).click();
    await page.getByTestId("launch-to-create").getByText(/To create: 1 campaign, 2 creatives, 1 ad set and 2 ads\./).waitFor();
    await check(page, "launch-plan", 375);
    await page.getByRole("button", { name: "Launch", exact: true }).click();
    await page.getByTestId("launch-result").getByText(`Created 1 campaign, 2 creatives, 1 ad set and 2 ads in ${account.graphId}.`).waitFor({ timeout: 60_000 });
    await check(page, "launch-result", 375);
    await page.getByRole("button", { name: "Plan this spec again" }).click();
    await page.getByTestId("launch-nothing").waitFor();
    await check(page, "launch-nothing", 375);
    await context.close();
  }, 120_000);
});
