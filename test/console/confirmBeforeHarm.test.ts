import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemoWorld, type DemoWorld } from "../../src/demo/demoWorld.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { ensureConsoleBuilt, expectNoSeriousViolations, launchChromium, screenshot, seriousViolations, sessionToken, signIn } from "./browser.ts";

/**
 * Confirm before harm: every button that removes or narrows access carries `data-destructive`
 * (ConfirmAction). The first test walks the console from its navigation, following links to
 * detail pages, clicks every such button it finds and checks that a dialog opens and that no
 * request other than a read leaves the browser until the dialog is confirmed; then cancels. The
 * others confirm some of them and check what goes out, and that a removed partner's button is gone.
 */
describe("console: confirm before harm", () => {
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
    // What the demo lacks for every kind of removal to be on some page: a token, an app
    // connection, an invitation, an alert channel and a review campaign that revokes.
    const alice = demo.people.find((p) => p.email === "alice@acme.example")!;
    const asAlice = principalContext("person", alice.id);
    const account = demo.assets.find((a) => a.type === "ad_account")!;
    await hub.tokens.issueSystemUserToken(asAlice, demo.advertiserSystemUserId, { expiresIn60Days: true });
    const app = await hub.apps.createApp(asAlice, demo.advertiser.id, "Bid Helper");
    await hub.apps.grant(asAlice, { appId: app.id, scopes: ["ads_read"], assetIds: [account.id], businessIds: [demo.advertiser.id] });
    await hub.invitations.invite(asAlice, demo.advertiser.id, { email: "carol@acme.example", role: "EMPLOYEE" });
    await hub.notifications.addChannel(asAlice, demo.advertiser.id, { kind: "email", name: "Security inbox", to: "security@acme.example" });
    await hub.reviewCampaigns.start(asAlice, demo.advertiser.id, { name: "Quarterly review", closePolicy: "revoke" });
    server = await startServer(hub);
    // Guardrails on the agency, and a raise of theirs held for approval: approving spends money
    // and removing the guardrails lets the partner spend more, so both ask first.
    await hub.guardrails.set(asAlice, { accountId: account.graphId, partnerBusinessId: demo.agency.id, values: { approval_above: 8000 } });
    const asSam = graphClient(server.url, await sessionToken(server.url, "sam@northwind.example", DEMO_PASSWORD));
    const adSet = (await asSam("GET", `/${account.graphId}/adsets?fields=id`)).body.data[0] as { id: string };
    expect((await asSam("POST", `/${adSet.id}`, { daily_budget: 9000 })).body.error.message).toContain("needs the owner's approval");
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  /** Every request that is not a read (GET, HEAD, OPTIONS), from the moment it is called. */
  function recordWrites(page: Page): { writes: string[] } {
    const record = { writes: [] as string[] };
    page.on("request", (request: Request) => {
      if (!["GET", "HEAD", "OPTIONS"].includes(request.method())) record.writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    return record;
  }

  async function signedIn(width: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.url, "alice@acme.example", DEMO_PASSWORD);
    return { context, page };
  }

  /** Waits until the page has loaded what it shows: no loader left, no request in flight. */
  async function settled(page: Page): Promise<void> {
    await page.waitForLoadState("networkidle");
    await expect.poll(() => page.locator("[role=status][aria-label^='Loading']").count(), { timeout: 15_000 }).toBe(0);
  }

  it("walks every page: each destructive button opens a dialog and sends nothing until confirmed", async () => {
    const { context, page } = await signedIn(1440);
    const record = recordWrites(page);
    const base = `/console/b/${demo.advertiser.id}/`;
    // Pages to visit: the navigation's, then links to detail pages found on them (one per kind).
    const hrefs = await page.locator("nav a[href]").evaluateAll((links) => links.map((a) => a.getAttribute("href")!));
    const queue = [...new Set(hrefs.map((h) => (h.startsWith("/console") ? h : `/console${h}`)))];
    const visited = new Set<string>();
    const detailKinds = new Set<string>();
    const found = new Map<string, string[]>();
    while (queue.length > 0) {
      const href = queue.shift()!;
      if (visited.has(href)) continue;
      visited.add(href);
      await page.goto(`${server.url}${href}`);
      await page.getByRole("heading", { level: 2 }).first().waitFor();
      await settled(page);
      // The access review computes its findings on demand: run it, so the fixes are on the page.
      const run = page.getByRole("button", { name: "Run the access review" });
      if (await run.count()) {
        await run.click();
        await page.getByTestId("finding-0").waitFor();
      }
      for (const link of await page.locator(`a[href^="${base}"]`).evaluateAll((links) => links.map((a) => a.getAttribute("href")!))) {
        const kind = link.slice(base.length).split("/").slice(0, -1).join("/");
        if (kind && !detailKinds.has(kind) && !visited.has(link)) {
          detailKinds.add(kind);
          queue.push(link);
        }
      }
      const buttons = page.locator("[data-destructive]");
      const count = await buttons.count();
      for (let i = 0; i < count; i += 1) {
        const button = buttons.nth(i);
        const kind = (await button.getAttribute("data-destructive"))!;
        const name = ((await button.getAttribute("aria-label")) ?? (await button.textContent()) ?? "").trim();
        found.set(kind, [...(found.get(kind) ?? []), `${href}: ${name}`]);
        const before = record.writes.length;
        await button.scrollIntoViewIfNeeded();
        await button.click();
        const dialog = page.getByRole("dialog");
        await dialog.waitFor();
        // The dialog says what stops working (from the hub, or in its own words) before anything is sent.
        await expect.poll(() => dialog.locator("[aria-label='Working out what this removes']").count()).toBe(0);
        const said = (await dialog.getByTestId("impact-summary").count()) ? await dialog.getByTestId("impact-summary").textContent() : await dialog.textContent();
        expect(said?.length, `${href}: ${name} says what it removes`).toBeGreaterThan(20);
        expect(await dialog.getByRole("alert").count(), `${href}: ${name} could not work out its impact`).toBe(0);
        if (kind === "partner" || kind === "fix" || kind === "token" || kind === "system_user" || kind === "approve-change" || kind === "guardrails") {
          expectNoSeriousViolations(await seriousViolations(page), `${href} dialog of ${name}`);
          await screenshot(page, `confirm-${kind}-1440`);
        }
        await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
        await dialog.waitFor({ state: "detached" });
        expect(record.writes.slice(before), `${href}: ${name} sent a change before confirmation`).toEqual([]);
      }
    }
    // Every kind of removal the console offers was met on the walk (so the walk reached it).
    expect([...found.keys()].sort()).toEqual(
      expect.arrayContaining(["alert-channel", "app", "approve-change", "assignment", "fix", "guardrails", "invitation", "partner", "person", "review-close", "share", "system_user", "token"]),
    );
    // The partner's page offers to remove the partner from each asset alone, behind the same dialog.
    expect(found.get("share")).toEqual(
      expect.arrayContaining([
        `${base}partners/${demo.agency.id}: Remove from this asset: Acme Main, ${demo.agency.name}`,
        `${base}partners/${demo.agency.id}: Remove from this asset: Acme Outdoor, ${demo.agency.name}`,
      ]),
    );
    expect(record.writes).toEqual([]);
    await context.close();
  }, 600_000);

  it("removing a partner needs its name typed, sends one request after confirming, and the button is gone after", async () => {
    const { context, page } = await signedIn(375);
    const record = recordWrites(page);
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/partners/${demo.agency.id}`);
    await page.getByRole("heading", { name: demo.agency.name, level: 2 }).waitFor();
    await page.locator("[data-destructive=partner]").click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByTestId("impact-summary").textContent()).toBe("Northwind Media and 1 of its people and 1 system user lose access to Acme Main and Acme Outdoor. Pending requests between you end too.");
    const confirm = dialog.getByRole("button", { name: "Remove Northwind Media" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole("textbox", { name: "Type Northwind Media to confirm" }).fill("Northwind");
    expect(await confirm.isDisabled()).toBe(true);
    expectNoSeriousViolations(await seriousViolations(page), "partner removal dialog at 375px");
    await screenshot(page, "confirm-partner-375");
    await dialog.getByRole("textbox", { name: "Type Northwind Media to confirm" }).fill("Northwind Media");
    expect(record.writes).toEqual([]);
    await confirm.click();
    await page.getByTestId("removal-result").waitFor();
    expect(record.writes).toEqual([`POST /${demo.advertiser.id}/partner_removals`]);
    expect(await page.locator("[data-destructive=partner]").count()).toBe(0);
    expect((await hub.partners.listActive(demo.advertiser.id)).filter((s) => s.partnerBusinessId === demo.agency.id)).toEqual([]);
    await context.close();
  }, 120_000);

  it("a system user is deleted only after confirming, and a double click adds one system user", async () => {
    const { context, page } = await signedIn(1440);
    const record = recordWrites(page);
    await page.goto(`${server.url}/console/b/${demo.advertiser.id}/system-users`);
    await page.getByRole("heading", { name: "System users", level: 2 }).waitFor();
    const name = page.getByRole("textbox", { name: "Name" });
    expect(await name.getAttribute("maxlength")).toBe("200");
    await name.fill("x".repeat(250));
    expect((await name.inputValue()).length).toBe(200);
    await name.fill("Nightly Export");
    await page.getByRole("button", { name: "Add system user" }).dblclick();
    await page.getByRole("heading", { name: "Nightly Export", level: 3 }).waitFor();
    await settled(page);
    expect(record.writes.filter((w) => w.endsWith("/system_users"))).toHaveLength(1);
    expect((await hub.businesses.listSystemUsers(demo.advertiser.id)).filter((u) => u.name === "Nightly Export")).toHaveLength(1);

    await page.getByRole("button", { name: "Delete Nightly Export" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByTestId("impact-summary").textContent()).toContain("Nightly Export is deleted");
    await dialog.getByRole("button", { name: "Delete Nightly Export" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Nightly Export", level: 3 }).waitFor({ state: "detached" });
    expect(record.writes.filter((w) => w.endsWith("/system_user_removals"))).toHaveLength(1);
    expect((await hub.businesses.listSystemUsers(demo.advertiser.id)).filter((u) => u.name === "Nightly Export")).toEqual([]);
    await context.close();
  }, 120_000);
});
