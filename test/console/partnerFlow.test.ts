import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, choose, ensureConsoleBuilt, launchChromium, screenshot, sessionToken, signIn } from "./browser.ts";

/**
 * The partner flow of the guide in a real browser: an advertiser and an agency, each in its own
 * browser context, against one running hub.
 */
describe("console: add partner → accept → staff → downgrade → remove", () => {
  let store: TestStore;
  let hub: Hub;
  let server: RunningServer;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let agency: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let accountGraphId: string;
  let ownerContext: BrowserContext;
  let agencyContext: BrowserContext;
  let ownerPage: Page;
  let agencyPage: Page;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    agency = await buildSignInBusiness(hub, "Northwind Media", "Nora Northwind", "nora@northwind.example");
    const asAlice = principalContext("person", owner.admin.id);
    const account = await hub.assets.createAsset(asAlice, owner.id, { type: "ad_account", name: "Acme Main" });
    accountGraphId = account.graphId;
    await hub.assets.createAsset(asAlice, owner.id, { type: "page", name: "Acme Page" });
    await hub.assets.createAsset(asAlice, owner.id, { type: "pixel", name: "Acme Pixel" });
    server = await startServer(hub);
    browser = await launchChromium();
    ownerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    agencyContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ownerPage = await ownerContext.newPage();
    agencyPage = await agencyContext.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  const openSharedAccount = async (page: Page) => {
    await page.getByRole("link", { name: "Assets", exact: true }).click();
    await page.getByRole("table", { name: "Shared with this business" }).getByRole("link", { name: "Acme Main" }).click();
    await page.getByRole("heading", { name: "Acme Main", level: 2 }).waitFor();
    // Capabilities answer before the page decides which buttons to show.
    await page.getByRole("heading", { name: "What you can do here" }).waitFor();
    await page.getByText("Creating campaigns, ad sets and ads", { exact: true }).waitFor();
  };

  it("runs the whole partner lifecycle, the UI and the API agreeing at each step", async () => {
    // The owner adds the agency as a partner: Business ID, name confirmed, an asset, a level, send.
    await signIn(ownerPage, server.url, owner.admin.email);
    await screenshot(ownerPage, "business-info-1440");
    await ownerPage.getByRole("link", { name: "Partners" }).click();
    await ownerPage.getByRole("button", { name: "Add partner" }).click();
    await ownerPage.getByRole("textbox", { name: "Partner's Business ID" }).fill(agency.id);
    await ownerPage.getByRole("button", { name: "Find business" }).click();
    await expect.poll(() => ownerPage.getByTestId("partner-confirmation").textContent()).toContain("Northwind Media");
    await screenshot(ownerPage, "add-partner-confirm-1440");
    await ownerPage.getByRole("button", { name: "Yes, share with Northwind Media" }).click();
    // Every asset type is offered, each under its own heading.
    for (const heading of ["Ad accounts", "Pages", "Pixels", "Instagram accounts", "Product catalogs", "Creative Hub projects"]) {
      await ownerPage.getByText(heading, { exact: true }).waitFor();
    }
    await ownerPage.getByRole("checkbox", { name: "Acme Main" }).check();
    await ownerPage.getByRole("button", { name: "Next: permissions" }).click();
    await choose(ownerPage, "Permission for Acme Main", "Standard");
    await expect.poll(() => ownerPage.getByTestId(`level-description-${accountGraphId}`).textContent()).toContain("run and change campaigns");
    await screenshot(ownerPage, "add-partner-permissions-1440");
    await ownerPage.getByRole("button", { name: "Next: end date" }).click();
    await ownerPage.getByRole("button", { name: "Next: review" }).click();
    await ownerPage.getByRole("button", { name: "Send request" }).click();
    await ownerPage.getByRole("heading", { name: "Request sent" }).waitFor();
    await expect.poll(() => ownerPage.getByRole("table", { name: "What was sent" }).textContent()).toContain("Northwind Media must accept it");

    // The agency sees the offer in its Requests tab and accepts it.
    await signIn(agencyPage, server.url, agency.admin.email);
    // A badge beside Requests says something is waiting; it goes once it is answered.
    await expect.poll(() => agencyPage.getByTestId("nav-badge-requests").textContent()).toBe("1");
    await agencyPage.getByRole("link", { name: "Requests" }).click();
    await agencyPage.getByTestId("request-Acme Main").waitFor();
    await screenshot(agencyPage, "requests-1440");
    await agencyPage.getByRole("button", { name: "Accept Acme Main" }).click();
    await agencyPage.getByText("Nothing is waiting for you.").waitFor();
    await agencyPage.getByTestId("nav-badge-requests").waitFor({ state: "detached" });

    // The agency staffs its admin onto the account, and then sees it with campaign rights.
    await openSharedAccount(agencyPage);
    await choose(agencyPage, "Person or system user", "Nora Northwind");
    await choose(agencyPage, "Permission", "Standard");
    await agencyPage.getByRole("button", { name: "Assign", exact: true }).click();
    await agencyPage.getByRole("table", { name: "Your people on this asset" }).getByText("Nora Northwind").waitFor();
    await expect.poll(() => agencyPage.getByTestId("assign-result").textContent(), { timeout: 20_000 }).toBe("Nora Northwind is assigned to Acme Main with Standard.");
    const createButton = agencyPage.getByRole("button", { name: "Create campaign" });
    await createButton.waitFor();
    await createButton.click();
    await agencyPage.getByRole("textbox", { name: "Campaign name" }).fill("Northwind Test Campaign");
    await agencyPage.getByRole("button", { name: "Create", exact: true }).click();
    await agencyPage.getByRole("table", { name: "Campaigns" }).getByText("Northwind Test Campaign").waitFor();
    await screenshot(agencyPage, "agency-ad-account-1440");

    // The owner downgrades the share to View only on the partner's page.
    await ownerPage.getByRole("button", { name: "Done" }).click();
    await ownerPage.getByRole("link", { name: "Northwind Media" }).click();
    await ownerPage.getByRole("heading", { name: "Northwind Media", level: 2 }).waitFor();
    await choose(ownerPage, "Permission of Northwind Media on Acme Main", "View only");
    // Narrowing takes access away: it is confirmed in a dialog that says what Nora's team loses.
    await ownerPage.getByRole("button", { name: "Save level" }).click();
    const narrowing = ownerPage.getByRole("dialog");
    await expect.poll(() => narrowing.getByTestId("impact-summary").textContent()).toContain("Northwind Media's access to Acme Main narrows from Standard to View only");
    await narrowing.getByRole("button", { name: "Change to View only" }).click();
    await ownerPage.getByText("Saved.").waitFor();
    await screenshot(ownerPage, "partner-detail-1440");

    // The agency's create-campaign button is gone, with the engine's reason, and the API refuses too.
    await agencyPage.reload();
    await agencyPage.getByRole("heading", { name: "What you can do here" }).waitFor();
    await agencyPage.getByTestId("create-campaign-denied").waitFor();
    expect(await agencyPage.getByRole("button", { name: "Create campaign" }).count()).toBe(0);
    // The same person's console token, from the same sign-in endpoints the console uses.
    const asAgency = graphClient(server.url, await sessionToken(server.url, agency.admin.email));
    const refused = await asAgency("POST", `/v24.0/${accountGraphId}/campaigns`, { name: "Should not exist", objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: [] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe(200);
    const campaigns = await asAgency("GET", `/${accountGraphId}/campaigns?fields=name`);
    expect(campaigns.body.data.map((c: { name: string }) => c.name)).toEqual(["Northwind Test Campaign"]);

    // The owner removes the partner; the removal is verified.
    await ownerPage.getByRole("button", { name: "Remove partner" }).click();
    const removal = ownerPage.getByRole("dialog");
    await removal.getByRole("textbox", { name: "Type Northwind Media to confirm" }).fill("Northwind Media");
    await removal.getByRole("button", { name: "Remove Northwind Media" }).click();
    await expect.poll(() => ownerPage.getByTestId("removal-result").textContent()).toContain("Verified");
    await screenshot(ownerPage, "partner-removed-1440");

    // The agency sees nothing: no shared assets, and the account itself is gone for it.
    await agencyPage.getByRole("link", { name: "Assets", exact: true }).click();
    await agencyPage.getByText("No other business shares assets with you.").waitFor();
    expect(await agencyPage.getByRole("table", { name: "Shared with this business" }).count()).toBe(0);
    const gone = await asAgency("GET", `/${accountGraphId}?fields=name`);
    expect(gone.status).toBe(400);
  }, 180_000);
});
