import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { CALLBACK_PATH } from "../../src/autopilot/app/connect.service.ts";
import { GraphApiError } from "../../src/autopilot/app/graphClient.ts";
import { ensureAutopilotApp, registerAutopilotApp, type AutopilotRegistration } from "../../src/autopilot/app/registration.ts";
import { FLOW_COOKIE } from "../../src/autopilot/app/connectRoutes.ts";
import { SecretBox } from "../../src/crypto/secretBox.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { Browser } from "../auth/browser.ts";
import { actionOf, buildOAuthWorld, connect, csrfOf, follow, PASSWORD, type OAuthWorld } from "../oauth/oauthWorld.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/**
 * Autopilot connects as a partner app: the authorization code flow with PKCE against a listening
 * hub, the person picking one of two ad accounts on the consent page, and the callback creating a
 * connection for exactly the granted account.
 */
describe.each(DIALECTS)("Autopilot connects through OAuth (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let autopilot: Autopilot;
  let registration: AutopilotRegistration;
  const key = crypto.randomBytes(32);
  let clockOffset = 0;
  let pixel: { id: string };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: key, now: () => Date.now() + clockOffset });
    world = await buildOAuthWorld(hub, `ap-${dialect}`, { serverOptions: { autopilot: { autopilot, host: hostFromHub(hub) } } });
    // As `serve` does: the hub Autopilot registers with is trusted, the outbound guard stays strict otherwise.
    autopilot.deps.http.trust(world.url);
    registration = await registerAutopilotApp(hub, autopilot, { hubUrl: world.url });
    pixel = await hub.assets.createAsset(principalContext("person", world.person.id), world.business.id, { type: "pixel", name: "Shop Pixel" });
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  /** A signed-in browser (hub session cookie) and the person's console token. */
  async function signedIn(): Promise<{ browser: Browser; token: string }> {
    const browser = new Browser(world.url);
    expect((await browser.post("/auth/login", { email: world.person.email, password: PASSWORD })).status).toBe(200);
    const session = await browser.get("/auth/session");
    return { browser, token: session.body.access_token as string };
  }

  async function workspace(token: string, browser: Browser, name: string): Promise<string> {
    const created = await browser.post(`/autopilot/businesses/${world.business.id}/workspaces`, { name }, { authorization: `Bearer ${token}` });
    expect(created.status).toBe(200);
    return created.body.id as string;
  }

  async function startConnect(browser: Browser, token: string, ws: string, returnTo = `/console/b/${world.business.id}/autopilot`) {
    const started = await browser.post(`/autopilot/workspaces/${ws}/connect`, { return_to: returnTo }, { authorization: `Bearer ${token}` });
    expect(started.status).toBe(200);
    return new URL(started.body.authorization_url as string);
  }

  it("registers Autopilot as an app of its own business, with the secret sealed", async () => {
    const app = await hub.appRegistry.get(registration.client_id);
    expect(app).toMatchObject({ businessId: registration.business_id, redirectUris: [`${world.url}${CALLBACK_PATH}`], scopes: ["ads_read", "ads_management"] });
    // The hub's own app, registered by its operator: verified, as its business is, and first-party.
    expect(app!.verified).toBe(true);
    expect(app!.firstParty).toBe(true);
    expect((await hub.store.db.selectFrom("businesses").select("verification_status").where("id", "=", registration.business_id).executeTakeFirstOrThrow()).verification_status).toBe("verified");
    const row = await autopilotDb(hub.store.db).selectFrom("autopilot_oauth_clients").selectAll().executeTakeFirstOrThrow();
    const secret = new SecretBox(key).open(row.sealed_secret, `autopilot_client_secret:${row.id}`);
    expect(await hub.appRegistry.checkSecret(registration.client_id, secret)).toBe(true);
    expect(row.sealed_secret).not.toContain(secret);
  });

  it("connects exactly the ad account chosen on the consent page; the other is refused with 200/10", async () => {
    const { browser, token } = await signedIn();
    const ws = await workspace(token, browser, `Acme ${dialect}`);
    const authorizationUrl = await startConnect(browser, token, ws);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("client_id")).toBe(registration.client_id);
    expect(authorizationUrl.searchParams.get("redirect_uri")).toBe(`${world.url}${CALLBACK_PATH}`);
    // The state and verifier are kept hashed and sealed, never in the clear.
    const flow = await autopilotDb(hub.store.db).selectFrom("autopilot_oauth_flows").selectAll().where("workspace_id", "=", ws).executeTakeFirstOrThrow();
    expect(flow.state_hash).not.toBe(authorizationUrl.searchParams.get("state"));

    const result = await connect(browser, authorizationUrl, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA, pixel.id], callbackPath: CALLBACK_PATH });
    expect(result.callback?.pathname).toBe(CALLBACK_PATH);
    const back = await browser.get(result.callback!.toString());
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`/console/b/${world.business.id}/autopilot?connected=act_${world.assets.adAccountA}`);

    const view = await autopilot.workspaces.view(ws);
    expect(view.connections.map((c) => c.ad_account_id)).toEqual([`act_${world.assets.adAccountA}`]);
    expect(view.connections[0]).toMatchObject({ status: "active", graph_url: world.url, scopes: ["ads_read", "ads_management"], pixel_id: pixel.id, catalog_id: null, ad_account_name: "Account A" });
    // Exchanged for a long-lived token (60 days), as Meta's apps do.
    expect(view.connections[0]!.token_expires_at! - Date.now()).toBeGreaterThan(59 * 86_400_000);

    const [connection] = await autopilot.workspaces.connections(ws);
    expect(connection!.sealed_token.startsWith("v1.")).toBe(true);
    const client = await autopilot.workspaces.clientFor(connection!);
    expect(await client.get(`act_${world.assets.adAccountA}`, { fields: "id,name" })).toMatchObject({ name: "Account A" });
    const refused = await client.get(`act_${world.assets.adAccountB}`, { fields: "id,name" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GraphApiError);
    expect([200, 10]).toContain((refused as GraphApiError).code);

    const audit = await hub.store.db.selectFrom("audit_entries").select(["action", "business_id"]).where("action", "like", "autopilot.connect%").where("business_id", "=", world.business.id).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(expect.arrayContaining(["autopilot.connect", "autopilot.connect_start"]));

    // Connecting the hub's own verified app with write scopes is no "unverified app" finding against
    // it; the review still lists it among what reaches the business's assets from outside it, with
    // the fix that removes it.
    const report = await hub.review.findings(principalContext("person", world.person.id), world.business.id);
    const againstAutopilot = report.findings.filter((f) => f.principal?.id === registration.client_id);
    expect(againstAutopilot.map((f) => [f.kind, f.asset?.id, f.fix.action]).sort()).toEqual(
      [
        ["external", world.assets.adAccountA, "remove_app"],
        ["external", pixel.id, "remove_app"],
      ].sort(),
    );

    // Removing Autopilot's app in the hub shows at once: the next look at the workspaces finds the
    // connection needing attention (the token no longer works), without waiting for the monitors.
    const listed = async () => ((await browser.get(`/autopilot/businesses/${world.business.id}/workspaces`, { authorization: `Bearer ${token}` })).body.data as { id: string; connections: { status: string }[] }[]).find((w) => w.id === ws)!;
    expect(listed).toBeDefined();
    expect((await listed()).connections.map((c) => c.status)).toEqual(["active"]);
    const grant = await hub.store.db.selectFrom("app_grants").select("id").where("app_id", "=", registration.client_id).where("revoked_at", "is", null).executeTakeFirstOrThrow();
    await hub.apps.revoke(principalContext("person", world.person.id), grant.id);
    clockOffset += 20_000;
    expect((await listed()).connections.map((c) => c.status)).toEqual(["needs_attention"]);
    clockOffset -= 20_000;

    // The callback is good once.
    const again = await browser.get(result.callback!.toString());
    expect(again.status).toBe(303);
    expect(new URL(again.headers.get("location")!, world.url).searchParams.get("connect_error")).toMatch(/already used/);
  });

  it("refuses a callback from another browser, an unknown state, an expired attempt and a wrong verifier, connecting nothing", async () => {
    const { browser, token } = await signedIn();
    const ws = await workspace(token, browser, `Checks ${dialect}`);
    const errorOf = (response: { headers: Headers }) => new URL(response.headers.get("location")!, world.url).searchParams.get("connect_error");

    // Another browser (no flow cookie) brings back a real code: refused.
    const url1 = await startConnect(browser, token, ws);
    const result1 = await connect(browser, url1, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA], callbackPath: CALLBACK_PATH });
    const stranger = new Browser(world.url);
    expect(errorOf(await stranger.get(result1.callback!.toString()))).toMatch(/started in another browser/);

    // A state Autopilot never issued.
    const forged = new URL(result1.callback!);
    forged.searchParams.set("state", "not-a-state-we-issued");
    const unknown = await browser.get(forged.toString());
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/unknown to Autopilot/);

    // Too late: the attempt expired.
    const url2 = await startConnect(browser, token, ws);
    const result2 = await connect(browser, url2, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA], callbackPath: CALLBACK_PATH });
    clockOffset = 16 * 60_000;
    try {
      expect(errorOf(await browser.get(result2.callback!.toString()))).toMatch(/expired/);
    } finally {
      clockOffset = 0;
    }

    // The server checks the PKCE verifier: with another one sealed in its place, the code is refused.
    const url3 = await startConnect(browser, token, ws);
    const stateHash = crypto.createHash("sha256").update(url3.searchParams.get("state")!).digest("hex");
    await autopilotDb(hub.store.db)
      .updateTable("autopilot_oauth_flows")
      .set({ sealed_verifier: new SecretBox(key).seal("x".repeat(64), `autopilot_pkce:${stateHash}`) })
      .where("state_hash", "=", stateHash)
      .execute();
    const result3 = await connect(browser, url3, { email: world.person.email, password: PASSWORD, assets: [world.assets.adAccountA], callbackPath: CALLBACK_PATH });
    expect(errorOf(await browser.get(result3.callback!.toString()))).toMatch(/could not be exchanged/);

    expect((await autopilot.workspaces.view(ws)).connections).toEqual([]);
  });

  it("refuses a connection approved by someone other than the person who pressed Connect", async () => {
    const { browser, token } = await signedIn();
    const ws = await workspace(token, browser, `Mix-up ${dialect}`);
    const url = await startConnect(browser, token, ws);
    // Bob, with an ad account of his own, consents in a browser carrying Alice's flow cookie.
    const email = `bob.${dialect}.${Date.now()}@people.test`;
    const bob = await hub.businesses.createPerson(operatorContext(), { name: "Bob", email });
    await hub.auth.setPassword(operatorContext(), email, PASSWORD);
    const bobBusiness = await hub.businesses.createBusiness(principalContext("person", bob.id), { name: `Bob's shop ${dialect}` });
    const bobAccount = await hub.assets.createAsset(principalContext("person", bob.id), bobBusiness.id, { type: "ad_account", name: "Bob's account", adAccount: { currency: "USD", timezoneName: "UTC" } });
    const bobBrowser = new Browser(world.url);
    bobBrowser.cookies.set(FLOW_COOKIE, browser.cookies.get(FLOW_COOKIE)!);
    const result = await connect(bobBrowser, url, { email, password: PASSWORD, assets: [bobAccount.id], callbackPath: CALLBACK_PATH });
    const back = await bobBrowser.get(result.callback!.toString());
    expect(new URL(back.headers.get("location")!, world.url).searchParams.get("connect_error")).toMatch(/Someone other than the person who pressed Connect/);
    expect((await autopilot.workspaces.view(ws)).connections).toEqual([]);
    // Autopilot gave Bob's grant back rather than keep a token it will not use.
    const grants = await hub.store.db.selectFrom("app_grants").select("revoked_at").where("principal_id", "=", bob.id).execute();
    expect(grants).toHaveLength(1);
    expect(grants[0]!.revoked_at).not.toBeNull();
  });

  it("keeps the registration while the hub's URL stays the same, and registers again when it moved", async () => {
    const same = await ensureAutopilotApp(hub, autopilot, world.url);
    expect(same).toMatchObject({ created: false, client: { client_id: registration.client_id } });
    const moved = await ensureAutopilotApp(hub, autopilot, "http://localhost:8080");
    expect(moved.created).toBe(true);
    expect(moved.client).toMatchObject({ redirect_uri: `http://localhost:8080${CALLBACK_PATH}`, issuer: "http://localhost:8080" });
    expect(moved.client.client_id).not.toBe(registration.client_id);
    // Back to this hub's URL for the other tests.
    await ensureAutopilotApp(hub, autopilot, world.url);
  });

  it("says so when the person cancels on the consent page, and only the business's admins may start", async () => {
    const { browser, token } = await signedIn();
    const ws = await workspace(token, browser, `Cancel ${dialect}`);
    const url = await startConnect(browser, token, ws);
    const page = await follow(browser, url.toString(), CALLBACK_PATH);
    const html = page.response.text;
    const denied = await browser.request("POST", actionOf(html, "deny"), { form: { _csrf: csrfOf(html) } });
    const callback = await follow(browser, new URL(denied.headers.get("location")!, world.url).toString(), CALLBACK_PATH);
    const back = await browser.get(callback.location!.toString());
    expect(new URL(back.headers.get("location")!, world.url).searchParams.get("connect_error")).toBe("You cancelled the connection; nothing was connected.");
    expect((await autopilot.workspaces.view(ws)).connections).toEqual([]);

    // Someone with no relation to the advertiser cannot start a connection or see the workspace: the
    // workspace is answered as one that does not exist, the business as a business that does not.
    const email = `outsider.${dialect}.${Date.now()}@people.test`;
    await hub.businesses.createPerson(operatorContext(), { name: "Outsider", email });
    await hub.auth.setPassword(operatorContext(), email, PASSWORD);
    const outsider = new Browser(world.url);
    await outsider.post("/auth/login", { email, password: PASSWORD });
    const outsiderToken = (await outsider.get("/auth/session")).body.access_token as string;
    const refused = await outsider.post(`/autopilot/workspaces/${ws}/connect`, {}, { authorization: `Bearer ${outsiderToken}` });
    expect(refused.body.error).toMatchObject({ code: 200, message: "(#200) You cannot manage this Autopilot workspace." });
    expect((await outsider.get(`/autopilot/businesses/${world.business.id}/workspaces`, { authorization: `Bearer ${outsiderToken}` })).body.error).toMatchObject({ code: 100, error_subcode: 33 });
    for (const returnTo of ["https://evil.example/", "//evil.example/console", "/\\evil.example"]) {
      const bad = await browser.post(`/autopilot/workspaces/${ws}/connect`, { return_to: returnTo }, { authorization: `Bearer ${token}` });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/return_to must be a path on this server/);
    }
  });
});
