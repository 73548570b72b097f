import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, choose, ensureConsoleBuilt, expectNoSeriousViolations, launchChromium, screenshot, seriousViolations, sessionToken, signIn } from "./browser.ts";

/**
 * The partner flow of the guide in a real browser: an advertiser and an agency, each in its own
 * browser context, against one running hub.
 */
describe("console: add partner → accept → staff → downgrade → remove", () => {
  let store: TestStore;
  let hub: Grantline;
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
    // A day already over is refused in place; emptying the field (no end date) takes the refusal away.
    const endDate = ownerPage.getByLabel("End access on (optional)");
    await endDate.fill("2020-01-31");
    await ownerPage.getByRole("button", { name: "Next: review" }).click();
    const refusal = ownerPage.getByText("Pick a date in the future, or leave it empty for access with no end date.");
    await refusal.waitFor();
    await endDate.fill("");
    await refusal.waitFor({ state: "detached" });
    await ownerPage.getByRole("button", { name: "Next: review" }).click();
    await ownerPage.getByText("with no end date", { exact: false }).waitFor();
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
  describe.each([1440, 375])("one asset at a time, at %i px", (width) => {
    interface SharedRow {
      asset: { id: string; name: string };
      status: string;
      initiated_by: string;
      permitted_tasks: string[];
      access_level: string;
    }

    it("the wizard shows what is already shared or pending; removing the partner from one asset leaves the others, and Undo offers it again", async () => {
      // An owner sharing two assets with an agency, an offer waiting and a request of the agency's waiting.
      const shop = await buildSignInBusiness(hub, `Shop ${width}`, `Olive ${width}`, `olive${width}@shop.example`);
      const studio = await buildSignInBusiness(hub, `Studio ${width}`, `Sid ${width}`, `sid${width}@studio.example`);
      const asOlive = principalContext("person", shop.admin.id);
      const asSid = principalContext("person", studio.admin.id);
      const make = (type: string, name: string) => hub.assets.createAsset(asOlive, shop.id, { type, name });
      const account = await make("ad_account", "Spring Account");
      const page = await make("page", "Spring Page");
      const pixel = await make("pixel", "Spring Pixel");
      const asked = await make("ad_account", "Autumn Account");
      for (const [asset, level] of [
        [account, "STANDARD"],
        [page, "VIEW_ONLY"],
      ] as const) {
        await hub.partners.offer(asOlive, { assetId: asset.graphId, partnerBusinessId: studio.id, tasks: presetTasks(asset.type, level) });
        await hub.partners.acceptOrRequest(asSid, { partnerBusinessId: studio.id, assetId: asset.graphId });
        await hub.assignments.assign(asSid, { assetId: asset.graphId, principalId: studio.admin.id, tasks: presetTasks(asset.type, "VIEW_ONLY") });
      }
      await hub.partners.offer(asOlive, { assetId: pixel.graphId, partnerBusinessId: studio.id, tasks: presetTasks("pixel", "VIEW_ONLY") });
      await hub.partners.acceptOrRequest(asSid, { partnerBusinessId: studio.id, assetId: asked.graphId, tasks: presetTasks("ad_account", "STANDARD") });
      const asShop = graphClient(server.url, await sessionToken(server.url, shop.admin.email));
      const asStudio = graphClient(server.url, await sessionToken(server.url, studio.admin.email));
      const sharesRead = async () => ((await asShop("GET", `/${shop.id}/partner_shares?partner=${studio.id}`)).body.data as SharedRow[]).filter((s) => s.status === "ACTIVE" || s.status === "PENDING");
      const before = await sharesRead();
      expect(before.map((s) => `${s.asset.name} ${s.status} ${s.initiated_by}`).sort()).toEqual([
        "Autumn Account PENDING PARTNER",
        "Spring Account ACTIVE OWNER",
        "Spring Page ACTIVE OWNER",
        "Spring Pixel PENDING OWNER",
      ]);

      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const owner = await context.newPage();
      await signIn(owner, server.url, shop.admin.email);
      // Every change that leaves the browser from here on.
      const writes: string[] = [];
      owner.on("request", (request) => {
        if (!["GET", "HEAD", "OPTIONS"].includes(request.method())) writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });
      await owner.goto(`${server.url}/console/b/${shop.id}/partners`);
      await owner.getByRole("button", { name: "Add partner" }).click();
      await owner.getByRole("textbox", { name: "Partner's Business ID" }).fill(studio.id);
      await owner.getByRole("button", { name: "Find business" }).click();
      await expect.poll(() => owner.getByTestId("partner-existing").textContent()).toBe("2 assets already shared with them and 2 offers or requests pending; the next step shows which.");
      await owner.getByRole("button", { name: `Yes, share with Studio ${width}` }).click();
      // Shared and offered assets cannot be offered again; the agency's own request can be approved.
      const box = (name: string) => owner.getByRole("checkbox", { name, exact: true });
      await box("Spring Account").waitFor();
      expect(await box("Spring Account").isDisabled()).toBe(true);
      expect(await box("Spring Account").isChecked()).toBe(true);
      expect(await box("Spring Page").isDisabled()).toBe(true);
      expect(await box("Spring Pixel").isDisabled()).toBe(true);
      expect(await box("Spring Pixel").isChecked()).toBe(false);
      expect(await box("Autumn Account").isDisabled()).toBe(false);
      expect(await owner.getByText("Already shared: Standard. Change it on").count()).toBe(1);
      expect(await owner.getByText("Already shared: View only. Change it on").count()).toBe(1);
      await owner.getByText(`Offer pending: View only, waiting for Studio ${width} to accept`).waitFor();
      await owner.getByText(`Studio ${width} asked for Standard: sending approves their request at the level you pick.`).waitFor();
      expectNoSeriousViolations(await seriousViolations(owner), `wizard with existing shares at ${width}px`);
      await screenshot(owner, `add-partner-existing-${width}`);
      expect(writes).toEqual([]);

      // On the partner's page, the page's share alone is removed, after a dialog naming who loses what.
      await owner.goto(`${server.url}/console/b/${shop.id}/partners/${studio.id}`);
      await owner.getByRole("heading", { name: `Studio ${width}`, level: 2 }).waitFor();
      const remove = owner.getByRole("button", { name: `Remove from this asset: Spring Page, Studio ${width}` });
      expect(await remove.textContent()).toBe("Remove from this asset");
      expect(await remove.getAttribute("data-destructive")).toBe("share");
      await remove.click();
      const dialog = owner.getByRole("dialog");
      await expect.poll(() => dialog.getByTestId("impact-summary").textContent()).toContain("Spring Page");
      await dialog.getByText(`Sid ${width} on Spring Page`, { exact: false }).waitFor();
      await dialog.getByText(`Only Spring Page is affected: Studio ${width} keeps the other assets you share with them.`).waitFor();
      expectNoSeriousViolations(await seriousViolations(owner), `remove from one asset dialog at ${width}px`);
      await screenshot(owner, `remove-from-asset-dialog-${width}`);
      expect(writes).toEqual([]);
      await dialog.getByRole("button", { name: "Remove from Spring Page" }).click();
      await expect.poll(() => owner.getByTestId("share-removal-result").textContent()).toContain(`Studio ${width} no longer has access to Spring Page`);
      expect(await owner.getByTestId("share-removal-result").textContent()).toContain("1 assignment of their people");
      expect(writes).toEqual([`DELETE /${page.graphId}/agencies`]);
      await owner.getByRole("table", { name: `Assets shared with Studio ${width}` }).getByRole("link", { name: "Spring Page" }).waitFor({ state: "detached" });
      expectNoSeriousViolations(await seriousViolations(owner), `partner page after removing one asset at ${width}px`);
      await screenshot(owner, `remove-from-asset-result-${width}`);

      // Read back over Graph: only the page's share ended; the others, their levels and Sid's assignment stay.
      const after = await sharesRead();
      expect(after).toEqual(before.filter((s) => s.asset.name !== "Spring Page"));
      const staff = await asStudio("GET", `/${account.graphId}/assigned_users?business=${studio.id}`);
      expect(staff.body.data.map((u: { id: string }) => u.id)).toEqual([studio.admin.id]);
      expect((await asStudio("GET", `/${account.graphId}?fields=name`)).body.name).toBe("Spring Account");
      expect((await asStudio("GET", `/${page.graphId}?fields=name`)).status).toBe(400);

      // Undo offers the same share again: pending until the agency accepts it.
      const pageShare = before.find((s) => s.asset.name === "Spring Page")!;
      await owner.getByRole("button", { name: `Undo: offer Spring Page to Studio ${width} again` }).click();
      await expect.poll(() => owner.getByTestId("share-offered-again").textContent()).toBe(`Offered again. Studio ${width} must accept it in their Requests.`);
      expect(writes.slice(1)).toEqual([`POST /${page.graphId}/agencies`]);
      const offered = (await sharesRead()).find((s) => s.asset.name === "Spring Page");
      expect(offered).toMatchObject({ status: "PENDING", initiated_by: "OWNER", permitted_tasks: pageShare.permitted_tasks, access_level: "View only" });
      await context.close();
    }, 180_000);
  });
});
