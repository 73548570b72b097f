import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, choose, ensureConsoleBuilt, expectNoSeriousViolations, launchChromium, screenshot, seriousViolations, sessionToken, signIn } from "./browser.ts";

/**
 * Partner guardrails in the console, against a running hub: the owner sets them in the add-partner
 * wizard and sees them in words; a partner's write above the approval threshold is held, the owner
 * approves it in a confirmed dialog and the change is made; a value the hub refuses shows its error
 * and stores nothing; the partner's own people see their guardrails read-only.
 */
describe("console: partner guardrails", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let agency: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let account: { id: string; graphId: string };
  let adSetId: string;
  let campaignId: string;
  let brandLabelId: string;
  let ownerContext: BrowserContext;
  let ownerPage: Page;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    agency = await buildSignInBusiness(hub, "Northwind Media", "Nora Northwind", "nora@northwind.example");
    const asAlice = principalContext("person", owner.admin.id);
    account = await hub.assets.createAsset(asAlice, owner.id, { type: "ad_account", name: "Acme Main", adAccount: { currency: "USD", timezoneName: "America/New_York", spendCap: 5_000_000 } });
    const campaign = await hub.campaigns.createCampaign(asAlice, account.graphId, { name: "Spring Sale", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    campaignId = campaign.id;
    adSetId = (await hub.adSets.createAdSet(asAlice, account.graphId, { campaign_id: campaign.id, name: "Spring Lookalike", daily_budget: 5000, status: "ACTIVE" })).id;
    brandLabelId = (await hub.adLabels.createLabel(asAlice, account.graphId, { name: "Brand" })).id;
    server = await startServer(hub);
    browser = await launchChromium();
    ownerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ownerPage = await ownerContext.newPage();
    await signIn(ownerPage, server.url, owner.admin.email);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  /**
   * A partner of its own for a test: a new business whose admin can sign in, with an accepted
   * Standard share of the account, the admin staffed on it, and the given guardrails.
   */
  async function guardedPartner(name: string, personName: string, email: string, guardrails: Record<string, unknown>) {
    const partner = await buildSignInBusiness(hub, name, personName, email);
    const asPartnerAdmin = principalContext("person", partner.admin.id);
    await hub.partners.offer(principalContext("person", owner.admin.id), { assetId: account.id, partnerBusinessId: partner.id, tasks: ["ADVERTISE", "ANALYZE", "AA_ANALYZE"] });
    await hub.partners.acceptOrRequest(asPartnerAdmin, { partnerBusinessId: partner.id, assetId: account.id });
    await hub.assignments.assign(asPartnerAdmin, { assetId: account.id, principalId: partner.admin.id, tasks: ["ADVERTISE", "ANALYZE", "AA_ANALYZE"] });
    await hub.guardrails.set(principalContext("person", owner.admin.id), { accountId: account.graphId, partnerBusinessId: partner.id, values: guardrails });
    return partner;
  }

  const asOwner = async () => graphClient(server.url, await sessionToken(server.url, owner.admin.email));
  const storedGuardrails = async (partnerId: string) => (await (await asOwner())("GET", `/${account.graphId}/partner_guardrails?business=${partnerId}`)).body.data as Record<string, unknown>[];

  it("sets guardrails with the offer in the wizard and shows them in words", async () => {
    const page = ownerPage;
    await page.getByRole("link", { name: "Partners" }).click();
    await page.getByRole("button", { name: "Add partner" }).click();
    await page.getByRole("textbox", { name: "Partner's Business ID" }).fill(agency.id);
    await page.getByRole("button", { name: "Find business" }).click();
    await page.getByRole("button", { name: "Yes, share with Northwind Media" }).click();
    await page.getByRole("checkbox", { name: "Acme Main" }).check();
    await page.getByRole("button", { name: "Next: permissions" }).click();
    // View only cannot change budgets: no guardrails are offered for it.
    await page.getByRole("button", { name: "Next: end date" }).click();
    expect(await page.getByText("Guardrails (optional)").count()).toBe(0);
    await page.getByRole("button", { name: "Back" }).click();
    await choose(page, "Permission for Acme Main", "Standard");
    await page.getByRole("button", { name: "Next: end date" }).click();
    const optIn = page.getByRole("checkbox", { name: "Set guardrails for Northwind Media on Acme Main (optional)" });
    await expect.poll(() => optIn.isEnabled()).toBe(true);
    await optIn.check();
    // A typo is caught before anything is sent.
    await page.getByRole("textbox", { name: "Most daily budget (USD)" }).fill("six hundred");
    await page.getByRole("button", { name: "Next: review" }).click();
    await page.getByText("Type an amount in USD, such as 50.00.").waitFor();
    await page.getByRole("textbox", { name: "Most daily budget (USD)" }).fill("600");
    await page.getByRole("textbox", { name: "Ask for approval above (USD)" }).fill("100.50");
    await page.getByRole("textbox", { name: "Most raise in one change (%)" }).fill("500");
    expectNoSeriousViolations(await seriousViolations(page), "wizard guardrails step at 1440px");
    await screenshot(page, "guardrails-wizard-1440");
    await page.getByRole("button", { name: "Next: review" }).click();
    const review = page.getByTestId(`offer-guardrails-${account.graphId}`);
    await expect.poll(() => review.textContent()).toContain("No campaign or ad set above 600.00 USD a day");
    expect(await review.textContent()).toContain("A budget raised above 100.50 USD a day waits for your approval.");
    await page.getByRole("button", { name: "Send request" }).click();
    await page.getByRole("heading", { name: "Request sent" }).waitFor();
    // Stored with the offer, in minor units.
    expect(await storedGuardrails(agency.id)).toEqual([{ business: agency.id, max_daily_budget: 60000, approval_above: 10050, max_increase_percent: 500 }]);
    await page.getByRole("button", { name: "Done" }).click();

    await page.goto(`${server.url}/console/b/${owner.id}/partners/${agency.id}`);
    const card = page.getByTestId(`guardrails-${account.graphId}`);
    await expect.poll(() => card.getByTestId("guardrail-words").textContent()).toContain("No campaign or ad set above 600.00 USD a day");
    expect(await card.getByTestId("guardrail-words").textContent()).toContain("One change raises a budget by at most 500%.");
    expectNoSeriousViolations(await seriousViolations(page), "partner page with guardrails at 1440px");
    await screenshot(page, "guardrails-partner-1440");
  }, 180_000);

  it("holds a partner's raise above the threshold, and approving it in the console makes the change", async () => {
    const page = ownerPage;
    const partner = await guardedPartner("Harbor Digital", "Hana Harbor", "hana@harbor.example", { max_daily_budget: 60000, approval_above: 10000 });
    const asPartner = graphClient(server.url, await sessionToken(server.url, partner.admin.email));
    const raise = await asPartner("POST", `/${adSetId}`, { daily_budget: 20000 });
    expect(raise.status).toBe(400);
    expect(raise.body.error.code).toBe(200);
    expect(raise.body.error.message).toContain("needs the owner's approval");

    // The owner is told in the navigation, and finds the change on the partner's page.
    await page.goto(`${server.url}/console/b/${owner.id}/partners/${partner.id}`);
    await expect.poll(() => page.getByTestId("nav-badge-requests").textContent(), { timeout: 15_000 }).toBe("1");
    const row = page.locator("[data-testid^=held-]").first();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("Ad set Spring Lookalike: daily budget to 200.00 USD");
    await expect.poll(() => row.textContent()).toContain("Hana Harbor (Harbor Digital)");
    const writes: string[] = [];
    page.on("request", (request: Request) => {
      if (request.method() !== "GET") writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await row.getByRole("button", { name: /^Approve / }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.textContent()).toContain("This can spend more of Acme Main's money");
    await page.waitForLoadState("networkidle");
    expectNoSeriousViolations(await seriousViolations(page), "approve dialog at 1440px");
    await screenshot(page, "guardrails-approve-1440");
    expect(writes).toEqual([]);
    await dialog.getByRole("button", { name: "Approve and apply" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => page.getByTestId("held-decision").textContent()).toContain("Approved: Ad set Spring Lookalike");
    expect(writes).toEqual([`POST /${account.graphId}/pending_changes`]);
    const adSet = await (await asOwner())("GET", `/${adSetId}?fields=daily_budget`);
    expect(adSet.body.daily_budget).toBe("20000");
    await expect.poll(() => page.getByTestId("nav-badge-requests").count(), { timeout: 15_000 }).toBe(0);
  }, 180_000);

  it("shows the hub's refusal of a bad value under its field and stores nothing; then removes them after confirming", async () => {
    const page = ownerPage;
    const partner = await guardedPartner("Quay Media", "Quinn Quay", "quinn@quay.example", { max_daily_budget: 60000, max_increase_percent: 500 });
    const before = await storedGuardrails(partner.id);
    const saves: string[] = [];
    page.on("request", (request: Request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname.endsWith("/partner_guardrails")) saves.push(request.url());
    });
    await page.goto(`${server.url}/console/b/${owner.id}/partners/${partner.id}`);
    const card = page.getByTestId(`guardrails-${account.graphId}`);
    await card.getByRole("button", { name: "Edit guardrails" }).click();
    // The form starts from what is stored, in major units.
    expect(await card.getByRole("textbox", { name: "Most daily budget (USD)" }).inputValue()).toBe("600.00");
    await choose(page, "Allowed from", "09:00");
    await choose(page, "Allowed until", "09:00");
    await card.getByRole("checkbox", { name: "Saturday" }).check();
    await card.getByRole("button", { name: "Save guardrails" }).dblclick();
    await expect.poll(() => card.getByTestId("error-allowed_hours").textContent()).toContain("Invalid allowed_hours");
    await card.getByTestId("guardrails-not-saved").waitFor();
    expect(await storedGuardrails(partner.id)).toEqual(before);
    expect(saves).toHaveLength(1);
    expectNoSeriousViolations(await seriousViolations(page), "guardrails form with an error at 1440px");

    // Fixed, it saves once even when clicked twice, and reads back in words.
    await choose(page, "Allowed until", "17:00");
    await card.getByRole("checkbox", { name: "Campaign Spring Sale" }).check();
    await card.getByRole("checkbox", { name: "Ad label Brand" }).check();
    await card.getByRole("button", { name: "Save guardrails" }).dblclick();
    await expect.poll(() => card.getByTestId("guardrail-words").textContent()).toContain("Changes only from 09:00 to 17:00 (America/New_York, the account's time zone).");
    expect(await card.getByTestId("guardrail-words").textContent()).toContain("Changes only on Saturday.");
    expect(await card.getByTestId("guardrail-words").textContent()).toContain("May not change campaign Spring Sale, nor anything in it.");
    expect(await card.getByTestId("guardrail-words").textContent()).toContain("May not change anything labelled Brand, nor anything in it, nor add, remove, rename or delete that label.");
    expect(await storedGuardrails(partner.id)).toEqual([{ ...before[0], allowed_hours: "09-17", allowed_days: [6], protected_objects: [campaignId], protected_labels: [brandLabelId] }]);
    // A double click saves once.
    expect(saves).toHaveLength(2);

    await card.getByRole("button", { name: "Remove guardrails of Quay Media on Acme Main" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.textContent()).toContain("Quay Media could then change budgets on Acme Main");
    await page.waitForLoadState("networkidle");
    expectNoSeriousViolations(await seriousViolations(page), "remove guardrails dialog");
    await dialog.getByRole("button", { name: "Remove guardrails" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => card.getByTestId("guardrail-words").textContent()).toContain("No guardrails");
    expect(await storedGuardrails(partner.id)).toEqual([]);
  }, 180_000);

  it("shows the partner its guardrails read-only, at 1440 and 375 px", async () => {
    const partner = await guardedPartner("Pier Agency", "Piet Pier", "piet@pier.example", { max_daily_budget: 60000, approval_above: 10000 });
    for (const width of [1440, 375]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, server.url, partner.admin.email);
      await page.goto(`${server.url}/console/b/${partner.id}/partners/${owner.id}`);
      const card = page.getByTestId(`guardrails-${account.graphId}`);
      await expect.poll(() => card.getByTestId("guardrail-words").textContent()).toContain("A budget raised above 100.00 USD a day waits for the owner's approval.");
      expect(await card.getByRole("button").count()).toBe(0);
      expectNoSeriousViolations(await seriousViolations(page), `partner's view of its guardrails at ${width}px`);
      // The page itself never scrolls sideways.
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(width);
      await screenshot(page, `guardrails-partner-view-${width}`);
      // The ad account's own page shows them too.
      await page.goto(`${server.url}/console/b/${partner.id}/assets/ad_account/${account.graphId}`);
      await page.getByTestId(`account-guardrails-${partner.id}`).waitFor();
      expect(await page.getByTestId(`account-guardrails-${partner.id}`).textContent()).toContain("No campaign or ad set above 600.00 USD a day");
      await context.close();
    }
    // The owner's ad account page and Requests page at 375 px.
    const context = await browser.newContext({ viewport: { width: 375, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.url, owner.admin.email);
    await page.goto(`${server.url}/console/b/${owner.id}/assets/ad_account/${account.graphId}`);
    await page.getByTestId(`account-guardrails-${partner.id}`).waitFor();
    expect(await page.getByTestId(`account-guardrails-${partner.id}`).getByRole("link", { name: "Edit on Pier Agency's page" }).count()).toBe(1);
    expectNoSeriousViolations(await seriousViolations(page), "owner's ad account page at 375px");
    await page.goto(`${server.url}/console/b/${owner.id}/requests`);
    await page.getByText("No partner change is waiting for your approval.").waitFor();
    expectNoSeriousViolations(await seriousViolations(page), "requests page at 375px");
    await context.close();
  }, 180_000);
});
