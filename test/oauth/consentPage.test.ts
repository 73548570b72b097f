import * as client from "openid-client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { expectNoSeriousViolations, launchChromium, screenshot, seriousViolations } from "../console/browser.ts";
import { buildOAuthWorld, clientConfig, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

const WIDTHS = [1440, 375] as const;

/**
 * The sign-in and consent pages in Chromium at desktop and phone widths: no serious axe-core
 * violation, operable with the keyboard alone (visible focus, Space ticks, Enter allows), errors
 * announced; screenshots are written to dist/screenshots.
 */
describe("the consent page in a browser", () => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let browser: Browser;

  beforeAll(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    world = await buildOAuthWorld(hub, "browser");
    await hub.appRegistry.setReviewStatus(operatorContext(), world.app.id, "verified");
    // A second business of the person, and a Page it owns, so the page shows grouping.
    const second = await hub.businesses.createBusiness(principalContext("person", world.person.id), { name: "Northwind Outdoor" });
    await hub.assets.createAsset(principalContext("person", world.person.id), second.id, { type: "page", name: "Northwind on Facebook" });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await store?.cleanup();
  });

  async function authorizationUrl(): Promise<{ url: URL; state: string }> {
    const config = await clientConfig(world);
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: world.app.redirectUri,
      scope: "ads_read ads_management business_management pages_show_list",
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state,
    });
    return { url, state };
  }

  const check = async (page: Page, name: string, width: number) => {
    expectNoSeriousViolations(await seriousViolations(page), `${name} at ${width}px`);
    // Nothing scrolls sideways, even on a phone.
    expect(await page.locator("html").evaluate((el) => el.scrollWidth <= (el.ownerDocument.defaultView?.innerWidth ?? 0))).toBe(true);
    await screenshot(page, `oauth-${name}-${width}`);
  };

  for (const width of WIDTHS) {
    it(`signs in and consents with the keyboard alone at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const { url, state } = await authorizationUrl();
      await page.goto(url.toString());
      await page.getByRole("heading", { name: "Sign in to connect Report Tool" }).waitFor();
      await check(page, "sign-in", width);
      await page.getByLabel("Email").fill(world.person.email);
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("email or password");
      await check(page, "sign-in-error", width);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByLabel("Password").press("Enter");

      await page.getByRole("heading", { name: "Report Tool wants to connect to your account" }).waitFor();
      await expect.poll(() => page.getByText("Verified partner").isVisible()).toBe(true);
      await check(page, "consent", width);
      // Every scope in plain words with whether it only reads, grouped under view and change.
      await expect.poll(() => page.getByRole("checkbox", { name: /See your ad accounts' campaigns, ads and results.*read only/ }).isChecked()).toBe(true);
      await expect.poll(() => page.getByRole("checkbox", { name: /Create, change and pause campaigns.*read and change/ }).isChecked()).toBe(true);
      // Businesses and assets, grouped by business.
      const acme = page.getByRole("group", { name: /Advertiser browser/ });
      expect(await acme.getByRole("checkbox", { name: /The business itself/ }).count()).toBe(1);
      expect(await acme.getByRole("checkbox", { name: /Account A/ }).count()).toBe(1);
      expect(await page.getByRole("group", { name: /Northwind Outdoor/ }).getByRole("checkbox", { name: /Northwind on Facebook/ }).count()).toBe(1);

      // Allow with nothing picked: an error, announced, the choices kept.
      await page.getByRole("checkbox", { name: /See the list of Pages you manage/ }).uncheck();
      await page.getByRole("button", { name: "Allow" }).press("Enter");
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("Choose at least one business or asset");
      expect(await page.getByRole("checkbox", { name: /See the list of Pages you manage/ }).isChecked()).toBe(false);
      await check(page, "consent-error", width);

      // Keyboard only: Tab to Account A, see the focus ring, tick it with Space, then Tab to Allow and press Enter.
      const accountA = page.getByRole("checkbox", { name: /Account A/ });
      await page.locator("body").focus();
      for (let i = 0; i < 40 && !(await accountA.evaluate((el) => el === el.ownerDocument.activeElement)); i++) await page.keyboard.press("Tab");
      expect(await accountA.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
      const ring = await accountA.evaluate((el) => {
        const style = el.ownerDocument.defaultView!.getComputedStyle(el);
        return `${style.outlineStyle} ${style.outlineWidth}`;
      });
      expect(ring).toBe("solid 3px");
      await page.keyboard.press("Space");
      expect(await accountA.isChecked()).toBe(true);
      const allow = page.getByRole("button", { name: "Allow" });
      for (let i = 0; i < 40 && !(await allow.evaluate((el) => el === el.ownerDocument.activeElement)); i++) await page.keyboard.press("Tab");
      // The redirect back to the app (nothing listens there; the browser may refuse the port).
      const redirected = page.waitForResponse((r) => (r.headers().location ?? "").startsWith(world.app.redirectUri));
      await page.keyboard.press("Enter");
      const back = new URL((await redirected).headers().location!);
      expect(back.searchParams.get("state")).toBe(state);
      expect(back.searchParams.get("code")).toBeTruthy();
      await context.close();
    }, 60_000);
  }
});
