import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../src/auth/totp.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, choose, ensureConsoleBuilt, expectNoSeriousViolations, launchChromium, screenshot, seriousViolations, signIn } from "./browser.ts";

/** Undoes quoted-printable (soft line breaks and =XX bytes), as a mail client reading the .eml would. */
function decodeQuotedPrintable(text: string): string {
  return Buffer.from(
    text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1",
  ).toString("utf8");
}

/** The invitation links mailed to `to`, oldest first, read from the hub's outbox (.eml files). */
function linksMailedTo(outbox: string, to: string): string[] {
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .sort()
    .map((file) => decodeQuotedPrintable(fs.readFileSync(path.join(outbox, file), "utf8")))
    .filter((eml) => new RegExp(`^To: ${to}$`, "mi").test(eml))
    .map((eml) => /(https?:\/\/\S+\/console\/invitation#token=[A-Za-z0-9_-]+)/.exec(eml)?.[1] ?? "")
    .filter(Boolean);
}

/**
 * An admin invites people from the People page; each follows the link in the mail the hub wrote to
 * its outbox, chooses a name and password, and lands signed in to the business. Sending again kills
 * the earlier link; a cancelled or used link says so. At 1440 and 375 px, axe-core clean.
 */
describe("console: invitation mail → link → name and password → signed in", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let outbox: string;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    outbox = path.join(store.env.GRANTLINE_DATA_DIR!, "outbox");
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    server = await startServer(hub);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.cleanup();
  });

  const invite = async (page: Page, email: string, role: string) => {
    await page.getByRole("textbox", { name: "Email" }).fill(email);
    await choose(page, "Role", role);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByRole("status").filter({ hasText: "Invitation sent." }).waitFor();
    await page.getByRole("table", { name: "Invitations waiting" }).getByRole("cell", { name: email, exact: true }).waitFor();
  };

  const acceptThrough = async (link: string, width: number, name: string, shot: string) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: "Join Acme Outdoor", level: 1 }).waitFor();
    // The token is taken out of the address bar at once.
    expect(page.url()).toBe(`${server.url}/console/invitation`);
    expectNoSeriousViolations(await seriousViolations(page), `invitation page at ${width}`);
    await screenshot(page, `${shot}-${width}`);
    await page.getByRole("textbox", { name: "Your name" }).fill(name);
    await page.locator("input[type=password]").and(page.getByLabel("Password")).fill("a long enough password");
    await page.getByRole("button", { name: "Accept and sign in" }).click();
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    expect(page.url()).toBe(`${server.url}/console/b/${owner.id}/info`);
    await expect.poll(() => page.getByText(`Signed in as ${name}`).count()).toBeGreaterThan(0);
    expectNoSeriousViolations(await seriousViolations(page), `first page after accepting at ${width}`);
    return { context, page };
  };

  const expectRefused = async (link: string, width: number, heading: string, words: string) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain(words);
    expect(await page.content()).not.toContain("Acme Outdoor");
    expectNoSeriousViolations(await seriousViolations(page), `${heading} at ${width}`);
    await screenshot(page, `invitation-${heading.toLowerCase().replaceAll(" ", "-")}-${width}`);
    await context.close();
  };

  it("invites, sends again, and the newest link signs the person in at 1440 px; the old and the used link say so", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server.url, owner.admin.email);
    await page.getByRole("link", { name: "People" }).click();
    await page.getByRole("heading", { name: "People", level: 2 }).waitFor();
    await invite(page, "cy@newcomer.example", "Finance analyst — sees financial details");
    expectNoSeriousViolations(await seriousViolations(page), "People with a pending invitation");
    await screenshot(page, "people-invitation-pending-1440");
    await expect.poll(() => linksMailedTo(outbox, "cy@newcomer.example").length).toBe(1);

    await page.getByRole("button", { name: "Resend the invitation to cy@newcomer.example" }).click();
    await page.getByRole("status").filter({ hasText: "Invitation sent again to cy@newcomer.example" }).waitFor();
    await expect.poll(() => linksMailedTo(outbox, "cy@newcomer.example").length).toBe(2);
    const [first, second] = linksMailedTo(outbox, "cy@newcomer.example");
    expect(second).not.toBe(first);

    await expectRefused(first!, 1440, "Invitation link not valid", "newer invitation mail");
    const cy = await acceptThrough(second!, 1440, "Cy Newcomer", "invitation-accept");
    await cy.context.close();
    await expectRefused(second!, 1440, "Invitation already used", "already been accepted");

    // The admin sees Cy among the people, with the invited role, and no invitation waiting.
    await page.reload();
    await page.getByRole("table", { name: "People" }).getByRole("cell", { name: "Cy Newcomer", exact: true }).waitFor();
    await page.getByText("No invitations are waiting.").waitFor();
    expect(hub.engine.roleIn((await hub.store.db.selectFrom("people").select("id").where("email", "=", "cy@newcomer.example").executeTakeFirstOrThrow()).id, owner.id)).toBe(
      "FINANCE_ANALYST",
    );
    await context.close();
  }, 300_000);

  it("accepts on a 375 px phone, and a cancelled invitation's link says it was cancelled", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signIn(page, server.url, owner.admin.email);
    await page.goto(`${server.url}/console/b/${owner.id}/people`);
    await page.getByRole("heading", { name: "People", level: 2 }).waitFor();
    await invite(page, "dee@newcomer.example", "Employee — works on assets they are given");
    await invite(page, "eve@newcomer.example", "Employee — works on assets they are given");
    expectNoSeriousViolations(await seriousViolations(page), "People at 375 with invitations");
    // The chosen role fits the field on a phone: its name there, what it may do under it.
    const roleField = page.locator("input").and(page.getByLabel("Role", { exact: true }));
    expect(await roleField.inputValue()).toBe("Employee");
    expect(await roleField.evaluate((el) => (el as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth <= (el as unknown as { clientWidth: number }).clientWidth)).toBe(true);
    await page.getByText("Employee: works on assets they are given").waitFor();

    await page.getByRole("button", { name: "Cancel the invitation to eve@newcomer.example" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expectNoSeriousViolations(await seriousViolations(page), "cancel invitation dialog at 375");
    await dialog.getByRole("button", { name: "Cancel the invitation" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => page.getByRole("cell", { name: "eve@newcomer.example", exact: true }).count()).toBe(0);
    await expect.poll(() => linksMailedTo(outbox, "eve@newcomer.example").length).toBe(1);
    await expectRefused(linksMailedTo(outbox, "eve@newcomer.example")[0]!, 375, "Invitation cancelled", "was cancelled");

    const [link] = linksMailedTo(outbox, "dee@newcomer.example");
    const dee = await acceptThrough(link!, 375, "Dee Newcomer", "invitation-accept");
    await dee.context.close();
    await context.close();
  }, 300_000);

  it("sets up two-factor right after accepting when the business requires it", async () => {
    const strict = await buildSignInBusiness(hub, "Strict Co", "Grace Strict", "grace@strict.example");
    const asGrace = principalContext("person", strict.admin.id);
    await hub.businesses.updateBusiness(asGrace, strict.id, { twoFactorRequired: true });
    await hub.invitations.invite(asGrace, strict.id, { email: "finn@newcomer.example", role: "EMPLOYEE" });
    await expect.poll(() => linksMailedTo(outbox, "finn@newcomer.example").length).toBe(1);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(linksMailedTo(outbox, "finn@newcomer.example")[0]!);
    await page.getByRole("heading", { name: "Join Strict Co", level: 1 }).waitFor();
    await page.getByText("Strict Co requires two-factor authentication.").waitFor();
    expectNoSeriousViolations(await seriousViolations(page), "invitation page of a business requiring two-factor");
    await page.getByRole("textbox", { name: "Your name" }).fill("Finn Newcomer");
    await page.locator("input[type=password]").and(page.getByLabel("Password")).fill("a long enough password");
    await page.getByRole("button", { name: "Accept and sign in" }).click();
    await page.getByRole("heading", { name: "Set up two-factor authentication", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    await page.getByRole("textbox", { name: "Code from the app" }).fill(totpCodeAt(secret, Date.now()));
    await page.getByRole("button", { name: "Turn on two-factor" }).click();
    await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
    expect(page.url()).toContain(`/console/b/${strict.id}/`);
    await context.close();
  }, 300_000);

  it("asks someone already signed in on the browser before an invitation link signs them out", async () => {
    await hub.invitations.invite(principalContext("person", owner.admin.id), owner.id, { email: "gus@newcomer.example", role: "EMPLOYEE" });
    await expect.poll(() => linksMailedTo(outbox, "gus@newcomer.example").length).toBe(1);
    const [link] = linksMailedTo(outbox, "gus@newcomer.example");
    for (const width of [1440, 375]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, server.url, owner.admin.email);
      await page.goto(link!);
      await page.getByRole("heading", { name: "You are signed in as someone else", level: 1 }).waitFor();
      await page.getByText("This browser is signed in as Alice Advertiser.").waitFor();
      expect(await page.getByRole("textbox", { name: "Your name" }).count()).toBe(0);
      expectNoSeriousViolations(await seriousViolations(page), `signed-in question at ${width}`);
      await screenshot(page, `invitation-signed-in-question-${width}`);
      if (width === 1440) {
        // Staying keeps Alice's session: the console still knows her.
        await page.getByRole("button", { name: "Stay signed in as Alice Advertiser" }).click();
        await expect.poll(() => page.getByText("Signed in as Alice Advertiser").count()).toBeGreaterThan(0);
      } else {
        await page.getByRole("button", { name: "Continue as gus@newcomer.example" }).click();
        await page.getByRole("heading", { name: "Join Acme Outdoor", level: 1 }).waitFor();
        await page.getByRole("textbox", { name: "Your name" }).fill("Gus Newcomer");
        await page.locator("input[type=password]").and(page.getByLabel("Password")).fill("a long enough password");
        await page.getByRole("button", { name: "Accept and sign in" }).click();
        await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
        await expect.poll(() => page.getByText("Signed in as Gus Newcomer").count()).toBeGreaterThan(0);
      }
      await context.close();
    }
  }, 300_000);
});
