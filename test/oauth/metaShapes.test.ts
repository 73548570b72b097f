import crypto from "node:crypto";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, connect, graphGet, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

describe.each(DIALECTS)("Meta's OAuth shapes (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    world = await buildOAuthWorld(hub, `meta-${dialect}`);
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  it("runs Meta's login dialog and code exchange (/v24.0/dialog/oauth, GET /v24.0/oauth/access_token) with PKCE", async () => {
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const dialog = `/v24.0/dialog/oauth?client_id=${world.app.id}&redirect_uri=${encodeURIComponent(world.app.redirectUri)}&state=meta1&scope=ads_read,pages_show_list&code_challenge=${challenge}&code_challenge_method=S256`;
    const { callback } = await connect(new Browser(world.url), new URL(dialog, world.url), { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA, world.assets.page] });
    expect(callback!.searchParams.get("state")).toBe("meta1");
    const code = callback!.searchParams.get("code")!;
    const base = `${world.url}/v24.0/oauth/access_token?client_id=${world.app.id}&redirect_uri=${encodeURIComponent(world.app.redirectUri)}`;
    const wrongSecret = await fetch(`${base}&client_secret=nope&code=${code}&code_verifier=${verifier}`);
    expect(wrongSecret.status).toBe(400);
    const exchanged = await fetch(`${base}&client_secret=${world.app.secret}&code=${code}&code_verifier=${verifier}`);
    const body = (await exchanged.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe("bearer");
    expect(body.expires_in).toBe(3600);
    expect((await graphGet(world, `/v24.0/act_${world.assets.adAccountA}`, body.access_token)).status).toBe(200);

    const debug = (await (await fetch(`${world.url}/debug_token?input_token=${body.access_token}&access_token=${world.app.id}|${world.app.secret}`)).json()) as { data: Record<string, unknown> };
    expect(debug.data).toMatchObject({ app_id: world.app.id, type: "USER", application: "Report Tool", is_valid: true, user_id: world.person.id, scopes: ["ads_read", "pages_show_list"] });
    expect(debug.data.granular_scopes).toEqual([
      { scope: "ads_read", target_ids: [world.assets.adAccountA] },
      { scope: "pages_show_list", target_ids: [world.assets.page] },
    ]);
    const permissions = await graphGet(world, "/me/permissions", body.access_token);
    expect(permissions.body.data).toEqual(
      expect.arrayContaining([
        { permission: "ads_read", status: "granted" },
        { permission: "pages_show_list", status: "granted" },
        { permission: "ads_management", status: "declined" },
      ]),
    );
    // The code is spent; trying it again revokes what it gave.
    const again = await fetch(`${base}&client_secret=${world.app.secret}&code=${code}&code_verifier=${verifier}`);
    expect(((await again.json()) as { error: { code: number } }).error.code).toBe(100);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, body.access_token)).code).toBe(190);
  });

  it("the consent page names the app, its badge and each scope in plain words, with labelled choices", async () => {
    await hub.appRegistry.setReviewStatus(operatorContext(), world.app.id, "verified");
    const browser = new Browser(world.url);
    await browser.post("/auth/login", { email: world.person.email, password: PASSWORD });
    const verifier = client.randomPKCECodeVerifier();
    let response = await browser.get(`/dialog/oauth?client_id=${world.app.id}&redirect_uri=${encodeURIComponent(world.app.redirectUri)}&scope=ads_read,ads_management&code_challenge=${await client.calculatePKCECodeChallenge(verifier)}&code_challenge_method=S256&prompt=consent`);
    while (response.status >= 300 && response.status < 400) response = await browser.get(response.headers.get("location")!);
    expect(response.text).toContain("Report Tool wants to connect");
    expect(response.text).toContain("Verified partner");
    expect(response.text).toContain("read only; <code>ads_read</code>");
    expect(response.text).toContain("read and change; <code>ads_management</code>");
    expect(response.text).toMatch(/<label class="option"><input type="checkbox" name="asset" value="\d+"><span class="option-text"><span class="option-title">Account A<\/span><span class="option-meta">Ad account · ID act_\d+<\/span>/);
    expect(response.text).toContain(`<input type="checkbox" name="business" value="${world.business.id}">`);
    await hub.appRegistry.setReviewStatus(operatorContext(), world.app.id, "unreviewed");
  });

  it("enforces appsecret_proof for apps registered to require it; other apps keep only a hash and their proofs are not checked", async () => {
    // The proof is an HMAC keyed by the app secret, so only these apps keep it (sealed).
    const developer = await hub.businesses.createBusiness(operatorContext(), { name: "Proof Maker" });
    const registered = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Signed Tool", redirectUris: ["http://127.0.0.1:9/signed"], requireAppsecretProof: true });
    const row = await hub.store.db.selectFrom("apps").selectAll().where("id", "=", registered.app.id).executeTakeFirstOrThrow();
    expect(row.client_secret_sealed).not.toBeNull();
    expect(row.client_secret_sealed).not.toContain(registered.clientSecret);
    const signedWorld = { ...world, app: { id: registered.app.id, secret: registered.clientSecret, redirectUri: "http://127.0.0.1:9/signed" } };
    const { tokens } = await authorizeApp(signedWorld, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const path = `/act_${world.assets.adAccountA}`;
    expect((await graphGet(world, path, tokens.access_token)).body.error!.message).toContain("appsecret_proof");
    const bad = await graphGet(world, `${path}?appsecret_proof=${"0".repeat(64)}`, tokens.access_token);
    expect(bad.body.error!.message).toContain("Invalid appsecret_proof");
    const proof = crypto.createHmac("sha256", registered.clientSecret).update(tokens.access_token).digest("hex");
    expect((await graphGet(world, `${path}?appsecret_proof=${proof}`, tokens.access_token)).status).toBe(200);

    // An app without the requirement: no recoverable secret, so a proof it sends (SDKs often do) is not checked.
    const plain = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const plainProof = crypto.createHmac("sha256", world.app.secret).update(plain.tokens.access_token).digest("hex");
    expect((await graphGet(world, `${path}?appsecret_proof=${plainProof}`, plain.tokens.access_token)).status).toBe(200);
    expect((await graphGet(world, path, plain.tokens.access_token)).status).toBe(200);
  });

  it("authenticates clients against the stored hash at the token, introspection and revocation endpoints", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const post = (path: string, secret: string, body: string) =>
      fetch(`${world.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${world.app.id}:${secret}`).toString("base64")}` },
        body,
      });
    const row = await hub.store.db.selectFrom("apps").select(["client_secret_hash"]).where("id", "=", world.app.id).executeTakeFirstOrThrow();
    for (const secret of [`${world.app.secret}x`, row.client_secret_hash!]) {
      // A wrong secret, and the stored hash itself (a leaked database row is not a credential).
      expect((await post("/oauth/introspect", secret, `token=${tokens.access_token}`)).status).toBe(401);
      expect((await post("/oauth/token", secret, `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`)).status).toBe(401);
      expect((await post("/oauth/revoke", secret, `token=${tokens.access_token}`)).status).toBe(401);
    }
    const introspected = (await (await post("/oauth/introspect", world.app.secret, `token=${tokens.access_token}`)).json()) as { active: boolean };
    expect(introspected.active).toBe(true);
    // client_secret_post works too.
    const viaPost = await fetch(`${world.url}/oauth/introspect`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${tokens.access_token}&client_id=${world.app.id}&client_secret=${world.app.secret}` });
    expect(viaPost.status).toBe(200);
    const refreshed = await post("/oauth/token", world.app.secret, `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`);
    expect(refreshed.status).toBe(200);
  });

  it("audits OAuth failures without secrets", async () => {
    await fetch(`${world.url}/oauth/access_token?client_id=${world.app.id}&client_secret=wrong-secret-value&code=abc`);
    const basic = Buffer.from(`${world.app.id}:${world.app.secret}`).toString("base64");
    await fetch(`${world.url}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` }, body: "grant_type=authorization_code&code=forged-code&redirect_uri=x" });
    const entries = await hub.store.db.selectFrom("audit_entries").selectAll().where("action", "like", "oauth.%").execute();
    expect(entries.some((e) => e.action === "oauth.access_token" && e.outcome === "denied")).toBe(true);
    expect(entries.some((e) => e.action === "oauth.grant" && e.reason?.includes("invalid_grant"))).toBe(true);
    const all = JSON.stringify(await hub.store.db.selectFrom("audit_entries").selectAll().execute());
    expect(all).not.toContain(world.app.secret);
    expect(all).not.toContain("wrong-secret-value");
    expect(all).not.toContain(PASSWORD);
  });
});
