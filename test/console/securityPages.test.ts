import fs from "node:fs";
import * as client from "openid-client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../src/auth/totp.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { DEMO_PASSWORD, seedDemoWorld, type DemoWorld } from "../../src/demo/demoWorld.ts";
import { raiseAlert } from "../../src/notify/raiseAlert.ts";
import { Browser as HttpBrowser } from "../auth/browser.ts";
import { connect } from "../oauth/oauthWorld.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { WebhookReceiver } from "../support/webhooks.ts";
import { buildSignInBusiness, choose, ensureConsoleBuilt, expectAccessible, expectNoSeriousViolations, launchChromium, PASSWORD, screenshot, seriousViolations } from "./browser.ts";

const WIDTHS = [1440, 375] as const;
const ALICE = "alice@acme.example";

/**
 * The console's Apps page, Security center (access review, campaigns, alerts, troubleshooter) and
 * two-factor screens on the demo world, in Chromium: each page at desktop and phone width with
 * axe-core and a screenshot, and the real effects of their buttons checked against the hub.
 */
describe("console security and app pages", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let browser: Browser;
  let demo: DemoWorld;
  let receiver: WebhookReceiver;
  let appToken: string;

  /** Alice connects "Report Tool" to Acme Main through the real OAuth flow: consent, code, token. */
  async function connectReportTool(): Promise<string> {
    const developer = await hub.businesses.createBusiness(operatorContext(), { name: "Tool Maker" });
    const redirectUri = "http://127.0.0.1:9/callback";
    const registered = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Report Tool", redirectUris: [redirectUri] });
    const secret = registered.clientSecret;
    const config = await client.discovery(new URL(server.url), registered.app.id, secret, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "ads_read ads_management",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    const result = await connect(new HttpBrowser(server.url), url, { email: ALICE, password: DEMO_PASSWORD, assets: [account.id] });
    if (!result.callback) throw new Error(`consent did not complete: ${result.status}`);
    const tokens = await client.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: verifier, expectedState: state });
    return tokens.access_token;
  }

  async function graphWithToken(path: string, token: string) {
    const response = await fetch(`${server.url}${path}${path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`);
    return { status: response.status, body: (await response.json()) as { error?: { code: number } } & Record<string, unknown> };
  }

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    demo = await seedDemoWorld(hub, "http://127.0.0.1:9");
    server = await startServer(hub);
    receiver = await new WebhookReceiver().start();
    appToken = await connectReportTool();
    await raiseAlert(hub, { businessId: demo.advertiser.id, kind: "partner_added", severity: "warning", title: "Northwind Media was given access to Acme Main", body: "Standard access, by Alice Advertiser.", dedupKey: "demo:partner", source: "security" });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
    await store?.cleanup();
  });

  async function signInAs(page: Page, email: string, password: string) {
    await page.goto(`${server.url}/console/login`);
    await page.getByRole("textbox", { name: "Email" }).fill(email);
    await page.locator("input[type=password]").and(page.getByLabel("Password")).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  const check = async (page: Page, name: string, width: number) => {
    expect(await page.getByRole("alert").count(), `${name} shows an error`).toBe(0);
    // Readable at this width: the page never needs sideways scrolling (wide tables scroll inside their own box).
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
    expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(width);
    await expectAccessible(page, name, width);
  };

  for (const width of WIDTHS) {
    it(`apps, security center and account pages at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const acme = demo.advertiser.id;
      const account = demo.assets.find((a) => a.type === "ad_account")!;
      await signInAs(page, ALICE, DEMO_PASSWORD);
      await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();

      const visit = async (path: string, heading: string) => {
        await page.goto(`${server.url}/console/${path}`);
        await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
      };

      await visit(`b/${acme}/apps`, "Apps and integrations");
      const row = page.getByTestId("app-Report Tool");
      await row.waitFor();
      for (const text of ["Not verified", "See your ad accounts' campaigns, ads and results", "Acme Main", "Alice Advertiser"]) await row.getByText(text).first().waitFor();
      await check(page, "apps", width);

      await visit("account/apps", "Connected apps");
      await page.getByTestId("app-Report Tool").waitFor();
      await check(page, "account-apps", width);

      await visit(`b/${acme}/assets/ad_account/${account.graphId}`, "Acme Main");
      await page.getByRole("table", { name: "Apps connected to this asset" }).getByText("Report Tool").waitFor();
      await check(page, "asset-connected-apps", width);

      await visit("account/two-factor", "Two-factor authentication");
      await page.getByRole("button", { name: "Set up two-factor authentication" }).waitFor();
      await check(page, "account-two-factor", width);

      // The review runs on request, showing progress, then lists findings with evidence and a fix each.
      await visit(`b/${acme}/security/review`, "Access review");
      // The console reads the review as the hub's progress stream, not a single silent call.
      const [stream] = await Promise.all([
        page.waitForResponse((r) => r.url().includes("/access_review_findings_stream")),
        page.getByRole("button", { name: "Run the access review" }).click(),
      ]);
      expect(stream.headers()["content-type"]).toMatch(/^application\/x-ndjson/);
      await page.getByText(/findings? over the last 90 days/).waitFor();
      await page.getByText("Access from outside").first().waitFor();
      await page.getByRole("button", { name: "Remove the app: Report Tool on Acme Main" }).first().waitFor();
      // Sam reaches Acme Main through Northwind's share: the fixes come narrowest first, his one
      // assignment before the whole share, each behind the confirmation naming who loses what.
      const samFixes = page.getByRole("button", { name: /: Sam Specialist on Acme Main$/ });
      await samFixes.first().waitFor();
      const samNames = await samFixes.evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label")));
      expect(samNames[0]).toBe("Remove the assignment: Sam Specialist on Acme Main");
      expect(samNames.at(-1)).toBe("End the share: Sam Specialist on Acme Main");
      await page.getByRole("list", { name: "Fixes, narrowest first:" }).first().waitFor();
      await check(page, "access-review", width);
      await samFixes.first().click();
      await expect.poll(() => page.getByRole("dialog").getByTestId("impact-summary").textContent()).toBe("Sam Specialist loses access to Acme Main.");
      await check(page, "access-review-narrowest-fix-dialog", width);
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      expect(hub.engine.tasksOf(demo.people.find((p) => p.name === "Sam Specialist")!.id, account.id).length).toBeGreaterThan(0);

      // Someone staffed for this campaign only, whose assignment ends elsewhere while it runs.
      const alice = demo.people.find((p) => p.email === ALICE)!;
      const temp = await hub.businesses.createPerson(operatorContext(), { name: `Tina Temp ${width}`, email: `tina${width}@acme.example` });
      await hub.businesses.setMemberRole(principalContext("person", alice.id), acme, temp.id, "EMPLOYEE");
      await hub.assignments.assign(principalContext("person", alice.id), { assetId: account.id, principalId: temp.id, tasks: ["ANALYZE"], businessId: acme });

      // A campaign: start one and open it; its items are grouped by partner, asset or person.
      await page.getByRole("textbox", { name: "Name" }).fill(`Review at ${width}px`);
      await page.getByRole("button", { name: "Start campaign" }).click();
      await page.getByRole("table", { name: "Review campaigns" }).getByRole("link", { name: `Review at ${width}px` }).waitFor();
      await page.getByRole("link", { name: "Open it" }).click();
      await page.getByRole("heading", { name: "Items", level: 3 }).waitFor();
      await page.getByRole("heading", { name: "Northwind Media", level: 3 }).waitFor();
      await page.getByText("By person", { exact: true }).click();
      await page.getByRole("heading", { name: "Bob Buyer", level: 3 }).waitFor();
      await check(page, "review-campaign", width);
      // Certify Bob's access with a reason: recorded, and his access stays.
      await page.getByRole("button", { name: "Decide Bob Buyer on Acme Main" }).click();
      await page.getByRole("dialog").getByRole("textbox", { name: "Reason" }).fill("Bob reports on this account every week.");
      await check(page, "review-decision-dialog", width);
      await page.getByRole("button", { name: "Save decision" }).click();
      await page.getByTestId("item-Bob Buyer-Acme Main").getByText("Bob reports on this account every week.").waitFor();
      expect(hub.engine.tasksOf(demo.people.find((p) => p.name === "Bob Buyer")!.id, account.id).length).toBeGreaterThan(0);

      // Tina's assignment is removed outside the campaign: her item reads "already removed" with the
      // removal's audit entry, and offers no decision.
      await page.getByRole("button", { name: `Decide Tina Temp ${width} on Acme Main` }).waitFor();
      await hub.assignments.unassign(principalContext("person", alice.id), { assetId: account.id, principalId: temp.id, businessId: acme });
      const [removal] = await hub.audit.list({ businessId: acme, action: "assignment.remove", outcome: "success", limit: 1 });
      await page.reload();
      const tina = page.getByTestId(`item-Tina Temp ${width}-Acme Main`);
      await tina.getByText("already removed").waitFor();
      await tina.getByText(`audit entry ${removal!.seq}`, { exact: false }).waitFor();
      await tina.getByText("Removed by Alice Advertiser", { exact: false }).waitFor();
      expect(await page.getByRole("button", { name: `Decide Tina Temp ${width} on Acme Main` }).count()).toBe(0);
      await check(page, "review-campaign-already-removed", width);

      await visit(`b/${acme}/security/alerts`, "Alerts");
      await page.getByText("Northwind Media was given access to Acme Main").waitFor();
      await check(page, "alerts", width);

      await visit(`b/${acme}/security/troubleshoot`, "Troubleshooter");
      await page.getByRole("radio", { name: /We did not receive a partner invitation/ }).check();
      await page.getByRole("textbox", { name: "The Business ID you were given" }).fill(demo.agency.id);
      await page.getByRole("button", { name: "Diagnose" }).click();
      await expect.poll(() => page.getByTestId("diagnosis").textContent()).toContain("Northwind Media");
      await check(page, "troubleshooter", width);
      // Bob (view only on Acme Main) cannot create campaigns: the hub names the missing task and who can grant it.
      await page.getByRole("radio", { name: /Someone cannot see or use an asset/ }).check();
      await choose(page, "Who", "Bob Buyer");
      await choose(page, "Asset", "Acme Main (Ad account)");
      await choose(page, "What they try to do", "Create campaigns");
      await page.getByRole("button", { name: "Diagnose" }).click();
      await expect.poll(() => page.getByTestId("diagnosis").textContent()).toContain("Missing tasks: ADVERTISE");
      await page.getByTestId("diagnosis").getByText("Alice Advertiser", { exact: false }).first().waitFor();

      if (width === 375) {
        // The header no longer clips "Sign out": on a phone it sits in the navigation drawer, inside the screen.
        await page.getByRole("button", { name: "Open navigation" }).click();
        const signOut = page.getByRole("button", { name: /^Sign out/ });
        await signOut.waitFor();
        // The drawer slides in; once it has, the button lies wholly inside the screen.
        await expect.poll(async () => (await signOut.boundingBox())?.x ?? -1).toBeGreaterThanOrEqual(0);
        const box = (await signOut.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(375);
        await screenshot(page, "navigation-drawer-375");
        // Every older page is readable at this width too.
        for (const path of ["info", "people", "system-users", "partners", `partners/${demo.agency.id}`, "requests", "assets", "security/audit"]) {
          await page.goto(`${server.url}/console/b/${acme}/${path}`);
          await page.getByRole("heading", { level: 2 }).first().waitFor();
          await page.getByRole("status", { name: /^Loading/ }).first().waitFor({ state: "detached" });
          const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
          expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(375);
        }
      }
      await context.close();
    }, 240_000);
  }

  it("shows the review's progress while it runs, accessibly", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signInAs(page, ALICE, DEMO_PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    // Hold the hub's answer until the page has been checked, so the bar is there to look at.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/access_review_findings_stream*", async (route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/security/review`);
    await page.getByRole("button", { name: "Run the access review" }).click();
    const bar = page.getByRole("progressbar", { name: /^Computing the access review/ });
    await bar.waitFor();
    expect(await page.getByRole("progressbar").count()).toBe(1);
    // Nothing reported yet: no made-up percentage, the time elapsed instead.
    expect(await bar.getAttribute("aria-valuenow")).toBeNull();
    expect(await bar.getAttribute("aria-valuetext")).toMatch(/^Working, \d+ seconds so far$/);
    expectNoSeriousViolations(await seriousViolations(page), "access review progress at 375px");
    await screenshot(page, "access-review-progress-375");
    release();
    await page.getByText(/findings? over the last 90 days/).waitFor();
    expect(await page.getByRole("progressbar").count()).toBe(0);
    await context.close();
  }, 120_000);

  it("adds a webhook alert channel and tests it: the message reaches the endpoint", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, ALICE, DEMO_PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/security/alerts`);
    await page.locator("input").and(page.getByLabel("Kind", { exact: true })).click();
    await page.getByRole("option", { name: "Webhook", exact: true }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("SIEM");
    await page.getByRole("textbox", { name: "Webhook URL" }).fill(receiver.url);
    await page.getByRole("button", { name: "Add channel" }).click();
    await page.getByText("Copy the signing secret now").waitFor();
    await page.getByRole("button", { name: "Send a test to SIEM" }).click();
    await expect.poll(() => page.getByTestId("channel-test-result").textContent()).toContain("Test message sent to SIEM");
    expect(receiver.deliveries).toHaveLength(1);
    await context.close();
  }, 120_000);

  it("enrols two-factor with the QR code's secret; signing in then asks for a code", async () => {
    const person = await hub.businesses.createPerson(operatorContext(), { name: "Olive Owner", email: "olive@acme.example" });
    await hub.auth.setPassword(operatorContext(), "olive@acme.example", PASSWORD);
    await hub.businesses.setMemberRole(principalContext("person", demo.people[0]!.id), demo.advertiser.id, person.id, "EMPLOYEE");
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signInAs(page, "olive@acme.example", PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await page.goto(`${server.url}/console/account/two-factor`);
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    await page.getByRole("img", { name: "QR code to add Grantline to your authenticator app" }).waitFor();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await check(page, "two-factor-enrol", 375);
    await page.getByRole("textbox", { name: "Code from the app" }).fill(totpCodeAt(secret, Date.now()));
    await page.getByRole("button", { name: "Turn on two-factor" }).click();
    await page.getByText("From now on, signing in asks for a code").waitFor();
    await expect.poll(() => page.getByTestId("two-factor-state").textContent()).toBe("on");

    // A new sign-in: the password alone is not enough; the next code is.
    const fresh = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const again = await fresh.newPage();
    await signInAs(again, "olive@acme.example", PASSWORD);
    const codeField = again.getByRole("textbox", { name: "Two-factor code" });
    await codeField.waitFor();
    expect(await again.getByRole("heading", { name: "Business info" }).count()).toBe(0);
    await codeField.fill(totpCodeAt(secret, Date.now() + 30_000));
    await again.getByRole("button", { name: "Sign in", exact: true }).click();
    await again.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await fresh.close();
    await context.close();
  }, 120_000);

  it("sends a person whose business requires two-factor to its setup first, then into the console", async () => {
    const strict = await buildSignInBusiness(hub, "Strict Co", "Grace Strict", "grace@strict.example");
    await hub.businesses.updateBusiness(principalContext("person", strict.admin.id), strict.id, { twoFactorRequired: true });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, "grace@strict.example", PASSWORD);
    await page.getByRole("heading", { name: "Set up two-factor authentication", level: 1 }).waitFor();
    // Nothing else opens until then.
    await page.goto(`${server.url}/console/b/${strict.id}/people`);
    await page.getByRole("heading", { name: "Set up two-factor authentication", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    await check(page, "two-factor-required-setup", 1440);
    await page.getByRole("textbox", { name: "Code from the app" }).fill(totpCodeAt(secret, Date.now()));
    await page.getByRole("button", { name: "Turn on two-factor" }).click();
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await context.close();
  }, 120_000);

  it("removing an app in the console ends its token's access", async () => {
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    expect((await graphWithToken(`/${account.graphId}?fields=id,name`, appToken)).status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, ALICE, DEMO_PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/apps`);
    await page.getByRole("button", { name: "Remove Report Tool" }).click();
    await expect.poll(() => page.getByRole("dialog").getByTestId("impact-summary").textContent()).toContain("Report Tool loses access to Acme Main");
    await page.getByRole("dialog").getByRole("button", { name: "Remove Report Tool" }).click();
    await expect.poll(() => page.getByTestId("app-removal-result").textContent()).toContain("Report Tool no longer has access");
    await page.getByTestId("empty-connected-apps").waitFor();
    await screenshot(page, "app-removed-1440");
    const after = await graphWithToken(`/${account.graphId}?fields=id,name`, appToken);
    expect(after.status).toBe(400);
    expect([190, 200]).toContain(after.body.error?.code);
    await context.close();
  }, 120_000);

  it("a campaign decision to revoke takes the access away at once, and closing reports what happened", async () => {
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    const bob = demo.people.find((p) => p.name === "Bob Buyer")!;
    expect(hub.engine.tasksOf(bob.id, account.id).length).toBeGreaterThan(0);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, ALICE, DEMO_PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/security/review`);
    await page.getByRole("textbox", { name: "Name" }).fill("Revocation round");
    await page.getByRole("button", { name: "Start campaign" }).click();
    await page.getByRole("link", { name: "Open it" }).click();
    await page.getByRole("button", { name: "Decide Bob Buyer on Acme Main" }).click();
    await page.getByRole("radio", { name: /^Revoke/ }).check();
    await page.getByRole("button", { name: "Save decision" }).click();
    // A decision needs a reason: the server's message shows next to the field.
    await page.getByText("The parameter reason is required.").waitFor();
    await page.getByRole("dialog").getByRole("textbox", { name: "Reason" }).fill("Bob moved to another team.");
    await page.getByRole("button", { name: "Save decision" }).click();
    await page.getByTestId("item-Bob Buyer-Acme Main").getByText("Bob moved to another team.").waitFor();
    expect(hub.engine.tasksOf(bob.id, account.id)).toEqual([]);
    await page.getByRole("button", { name: /^Close campaign/ }).click();
    await page.getByText("Campaign closed").waitFor();
    // The evidence for auditors downloads with the decision and its reason in it.
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^access-review-.+\.csv$/);
    expect(fs.readFileSync((await csv.path())!, "utf8")).toContain("Bob moved to another team.");
    const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export PDF" }).click()]);
    expect(fs.readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe("%PDF-");
    await context.close();
  }, 120_000);

  it("a finding's one-click fix changes access: ending the share takes Sam off Acme Main", async () => {
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    const sam = demo.people.find((p) => p.name === "Sam Specialist")!;
    expect(hub.engine.tasksOf(sam.id, account.id).length).toBeGreaterThan(0);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, ALICE, DEMO_PASSWORD);
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/security/review`);
    await page.getByRole("button", { name: "Run the access review" }).click();
    await page.getByRole("button", { name: "End the share: Sam Specialist on Acme Main" }).click();
    await expect.poll(() => page.getByRole("dialog").getByTestId("impact-summary").textContent()).toContain("lose access to Acme Main");
    await page.getByRole("dialog").getByRole("button", { name: "End the share" }).click();
    await expect.poll(() => page.getByTestId("fix-result").textContent()).toContain("Share ended; the partner's people and apps lost this access with it.");
    // The review is computed again: Sam's finding on Acme Main is gone.
    await page.getByTestId("operation-progress").waitFor({ state: "detached" });
    await page.getByText(/findings? over the last 90 days|Nothing to report/).waitFor();
    expect(await page.getByRole("button", { name: "End the share: Sam Specialist on Acme Main" }).count()).toBe(0);
    expect(hub.engine.tasksOf(sam.id, account.id)).toEqual([]);
    await context.close();
  }, 120_000);
});
