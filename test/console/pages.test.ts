import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemoWorld, type DemoWorld } from "../../src/demo/demoWorld.ts";
import { localDate } from "../../src/hub/ads/adTime.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { ensureConsoleBuilt, expectAccessible, launchChromium, screenshot, sessionToken, signIn, signInWithToken } from "./browser.ts";

const WIDTHS = [1440, 375] as const;

/**
 * Every main page of the console on the demo world, at desktop and phone widths: it renders its
 * content (not an error), axe-core finds no serious or critical violation, and a screenshot is
 * written to dist/screenshots.
 */
describe("console pages: content, accessibility and screenshots", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let browser: Browser;
  let demo: DemoWorld;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    demo = await seedDemoWorld(hub, "http://127.0.0.1:9");
    await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).backfill(14, { seed: 7 });
    server = await startServer(hub);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  const check = async (page: Page, name: string, width: number) => {
    expect(await page.getByRole("alert").count(), `${name} shows an error`).toBe(0);
    await expectAccessible(page, name, width);
  };

  for (const width of WIDTHS) {
    it(`owner pages at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const acme = demo.advertiser.id;
      const account = demo.assets.find((a) => a.type === "ad_account")!;
      await page.goto(`${server.url}/console/login`);
      await check(page, "sign-in", width);
      await signIn(page, server.url, "alice@acme.example", DEMO_PASSWORD);
      await page.getByTestId("business-id").waitFor();
      await check(page, "business-info", width);
      // The copy button draws its icon (a font glyph showed as an empty box).
      const copyIcon = page.getByRole("button", { name: /^Copy / }).first().locator("svg");
      expect((await copyIcon.boundingBox())?.width ?? 0).toBeGreaterThan(8);

      const visit = async (path: string, heading: string, ready: string, name: string) => {
        await page.goto(`${server.url}/console/b/${acme}/${path}`);
        await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
        await page.getByText(ready, { exact: true }).first().waitFor();
        await check(page, name, width);
      };
      await visit("people", "People", "Bob Buyer", "people");
      await visit("system-users", "System users", "Acme API", "system-users");
      await visit("partners", "Partners", "Northwind Media", "partners");
      await visit(`partners/${demo.agency.id}`, "Northwind Media", "Acme Main", "partner-detail");
      await visit("requests", "Requests", "Sent (1)", "requests");
      await visit("assets", "Assets", "Acme Spring Creative", "assets");
      await visit(`assets/ad_account/${account.graphId}`, "Acme Main", "Who can access this and how", "asset-ad-account");
      // 14 days were simulated up to yesterday, UTC; the chart shows every day up to today in the
      // account's own calendar, so all 14 whatever its time zone.
      await page.getByRole("img", { name: /Daily spend and clicks over 14 days/ }).waitFor();
      await page.getByText("Sam Specialist").first().waitFor();
      await check(page, "asset-ad-account-loaded", width);
      await visit("security/audit", "Audit log", "Verify the chain", "audit-log");
      await page.getByRole("button", { name: "Verify the chain" }).click();
      await page.getByText("The audit log is intact").waitFor();
      // An entry's time is its date over its time of day, two lines at most, at any width.
      const when = page.getByRole("table", { name: "Audit entries" }).locator("time").first();
      const lineHeight = await when.evaluate((el) => parseFloat((globalThis as any).getComputedStyle(el).lineHeight) || 20);
      expect((await when.boundingBox())!.height).toBeLessThan(lineHeight * 2.5);
      // A table wider than a phone says it scrolls sideways.
      if (width === 375) await page.getByText("Scroll sideways to see all columns →").first().waitFor();

      // Keyboard: after navigation focus is on the new page's heading, the next Tab reaches its
      // first control, and the skip link moves focus to the content.
      await page.goto(`${server.url}/console/b/${acme}/partners`);
      await page.getByRole("heading", { name: "Partners", level: 2 }).waitFor();
      const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string);
      await expect.poll(focused).toBe("Partners");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("Add partner");
      await page.getByRole("link", { name: "Skip to content" }).focus();
      await page.keyboard.press("Enter");
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe("main");

      await page.getByRole("button", { name: "Add partner" }).click();
      await page.getByRole("textbox", { name: "Partner's Business ID" }).fill("1");
      await page.getByRole("button", { name: "Find business" }).click();
      await page.getByText("No business has the ID 1").waitFor();
      await screenshot(page, `add-partner-error-${width}`);
      await context.close();
    }, 240_000);
  }

  it("the delivery chart shows a day just simulated with `sim advance`", async () => {
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).advance(1);
    // The new day is today, UTC: in the chart unless the account's calendar is still on yesterday.
    const { timezone_name: zone } = await hub.store.db.selectFrom("ad_accounts").select("timezone_name").where("asset_id", "=", account.id).executeTakeFirstOrThrow();
    const days = localDate(Date.now(), zone) >= localDate(Date.now(), "UTC") ? 15 : 14;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.url, "alice@acme.example", DEMO_PASSWORD);
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/assets/ad_account/${account.graphId}`);
    await page.getByRole("img", { name: new RegExp(`Daily spend and clicks over ${days} days`) }).waitFor();
    await context.close();
  }, 120_000);

  it("agency pages at 375px, signed in with an access token", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signInWithToken(page, server.url, await sessionToken(server.url, "nora@northwind.example", DEMO_PASSWORD));
    await page.goto(`${server.url}/console/b/${demo.agency.id}/requests`);
    await page.getByTestId("request-Acme Pixel").waitFor();
    await check(page, "agency-requests", 375);
    // The navigation folds behind a labelled button on a phone.
    await page.getByRole("button", { name: "Open navigation" }).click();
    await page.getByRole("link", { name: "Assets", exact: true }).click();
    await page.getByRole("table", { name: "Shared with this business" }).waitFor();
    await check(page, "agency-assets", 375);
    await context.close();
  }, 120_000);
});
