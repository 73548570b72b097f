import http from "node:http";
import * as client from "openid-client";
import type { Browser as Chromium, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { Browser } from "../auth/browser.ts";
import { ensureConsoleBuilt, launchChromium, sessionToken, signIn } from "../console/browser.ts";
import { buildOAuthWorld, clientConfig, follow, PASSWORD, type OAuthWorld } from "../oauth/oauthWorld.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";

/** The CSP as a map of directive → sources. */
function cspOf(headers: Headers): Map<string, string[]> {
  const header = headers.get("content-security-policy") ?? "";
  return new Map(
    header
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** What every page and answer of the hub carries, whatever its kind. */
function expectProtected(headers: Headers, where: string): void {
  const csp = cspOf(headers);
  expect(csp.get("script-src"), where).toContain("'self'");
  expect(csp.get("script-src"), where).not.toContain("'unsafe-inline'");
  expect(csp.get("script-src"), where).not.toContain("'unsafe-eval'");
  expect(csp.get("script-src-attr"), where).toEqual(["'none'"]);
  expect(csp.get("style-src"), where).not.toContain("'unsafe-inline'");
  expect(csp.get("object-src"), where).toEqual(["'none'"]);
  expect(csp.get("frame-ancestors"), where).toEqual(["'none'"]);
  expect(headers.get("x-frame-options"), where).toBe("DENY");
  expect(headers.get("x-content-type-options"), where).toBe("nosniff");
  expect(headers.get("referrer-policy"), where).toBe("no-referrer");
}

/**
 * What every Graph answer carries: JSON is never a document, so its policy loads nothing and lets
 * nothing frame it (OWASP's headers for API responses), and no cache keeps it (paging links hold the token).
 */
function expectApiProtected(headers: Headers, where: string): void {
  const csp = cspOf(headers);
  expect(csp.get("default-src"), where).toEqual(["'none'"]);
  expect(csp.get("frame-ancestors"), where).toEqual(["'none'"]);
  for (const directive of ["script-src", "style-src", "img-src", "connect-src"]) expect(csp.has(directive), where).toBe(false);
  expect(headers.get("x-frame-options"), where).toBe("DENY");
  expect(headers.get("x-content-type-options"), where).toBe("nosniff");
  expect(headers.get("referrer-policy"), where).toBe("no-referrer");
  expect(headers.get("cache-control"), where).toBe("no-store");
}

async function authorizationUrl(world: OAuthWorld): Promise<string> {
  const config = await clientConfig(world);
  return client
    .buildAuthorizationUrl(config, {
      redirect_uri: world.app.redirectUri,
      scope: "ads_read",
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state: client.randomState(),
    })
    .toString();
}

describe("security headers", () => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    world = await buildOAuthWorld(hub, "headers");
  }, 300_000);
  afterAll(async () => {
    await world?.close();
    await store?.cleanup();
  });

  it("protect the console, the docs, the OAuth pages, the reset page and Graph answers alike", async () => {
    const get = (path: string) => fetch(new URL(path, world.url), { redirect: "manual" });

    const consolePage = await get("/console/");
    expect(consolePage.status).toBe(200);
    expectProtected(consolePage.headers, "/console/");
    // Mantine's <style> elements carry this response's nonce, handed to the page in a meta tag.
    const html = await consolePage.text();
    const nonce = /<meta property="csp-nonce" nonce="([0-9a-f]{32})">/.exec(html)?.[1];
    expect(nonce).toBeDefined();
    expect(cspOf(consolePage.headers).get("style-src")).toContain(`'nonce-${nonce}'`);
    expect(html).not.toContain("GRANTLINE_CSP_NONCE");
    const again = await (await get("/console/")).text();
    expect(again).not.toContain(nonce);
    // Every script of the console is a file of its own.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const signInPage = await get("/console/login");
    expectProtected(signInPage.headers, "/console/login");

    const docs = await get("/docs/");
    expect(docs.status).toBe(200);
    expectProtected(docs.headers, "/docs/");
    const docsHtml = await docs.text();
    expect(docsHtml).toContain("swagger-ui-bundle.js");
    expect(docsHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const reset = await get("/auth/password-reset?token=abc");
    expectProtected(reset.headers, "/auth/password-reset");

    // The OAuth sign-in page (the interaction the authorization request leads to).
    const browser = new Browser(world.url);
    const { response: interaction } = await follow(browser, await authorizationUrl(world));
    expect(interaction.text).toContain("Sign in to connect Report Tool");
    expectProtected(interaction.headers, "OAuth sign-in");
    // No form-action there: the form's answer is a redirect to the app's redirect_uri.
    expect(cspOf(interaction.headers).has("form-action")).toBe(false);
    expect(cspOf(reset.headers).get("form-action")).toEqual(["'self'"]);

    const token = await sessionToken(world.url, world.person.email, PASSWORD);
    const me = await get(`/me?access_token=${token}`);
    expect(me.status).toBe(200);
    expect(me.headers.get("content-type")).toContain("application/json");
    expectApiProtected(me.headers, "Graph answer");
    const edge = await get(`/me/businesses?access_token=${token}`);
    expect(edge.status).toBe(200);
    expectApiProtected(edge.headers, "Graph edge");
    const batch = await fetch(new URL(`/?access_token=${token}`, world.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ batch: [{ method: "GET", relative_url: "me" }] }) });
    expect(batch.status).toBe(200);
    expectApiProtected(batch.headers, "Graph batch");

    const refused = await get("/me");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(104);
    expectApiProtected(refused.headers, "Graph error");
    expectProtected((await get("/no/such/path")).headers, "unknown path");

    // Served over plain http, the hub asks for no HSTS (and no upgrade to https).
    for (const response of [consolePage, docs, me, interaction]) {
      expect(response.headers.get("strict-transport-security")).toBeNull();
      expect(cspOf(response.headers).has("upgrade-insecure-requests")).toBe(false);
    }
  });

  it("ask for HSTS when the public URL is https", async () => {
    const app = await buildServer(hub, { logLevel: "silent", publicUrl: "https://hub.grantline.test" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      for (const path of ["/healthz", "/console/", "/docs/", "/me"]) {
        const response = await fetch(`${url}${path}`);
        expect(response.headers.get("strict-transport-security"), path).toBe("max-age=31536000; includeSubDomains");
        expect(cspOf(response.headers).has("upgrade-insecure-requests"), path).toBe(true);
        if (path === "/me") expectApiProtected(response.headers, path);
        else expectProtected(response.headers, path);
      }
    } finally {
      await app.close();
    }
  });

  describe("in Chromium", () => {
    let chromium: Chromium;
    let attacker: http.Server;
    let attackerUrl: string;

    beforeAll(async () => {
      chromium = await launchChromium();
      // Another site: the hub listens on 127.0.0.1, this page is reached as localhost.
      attacker = http.createServer((request, response) => {
        const frames = new URL(request.url ?? "/", "http://localhost").searchParams.getAll("frame");
        response.setHeader("content-type", "text/html; charset=utf-8");
        response.end(`<!doctype html><title>Win a prize</title>${frames.map((src, i) => `<iframe id="f${i}" src="${src.replace(/"/g, "&quot;")}"></iframe>`).join("")}`);
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      const address = attacker.address();
      attackerUrl = `http://localhost:${typeof address === "object" && address ? address.port : 0}`;
    }, 60_000);
    afterAll(async () => {
      await chromium?.close();
      await new Promise((resolve) => attacker?.close(resolve));
    });

    /** A context that records every CSP violation its pages report. */
    async function watchedContext(): Promise<BrowserContext> {
      const context = await chromium.newContext();
      await context.addInitScript(() => {
        const page = globalThis as any;
        const seen: string[] = [];
        page.cspViolations = seen;
        page.document.addEventListener("securitypolicyviolation", (event: any) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
      });
      return context;
    }
    const violationsOf = (page: Page) => page.evaluate(() => (globalThis as any).cspViolations as string[]);
    const computed = (page: Page, selector: string, property: string) =>
      page.locator(selector).evaluate((el, name) => el.ownerDocument.defaultView!.getComputedStyle(el).getPropertyValue(name).trim(), property);

    it("run the console under its CSP: Mantine's styles apply, pages render, nothing is refused", async () => {
      const context = await watchedContext();
      const page = await context.newPage();
      await signIn(page, world.url, world.person.email, PASSWORD);
      // The theme's variables come from Mantine's own <style> element, which carries the nonce.
      const primary = await computed(page, "html", "--mantine-primary-color-filled");
      expect(primary).not.toBe("");
      const account = world.assets.adAccountA.replace(/^act_/, "");
      await page.goto(`${world.url}/console/b/${world.business.id}/assets/ad_account/act_${account}`);
      await page.getByRole("heading", { name: "Account A", level: 2 }).waitFor();
      await page.getByText("Who can access this and how").first().waitFor();
      expect(await violationsOf(page)).toEqual([]);
      await context.close();
    }, 60_000);

    it("render the API docs (swagger-ui) from its own files, nothing refused", async () => {
      const context = await watchedContext();
      const page = await context.newPage();
      await page.goto(`${world.url}/docs/`);
      await page.getByText("Grantline Graph API").first().waitFor();
      await page.locator(".opblock").first().waitFor();
      expect(await violationsOf(page)).toEqual([]);
      await context.close();
    }, 60_000);

    it("style the OAuth sign-in page by its inline style's hash, nothing refused", async () => {
      const context = await watchedContext();
      const page = await context.newPage();
      await page.goto(await authorizationUrl(world));
      await page.getByRole("heading", { name: "Sign in to connect Report Tool" }).waitFor();
      expect(await computed(page, "body", "background-color")).toBe("rgb(241, 243, 245)");
      expect(await violationsOf(page)).toEqual([]);
      await context.close();
    }, 60_000);

    it("refuse to be framed by another site: the consent page, the sign-in page, the reset page", async () => {
      const context = await chromium.newContext();
      // The person signs in to the app's authorization request and reaches the consent page...
      const page = await context.newPage();
      await page.goto(await authorizationUrl(world));
      await page.getByLabel("Email").fill(world.person.email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Report Tool wants to connect to your account" }).waitFor();
      const consentUrl = page.url();

      // ...then a page of another site frames it (and the other pages) to trick a click.
      const framed = [consentUrl, `${world.url}/console/login`, `${world.url}/auth/password-reset?token=abc`];
      const control = `${attackerUrl}/?`; // the attacker's own page frames fine: the check can see a loaded frame
      const query = new URLSearchParams([...framed, control].map((src): [string, string] => ["frame", src]));
      const attack = await context.newPage();
      await attack.goto(`${attackerUrl}/?${query.toString()}`);
      await attack.waitForLoadState("load");
      const contents = async (i: number) => {
        const frame = await (await attack.locator(`#f${i}`).elementHandle())!.contentFrame();
        const text = await frame?.evaluate(() => ((globalThis as any).document.body?.innerText ?? "") as string).catch(() => "");
        return { url: frame?.url() ?? "", text: text ?? "" };
      };
      for (let i = 0; i < framed.length; i++) {
        const { url, text } = await contents(i);
        expect(url, framed[i]).not.toBe(framed[i]);
        expect(text, framed[i]).not.toMatch(/wants to connect|Sign in|Choose a new password/);
      }
      expect((await contents(framed.length)).url).toBe(control);
      await context.close();
    }, 60_000);
  });
});
