import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { Browser } from "../auth/browser.ts";
import { buildOAuthWorld, clientConfig, connect, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

describe.each(DIALECTS)("OAuth authorization code flow (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    world = await buildOAuthWorld(hub, dialect);
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  it("connects an app with PKCE for one chosen ad account; the token works on the Graph surface for that account only", async () => {
    const config = await clientConfig(world);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: world.app.redirectUri,
      scope: "ads_read ads_management",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const browser = new Browser(world.url);
    const result = await connect(browser, url, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA] });
    expect(result.page).toBeUndefined();
    expect(result.callback!.origin + result.callback!.pathname).toBe(world.app.redirectUri);
    expect(result.callback!.searchParams.get("state")).toBe(state);

    const tokens = await client.authorizationCodeGrant(config, result.callback!, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();

    const a = await fetch(`${world.url}/v24.0/act_${world.assets.adAccountA}?fields=id,name&access_token=${tokens.access_token}`);
    expect(a.status).toBe(200);
    const b = await fetch(`${world.url}/v24.0/act_${world.assets.adAccountB}?fields=id,name&access_token=${tokens.access_token}`);
    expect(b.status).toBeGreaterThanOrEqual(400);

    const introspection = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).toBe(true);
    expect(introspection.client_id).toBe(world.app.id);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const c = await fetch(`${world.url}/act_${world.assets.adAccountA}?access_token=${refreshed.access_token}`);
    expect(c.status).toBe(200);
  });
});
