import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildAsset, buildBusiness, buildMember, buildShare } from "../support/factories.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, ensureConsoleBuilt, expectNoSeriousViolations, launchChromium, screenshot, seriousViolations, signIn } from "./browser.ts";

/**
 * Review a Meta business from the console: an admin enters a Graph URL, a business id and that
 * business's token once, sees the findings read through the Graph, and starts a campaign on it;
 * at desktop and phone widths, with no serious accessibility violation. The Graph here is the
 * hub's own surface, so the reviewed business is one of its businesses.
 */
describe("console: review a Meta business", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let browser: Browser;
  let desk: { id: string };
  let owner: { id: string };
  let token: string;
  let agencyId: string;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    desk = await buildSignInBusiness(hub, "Audit Desk", "Dana Desk", "dana@desk.example");
    const reviewed = await buildBusiness(hub, "Meta Owner");
    owner = reviewed;
    const agency = await buildBusiness(hub, "Far Agency");
    agencyId = agency.id;
    const account = await buildAsset(hub, reviewed, "ad_account", "Owner Main");
    const person = await buildMember(hub, reviewed, "EMPLOYEE", "Quiet Quinn");
    await hub.assignments.assign(reviewed.admin.ctx, { assetId: account.id, principalId: person.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await buildShare(hub, reviewed, agency, account.id, "STANDARD");
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), reviewed.id, { name: "Owner Reviewer", role: "ADMIN" });
    token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    server = await startServer(hub);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  for (const width of [1440, 375] as const) {
    it(`enters the token once, shows the findings and starts a campaign at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, server.url, "dana@desk.example");
      await page.goto(`${server.url}/console/b/${desk.id}/security/review`);
      await page.getByRole("link", { name: "Review a Meta business" }).click();
      await page.getByRole("heading", { name: "Review a Meta business", level: 2 }).waitFor();
      expectNoSeriousViolations(await seriousViolations(page), `graph-review-form at ${width}px`);

      await page.getByRole("textbox", { name: "Graph API URL" }).fill(`${server.url}/v24.0`);
      await page.getByRole("textbox", { name: "Business ID" }).fill(owner.id);
      await page.getByLabel("The business's access token").fill(token);
      await page.getByRole("button", { name: "Connect and review" }).click();
      await page.getByRole("heading", { name: `Findings for Meta Owner (${owner.id})` }).waitFor();
      await page.getByText(/finding(s)? over the last 90 days, read with \d+ Graph calls/).waitFor();
      // Quinn has not used her grant: a finding, in the review's own cards.
      await page.getByTestId("finding-0").waitFor();
      expect(await page.getByText("Quiet Quinn", { exact: true }).count()).toBeGreaterThan(0);
      // The token is gone from the page once sent: the field is empty and nothing shows it.
      expect(await page.getByLabel("The business's access token").inputValue()).toBe("");
      expect(await page.content()).not.toContain(token);
      await page.getByRole("table", { name: "Businesses reviewed through the Graph" }).waitFor();
      expectNoSeriousViolations(await seriousViolations(page), `graph-review-findings at ${width}px`);
      await screenshot(page, `graph-review-findings-${width}`);

      await page.getByRole("button", { name: "Start a review campaign" }).click();
      await page.getByText(/^Started Access review of Meta Owner \(through the Graph\)/).waitFor();
      await page.getByRole("link", { name: "Open it" }).click();
      await page.getByRole("heading", { name: /Access review of Meta Owner \(through the Graph\)/, level: 2 }).waitFor();
      await page.getByText(/Meta Owner .* through the Graph/).first().waitFor();
      await page.getByRole("button", { name: /^Decide Quiet Quinn on Owner Main/ }).waitFor();
      expectNoSeriousViolations(await seriousViolations(page), `graph-review-campaign at ${width}px`);
      if (width === 1440) {
        // Revoking the partner's share goes through the Graph; the item says it was read back.
        await page.getByRole("button", { name: "Decide Far Agency on Owner Main" }).click();
        await page.getByRole("radio", { name: /^Revoke/ }).check();
        await page.getByRole("textbox", { name: "Reason" }).fill("No longer our agency");
        await page.getByRole("button", { name: "Save decision" }).click();
        await page.getByTestId("graph-check").getByText("Confirmed by reading the Graph back; removal check passed.").waitFor();
        expect(await hub.store.db.selectFrom("partner_shares").select("status").where("partner_business_id", "=", agencyId).executeTakeFirstOrThrow()).not.toEqual({ status: "active" });
        expectNoSeriousViolations(await seriousViolations(page), `graph-review-campaign-decided at ${width}px`);
      }
      await screenshot(page, `graph-review-campaign-${width}`);
      await context.close();
    }, 240_000);
  }

  it("removes a held business's token only after the admin confirms, and says the token is gone", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.url, "dana@desk.example");
    await page.goto(`${server.url}/console/b/${desk.id}/security/review`);
    await page.getByRole("link", { name: "Review a Meta business" }).click();
    const sealed = async () => (await hub.store.db.selectFrom("graph_review_targets").select("token_sealed").where("graph_business_id", "=", owner.id).executeTakeFirstOrThrow()).token_sealed;
    const remove = page.getByRole("button", { name: `Remove Meta Owner (${owner.id}) and its token` });
    await remove.click();
    const dialog = page.getByRole("dialog", { name: `Stop reviewing Meta Owner (${owner.id})?` });
    await dialog.getByText("Its token is erased from this server at once.").waitFor();
    expectNoSeriousViolations(await seriousViolations(page), "graph-review-remove-dialog at 375px");
    expect(await sealed()).not.toBe("");
    await dialog.getByRole("button", { name: "Remove the token" }).click();
    await page.getByText("Token removed: enter it again above to review").waitFor();
    expect(await sealed()).toBe("");
    await context.close();
  }, 120_000);
});
