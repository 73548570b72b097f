import * as client from "openid-client";
import { createMailer } from "../../src/mail/mailer.ts";
import type { FastifyInstance } from "fastify";
import { buildServer, type ServerOptions } from "../../src/http/server.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { Browser } from "../auth/browser.ts";
import os from "node:os";
import path from "node:path";

export const PASSWORD = "a long enough password";

export interface OAuthWorld {
  url: string;
  close(): Promise<void>;
  person: { id: string; email: string };
  business: { id: string };
  assets: { adAccountA: string; adAccountB: string; page: string };
  app: { id: string; secret: string; redirectUri: string };
  otherApp: { id: string; secret: string; redirectUri: string };
}

/** A listening hub with a person who owns two ad accounts and a Page, and two registered apps. */
export async function buildOAuthWorld(
  hub: Grantline,
  label: string,
  extra: { serverOptions?: Partial<ServerOptions>; configure?: (app: FastifyInstance) => void } = {},
): Promise<OAuthWorld> {
  const app = await buildServer(hub, { logLevel: "silent", mailer: createMailer({ smtpUrl: undefined, from: "x <x@x.test>", outboxDir: path.join(os.tmpdir(), "grantline-test-outbox") }), ...extra.serverOptions });
  extra.configure?.(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const email = `owner.${label}.${Date.now()}@people.test`;
  const person = await hub.businesses.createPerson(operatorContext(), { name: `Owner ${label}`, email });
  await hub.auth.setPassword(operatorContext(), email, PASSWORD);
  const ctx = principalContext("person", person.id);
  const business = await hub.businesses.createBusiness(ctx, { name: `Advertiser ${label}` });
  const adAccountA = await hub.assets.createAsset(ctx, business.id, { type: "ad_account", name: "Account A", adAccount: { currency: "USD", timezoneName: "UTC", spendCap: null } });
  const adAccountB = await hub.assets.createAsset(ctx, business.id, { type: "ad_account", name: "Account B", adAccount: { currency: "USD", timezoneName: "UTC", spendCap: null } });
  const page = await hub.assets.createAsset(ctx, business.id, { type: "page", name: "The Page" });
  const developer = await hub.businesses.createBusiness(operatorContext(), { name: `Tool Maker ${label}` });
  const redirectUri = "http://127.0.0.1:9/callback";
  const registered = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Report Tool", redirectUris: [redirectUri] });
  const other = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Other Tool", redirectUris: ["http://127.0.0.1:9/other"] });
  void presetTasks;
  return {
    url,
    close: () => app.close(),
    person: { id: person.id, email },
    business: { id: business.id },
    assets: { adAccountA: adAccountA.id, adAccountB: adAccountB.id, page: page.id },
    app: { id: registered.app.id, secret: registered.clientSecret, redirectUri },
    otherApp: { id: other.app.id, secret: other.clientSecret, redirectUri: "http://127.0.0.1:9/other" },
  };
}

export async function clientConfig(world: OAuthWorld, which: "app" | "otherApp" = "app"): Promise<client.Configuration> {
  const app = world[which];
  return client.discovery(new URL(world.url), app.id, app.secret, client.ClientSecretBasic(app.secret), { execute: [client.allowInsecureRequests] });
}

/**
 * Follows redirects inside the hub; stops at the first page or at a redirect leaving it (or, with
 * `stopAt`, at a redirect to a path of the hub itself, such as an app served by the hub).
 */
export async function follow(browser: Browser, start: string, stopAt?: string) {
  let response = await browser.get(start);
  for (let i = 0; i < 10 && response.status >= 300 && response.status < 400; i++) {
    const location = new URL(response.headers.get("location")!, browser.baseUrl);
    if (location.origin !== new URL(browser.baseUrl).origin || (stopAt && location.pathname === stopAt)) return { response, location };
    response = await browser.get(location.toString());
  }
  return { response, location: undefined };
}

export function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

export function actionOf(html: string, suffix: string): string {
  return new RegExp(`action="(/oauth/interaction/[^"]+/${suffix})"`).exec(html)![1]!;
}

/**
 * A person connects an app in the browser: authorization request, sign-in, consent for the chosen
 * assets and scopes. Returns the redirect back to the app (with code and state), or the last page.
 */
export async function connect(
  browser: Browser,
  authorizationUrl: URL | string,
  input: { email: string; password: string; assets: string[]; businesses?: string[]; scopes?: string[]; callbackPath?: string },
): Promise<{ callback?: URL; page?: string; status?: number }> {
  const go = (start: string) => follow(browser, start, input.callbackPath);
  let step = await go(authorizationUrl.toString());
  if (step.location) return { callback: step.location };
  if (step.response.text.includes("/login\"")) {
    const html = step.response.text;
    const posted = await browser.request("POST", actionOf(html, "login"), { form: { _csrf: csrfOf(html), email: input.email, password: input.password } });
    if (posted.status >= 400) return { page: posted.text, status: posted.status };
    step = await go(new URL(posted.headers.get("location")!, browser.baseUrl).toString());
    if (step.location) return { callback: step.location };
  }
  const html = step.response.text;
  if (!html.includes("/consent\"")) return { page: html, status: step.response.status };
  const form = new URLSearchParams({ _csrf: csrfOf(html) });
  const scopes = input.scopes ?? [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
  for (const scope of scopes) form.append("scope", scope);
  for (const asset of input.assets) form.append("asset", asset);
  for (const business of input.businesses ?? []) form.append("business", business);
  const response = await browser.request("POST", actionOf(html, "consent"), { form });
  if (response.status >= 400) return { page: response.text, status: response.status };
  const after = await go(new URL(response.headers.get("location")!, browser.baseUrl).toString());
  return after.location ? { callback: after.location } : { page: after.response.text, status: after.response.status };
}

/** Runs the whole flow for one app and returns its tokens. */
export async function authorizeApp(
  world: OAuthWorld,
  browser: Browser,
  input: { which?: "app" | "otherApp"; scope?: string; assets: string[]; businesses?: string[]; state?: string; email?: string },
): Promise<{ config: client.Configuration; tokens: client.TokenEndpointResponse; callback: URL; verifier: string; state: string }> {
  const which = input.which ?? "app";
  const config = await clientConfig(world, which);
  const verifier = client.randomPKCECodeVerifier();
  const state = input.state ?? client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: world[which].redirectUri,
    scope: input.scope ?? "ads_read ads_management",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  const result = await connect(browser, url, { email: input.email ?? world.person.email, password: PASSWORD, assets: input.assets, ...(input.businesses ? { businesses: input.businesses } : {}) });
  if (!result.callback) throw new Error(`no callback: ${result.status} ${result.page?.slice(0, 300)}`);
  const tokens = await client.authorizationCodeGrant(config, result.callback, { pkceCodeVerifier: verifier, expectedState: state });
  return { config, tokens, callback: result.callback, verifier, state };
}

/** GET a Graph path with a token; returns status and the Graph error code, if any. */
export async function graphGet(world: OAuthWorld, pathAndQuery: string, token: string) {
  const url = new URL(pathAndQuery, world.url);
  url.searchParams.set("access_token", token);
  const response = await fetch(url);
  const body = (await response.json()) as { error?: { code: number; error_subcode?: number; message: string } } & Record<string, unknown>;
  return { status: response.status, code: body.error?.code, subcode: body.error?.error_subcode, body };
}
