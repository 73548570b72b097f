import crypto from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildServer } from "../../src/http/server.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { LOCAL_RECEIVERS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { buildSignInBusiness, ensureConsoleBuilt, expectAccessible, launchChromium, signIn } from "./browser.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/**
 * Autopilot's Creatives and Pilots tabs in headless Chromium against a running hub, on a simulated
 * market with two weeks of history: the standings name every ad and mark the one made today as in
 * test; a pilot is planned, started with a double click (one pilot), refused while it runs, stopped
 * only through the confirm dialog, and started again at a phone's width.
 */
describe("console: Autopilot creatives and pilots", () => {
  let store: TestStore;
  let hub: Grantline;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let autopilot: Autopilot;
  let workspaceId: string;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let main: { id: string; graphId: string };
  let other: { id: string; graphId: string };
  let idle: { id: string; graphId: string };
  const adIds: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    const ctx = principalContext("person", owner.admin.id);
    main = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme Main", adAccount: { currency: "USD", timezoneName: "UTC" } });
    other = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme Other", adAccount: { currency: "USD", timezoneName: "UTC" } });
    const services = adServicesOf(hub);
    const adSets: { id: string; account: string; creative: string }[] = [];
    for (const account of [main, other]) {
      const campaign = await buildCampaign(services, ctx, account.graphId, { name: account === main ? "Summer Sale" : "Evergreen", status: "ACTIVE" });
      const creative = await buildCreative(services, ctx, account.graphId);
      const names = account === main ? ["Summer Sale – Lookalike", "Summer Sale – Interests"] : ["Evergreen – Broad"];
      for (const name of names) {
        const adSet = await buildAdSet(services, ctx, account.graphId, campaign.id, { name, status: "ACTIVE", daily_budget: 5000 });
        adSets.push({ id: adSet.id, account: account.graphId, creative: creative.id });
        for (const n of [1, 2]) adIds.push((await buildAd(services, ctx, account.graphId, adSet.id, creative.id, { name: `${name} ad ${n}`, status: "ACTIVE" })).id);
      }
    }
    await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).backfill(14, { seed: 11 });
    // A new creative in the Lookalike ad set, made today, two weeks after the ad set began delivering.
    const lookalike = adSets[0]!;
    adIds.push((await buildAd(services, ctx, main.graphId, lookalike.id, lookalike.creative, { name: "Spring B", status: "ACTIVE" })).id);
    // An account whose only ad was made today: scanned, but nothing has delivered.
    idle = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme New", adAccount: { currency: "USD", timezoneName: "UTC" } });
    const idleCampaign = await buildCampaign(services, ctx, idle.graphId, { name: "Launch", status: "ACTIVE" });
    const idleAdSet = await buildAdSet(services, ctx, idle.graphId, idleCampaign.id, { name: "Launch – Broad", status: "ACTIVE", daily_budget: 5000 });
    adIds.push((await buildAd(services, ctx, idle.graphId, idleAdSet.id, (await buildCreative(services, ctx, idle.graphId)).id, { name: "Launch ad", status: "ACTIVE" })).id);

    // Autopilot's access: a system user of the advertiser reaching both accounts, as a partner tool gets.
    const systemUser = await hub.businesses.createSystemUser(ctx, owner.id, { name: "Autopilot access", role: "EMPLOYEE" });
    for (const account of [main, other, idle]) await hub.assignments.assign(ctx, { assetId: account.id, principalId: systemUser.id, tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] });
    const token = (await hub.tokens.issueSystemUserToken(ctx, systemUser.id, { scopes: ["ads_read", "ads_management"] })).accessToken;
    autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), http: new OutboundHttp(LOCAL_RECEIVERS) });
    app = await buildServer(hub, { logLevel: "silent", autopilot: { autopilot, host: hostFromHub(hub) } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const workspace = await autopilot.workspaces.create("Acme", owner.id);
    workspaceId = workspace.id;
    for (const account of [main, other, idle]) await autopilot.workspaces.connect(workspace.id, { graphUrl: url, accessToken: token, adAccountId: account.graphId, scopes: ["ads_read", "ads_management"] });
    await autopilot.scanAndPlan(workspace.id, { plan: false });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.cleanup();
  });

  const check = expectAccessible;

  /** Every request that is not a read, from the moment it is called. */
  function recordWrites(page: Page): string[] {
    const writes: string[] = [];
    page.on("request", (request: Request) => {
      if (!["GET", "HEAD", "OPTIONS"].includes(request.method())) writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    return writes;
  }

  for (const width of [1440, 375]) {
    it(`shows each ad set's creatives by name, with the ad made today in test, at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, url, owner.admin.email);
      await page.goto(`${url}/console/b/${owner.id}/autopilot`);
      await page.getByRole("navigation", { name: "Autopilot pages" }).getByRole("link", { name: "Creatives" }).click();
      await page.getByRole("heading", { name: "Autopilot creatives", level: 2 }).waitFor();

      const lookalike = page.getByRole("table", { name: "Creatives of Summer Sale – Lookalike" });
      const fresh = lookalike.getByRole("row", { name: /^Spring B In test/ });
      await fresh.waitFor();
      // Nothing delivered for it yet: no share of the spend, and the chance of being best is said in words.
      expect(await fresh.getByRole("cell").nth(1).textContent()).toBe("0%");
      expect(await fresh.getByRole("cell").last().textContent()).toMatch(/^(under 1%|\d+%): (very likely the best|likely the best|in the running|unlikely to be the best)$/);
      for (const n of [1, 2]) {
        const row = lookalike.getByRole("row", { name: new RegExp(`^Summer Sale – Lookalike ad ${n} active`) });
        await row.waitFor();
        expect(await row.getByText("In test").count()).toBe(0);
        // Click-through with its 80% interval: "1.23% (1.01%–1.45%)".
        expect(await row.getByRole("cell").nth(2).textContent()).toMatch(/^\d+\.\d\d% \(\d+\.\d\d%–\d+\.\d\d%\)$/);
      }
      await page.getByRole("table", { name: "Creatives of Summer Sale – Interests" }).waitFor();
      await page.getByRole("heading", { name: "Acme Other", level: 3 }).waitFor();
      await page.getByRole("table", { name: "Creatives of Evergreen – Broad" }).waitFor();
      // An account with nothing delivered says so instead of showing empty intervals.
      const newAccount = page.getByRole("region", { name: "Acme New" });
      await newAccount.getByText(/^No ads have delivered yet: standings need at least a day of delivery/).waitFor();
      expect(await newAccount.getByRole("table").count()).toBe(0);
      // Ads, ad sets and accounts go by their names: no bare id anywhere on the page.
      const text = (await page.locator("main").textContent()) ?? "";
      for (const id of [...adIds, main.graphId, other.graphId, idle.graphId]) expect(text).not.toContain(id);
      await check(page, "autopilot-creatives", width);
      await context.close();
    }, 120_000);
  }

  it("plans a pilot, starts it with a double click (one pilot), and shows it in the list at 1440px", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, url, owner.admin.email);
    const writes = recordWrites(page);
    await page.goto(`${url}/console/b/${owner.id}/autopilot/pilots`);
    await page.getByRole("heading", { name: "Autopilot pilots", level: 2 }).waitFor();
    await page.getByText("No pilots yet.").waitFor();
    await page.getByRole("button", { name: "Start a pilot" }).click();

    const runs = page.getByRole("group", { name: "Accounts Autopilot runs" });
    const holdout = page.getByRole("group", { name: "Holdout accounts (optional)" });
    // Nothing chosen and a length past the server's limit: both named, nothing sent.
    await page.getByRole("textbox", { name: "Days" }).fill("91");
    await page.getByRole("button", { name: "Review the plan" }).click();
    await page.getByText("Choose at least one account for Autopilot to run.").waitFor();
    await page.getByText("A pilot lasts from 1 to 90 days.").waitFor();
    await page.getByText(/^From 1 to 90 days, starting today/).waitFor();

    await runs.getByRole("checkbox", { name: "Acme Main" }).check();
    await page.getByRole("textbox", { name: "Days" }).fill("14");
    await holdout.getByRole("checkbox", { name: "Acme Other" }).check();
    // An account is a pilot account or a holdout, never both.
    expect(await holdout.getByRole("checkbox", { name: "Acme Main" }).isDisabled()).toBe(true);
    expect(await runs.getByRole("checkbox", { name: "Acme Other" }).isDisabled()).toBe(true);
    await check(page, "pilot-form", 1440);

    await page.getByRole("button", { name: "Review the plan" }).click();
    const plan = page.getByRole("table", { name: "What the pilot fixes" });
    await plan.waitFor();
    const fixed = async (what: string) => (await plan.getByRole("row", { name: new RegExp(`^${what}`) }).getByRole("cell").textContent()) ?? "";
    expect(await fixed("Accounts")).toBe("Acme Main");
    expect(await fixed("Holdout")).toBe("Acme Other");
    expect(await fixed("Dates")).toMatch(/^\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(14 days\)$/);
    expect(await fixed("Mode")).toBe("Semi-auto: Autopilot proposes, you approve each change");
    expect(await fixed("Guardrails")).toContain("Budget steps of at most");
    expect(await fixed("Baseline")).toMatch(/^The 90 days before it, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, from the latest scan$/);
    await check(page, "pilot-plan", 1440);
    expect(writes).toEqual([]);

    await page.getByRole("button", { name: "Start the pilot" }).dblclick();
    await page.getByTestId("pilot-started").getByText(/^Pilot started: Acme Main from /).waitFor();
    const list = page.getByRole("table", { name: "Pilots" });
    await list.getByRole("row", { name: /running .*Acme Main Acme Other/ }).waitFor();
    expect(await list.getByRole("row").count()).toBe(2);
    expect(writes).toEqual([`POST /autopilot/workspaces/${workspaceId}/pilots`]);
    expect((await autopilot.pilots.list(workspaceId)).map((p) => ({ status: p.status, accounts: p.accounts, holdout: p.holdout, days: p.days }))).toEqual([
      { status: "running", accounts: [main.graphId], holdout: [other.graphId], days: 14 },
    ]);
    await check(page, "pilots-started", 1440);
    await context.close();
  }, 120_000);

  it("at 375px: a second pilot is refused while one runs, Stop asks first, and a new pilot starts once it is stopped", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    const running = (await autopilot.pilots.list(workspaceId)).find((p) => p.status === "running") ?? (await autopilot.pilots.start(workspaceId, { accounts: [main.graphId], holdout: [other.graphId], days: 14 }));
    const before = (await autopilot.pilots.list(workspaceId)).length;
    await signIn(page, url, owner.admin.email);
    const writes = recordWrites(page);
    await page.goto(`${url}/console/b/${owner.id}/autopilot/pilots`);
    const list = page.getByRole("table", { name: "Pilots" });
    await list.getByRole("row", { name: /running/ }).waitFor();

    // The hub refuses a second pilot while one runs, and the console shows its answer.
    await page.getByRole("button", { name: "Start a pilot" }).click();
    await page.getByRole("group", { name: "Accounts Autopilot runs" }).getByRole("checkbox", { name: "Acme Other" }).check();
    await page.getByRole("button", { name: "Review the plan" }).click();
    await page.getByRole("button", { name: "Start the pilot" }).click();
    const refusal = page.getByRole("alert").filter({ hasText: "The pilot was not started" });
    await refusal.getByText(`Pilot ${running.id} is still running in Acme; stop it before starting another.`).waitFor();
    await check(page, "pilot-refused", 375);
    expect(writes).toEqual([`POST /autopilot/workspaces/${workspaceId}/pilots`]);

    // Stopping goes through the confirm dialog: nothing is sent until it is confirmed.
    const stop = list.getByRole("button", { name: `Stop the pilot of ${running.start_date} to ${running.end_date}` });
    expect(await stop.getAttribute("data-destructive")).toBe("pilot");
    await stop.click();
    const dialog = page.getByRole("dialog", { name: "Stop this pilot?" });
    await dialog.getByText(/^Autopilot stops running Acme Main as a pilot and stops leaving Acme Other alone\./).waitFor();
    await check(page, "pilot-stop-dialog", 375);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(writes).toHaveLength(1);
    await stop.click();
    await dialog.getByRole("button", { name: "Stop the pilot" }).click();
    await dialog.waitFor({ state: "detached" });
    await list.getByRole("row", { name: /stopped/ }).waitFor();
    expect(writes.slice(1)).toEqual([`POST /autopilot/workspaces/${workspaceId}/pilots/${running.id}/stop`]);

    // Now the plan still on the page goes through.
    await page.getByRole("button", { name: "Start the pilot" }).click();
    await page.getByTestId("pilot-started").getByText(/^Pilot started: Acme Other from /).waitFor();
    await list.getByRole("row", { name: /running/ }).waitFor();
    expect(await list.getByRole("row").count()).toBe(before + 2);
    const [newest, ...older] = await autopilot.pilots.list(workspaceId);
    expect(newest).toMatchObject({ status: "running", accounts: [other.graphId], holdout: [] });
    expect(older.find((p) => p.id === running.id)?.status).toBe("stopped");
    await check(page, "pilots-restarted", 375);
    await context.close();
  }, 120_000);
});
