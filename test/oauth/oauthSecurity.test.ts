import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { DIALECTS, makeTestStore, type TestClock, type TestStore } from "../support/hubs.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, clientConfig, connect, graphGet, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

/** The promise fails with this OAuth error code (openid-client puts it on `error`). */
async function expectOAuthError(promise: Promise<unknown>, code: string): Promise<void> {
  const failure = await promise.then(
    () => undefined,
    (error: unknown) => error as { error?: string },
  );
  expect(failure?.error).toBe(code);
}

/**
 * RFC 9700 (OAuth 2.0 Security Best Current Practice) musts, checked with openid-client as the real
 * client against a listening hub.
 */
describe.each(DIALECTS)("OAuth security (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let offset = 0;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open({ now: () => Date.now() + offset } as TestClock);
    world = await buildOAuthWorld(hub, `sec-${dialect}`);
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  async function authorizationUrl(params: Record<string, string>): Promise<string> {
    const url = new URL("/oauth/authorize", world.url);
    const verifier = client.randomPKCECodeVerifier();
    const defaults: Record<string, string> = {
      client_id: world.app.id,
      redirect_uri: world.app.redirectUri,
      response_type: "code",
      scope: "ads_read",
      state: "s1",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    };
    for (const [key, value] of Object.entries({ ...defaults, ...params })) if (value !== "") url.searchParams.set(key, value);
    return url.toString();
  }

  it("matches redirect URIs exactly: no prefix, suffix, subdomain or foreign host, and never redirects there", async () => {
    const tricks = [
      "http://127.0.0.1:9/callback/extra",
      "http://127.0.0.1:9/callbackx",
      "http://127.0.0.1:9/callback?next=http://evil.example",
      "http://127.0.0.1:9/Callback",
      "http://evil.example/callback",
      "http://127.0.0.1.evil.example:9/callback",
      "http://127.0.0.1:9/other",
    ];
    for (const redirect of tricks) {
      const response = await fetch(await authorizationUrl({ redirect_uri: redirect }), { redirect: "manual" });
      expect(response.status, redirect).toBe(400);
      expect(response.headers.get("location"), redirect).toBeNull();
    }
    // Omitting redirect_uri is refused too, even with a single registered URI.
    expect((await fetch(await authorizationUrl({ redirect_uri: "" }), { redirect: "manual" })).status).toBe(400);
    const audited = await hub.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "oauth.authorization").execute();
    expect(audited.some((a) => a.reason?.includes("redirect_uri"))).toBe(true);
  });

  it("requires PKCE with S256: a missing challenge and the plain method are refused", async () => {
    const downgrades: Record<string, string>[] = [{ code_challenge: "", code_challenge_method: "" }, { code_challenge: "a".repeat(43), code_challenge_method: "plain" }, { code_challenge_method: "" }];
    for (const params of downgrades) {
      const response = await fetch(await authorizationUrl(params), { redirect: "manual" });
      const location = new URL(response.headers.get("location")!);
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("code")).toBeNull();
      expect(location.searchParams.get("state")).toBe("s1");
    }
  });

  it("refuses a code redeemed with a wrong or missing verifier", async () => {
    const browser = new Browser(world.url);
    const config = await clientConfig(world);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: world.app.redirectUri, scope: "ads_read", code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state: "x" });
    const { callback } = await connect(browser, url, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA] });
    await expectOAuthError(client.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: "x" }), "invalid_grant");
  });

  it("returns state unchanged", async () => {
    const state = "a b+c/d=é&x=<y>";
    const { callback } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA], state });
    expect(callback.searchParams.get("state")).toBe(state);
  });

  it("has no implicit flow and no password grant", async () => {
    for (const responseType of ["token", "id_token token", "code token"]) {
      const response = await fetch(await authorizationUrl({ response_type: responseType }), { redirect: "manual" });
      const location = response.headers.get("location");
      expect(location === null || !/access_token=/.test(location)).toBe(true);
      if (location) expect(new URL(location.replace("#", "?")).searchParams.get("error")).toMatch(/unsupported_response_type|invalid_request/);
    }
    const basic = Buffer.from(`${world.app.id}:${world.app.secret}`).toString("base64");
    const password = await fetch(`${world.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: "password", username: world.person.email, password: PASSWORD }).toString(),
    });
    expect(password.status).toBe(400);
    expect(((await password.json()) as { error: string }).error).toBe("unsupported_grant_type");
    const discovery = (await (await fetch(`${world.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, string[]>;
    expect(discovery.response_types_supported).toEqual(["code"]);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.grant_types_supported).not.toContain("password");
    expect(discovery.grant_types_supported).not.toContain("implicit");
  });

  it("uses a code once: a second redemption fails and revokes what the first one issued", async () => {
    const browser = new Browser(world.url);
    const config = await clientConfig(world);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: world.app.redirectUri, scope: "ads_read", code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state: "r" });
    const { callback } = await connect(browser, url, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA] });
    const tokens = await client.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: verifier, expectedState: "r" });
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).status).toBe(200);
    await expectOAuthError(client.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: verifier, expectedState: "r" }), "invalid_grant");
    const after = await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token);
    expect(after.status).toBe(400);
    expect(after.code).toBe(190);
    await expectOAuthError(client.refreshTokenGrant(config, tokens.refresh_token!), "invalid_grant");
  });

  it("detects refresh token replay: reusing a rotated refresh token revokes the whole family", async () => {
    const { config, tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const second = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, second.access_token)).status).toBe(200);
    await expectOAuthError(client.refreshTokenGrant(config, tokens.refresh_token!), "invalid_grant");
    await expectOAuthError(client.refreshTokenGrant(config, second.refresh_token!), "invalid_grant");
    for (const token of [tokens.access_token, second.access_token]) {
      const response = await graphGet(world, `/act_${world.assets.adAccountA}`, token);
      expect(response.code).toBe(190);
    }
    const introspection = await client.tokenIntrospection(config, second.access_token);
    expect(introspection.active).toBe(false);
  });

  it("keeps one app's tokens and codes away from another app's credentials", async () => {
    const browser = new Browser(world.url);
    const config = await clientConfig(world);
    const other = await clientConfig(world, "otherApp");
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: world.app.redirectUri, scope: "ads_read", code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state: "c" });
    const { callback } = await connect(browser, url, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA] });
    // The other app cannot redeem the code (wrong client), even with the right verifier.
    const stolen = new URL(callback!.toString().replace(world.app.redirectUri, world.otherApp.redirectUri));
    await expectOAuthError(client.authorizationCodeGrant(other, stolen, { pkceCodeVerifier: verifier, expectedState: "c" }), "invalid_grant");
    const { tokens } = await authorizeApp(world, browser, { assets: [world.assets.adAccountA] });
    expect((await client.tokenIntrospection(other, tokens.access_token)).active).toBe(false);
    await expectOAuthError(client.refreshTokenGrant(other, tokens.refresh_token!), "invalid_grant");
    await client.tokenRevocation(other, tokens.access_token).catch(() => undefined);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).status).toBe(200);
    const exchange = await fetch(`${world.url}/oauth/access_token?grant_type=fb_exchange_token&client_id=${world.otherApp.id}&client_secret=${world.otherApp.secret}&fb_exchange_token=${tokens.access_token}`);
    expect(((await exchange.json()) as { error: { code: number } }).error.code).toBe(190);
    const debug = await fetch(`${world.url}/debug_token?input_token=${tokens.access_token}&access_token=${world.otherApp.id}|${world.otherApp.secret}`);
    expect(((await debug.json()) as { data: { is_valid: boolean } }).data.is_valid).toBe(false);
  });

  it("rejects revoked and expired tokens with Graph code 190", async () => {
    const { config, tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    await client.tokenRevocation(config, tokens.access_token);
    const revoked = await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token);
    expect([revoked.status, revoked.code]).toEqual([400, 190]);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);

    const fresh = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    offset += 3601_000;
    try {
      const expired = await graphGet(world, `/act_${world.assets.adAccountA}`, fresh.tokens.access_token);
      expect([expired.status, expired.code, expired.subcode]).toEqual([400, 190, 463]);
    } finally {
      offset -= 3601_000;
    }
  });

  it("never lets consent for asset A reach asset B", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { scope: "ads_read ads_management pages_show_list", assets: [world.assets.adAccountA] });
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).status).toBe(200);
    for (const path of [`/act_${world.assets.adAccountB}`, `/act_${world.assets.adAccountB}/campaigns`, `/act_${world.assets.adAccountB}/insights`, `/${world.assets.page}`]) {
      const response = await graphGet(world, path, tokens.access_token);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.body.id).toBeUndefined();
      expect(response.body.data).toBeUndefined();
    }
    // The refusal says what is missing (the asset was not chosen), as explain does.
    expect((await graphGet(world, `/act_${world.assets.adAccountB}`, tokens.access_token)).body.error!.message).toContain("was not given Account B");
    const debug = await fetch(`${world.url}/debug_token?input_token=${tokens.access_token}&access_token=${world.app.id}|${world.app.secret}`);
    const data = ((await debug.json()) as { data: { granular_scopes: { scope: string; target_ids?: string[] }[] } }).data;
    expect(data.granular_scopes.find((g) => g.scope === "ads_read")!.target_ids).toEqual([world.assets.adAccountA]);
  });
});
