import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { CALLBACK_PATH } from "../../src/autopilot/app/connect.service.ts";
import { ensureConfiguredApp } from "../../src/autopilot/app/registration.ts";
import { SecretBox } from "../../src/crypto/secretBox.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { Browser } from "../auth/browser.ts";
import { buildOAuthWorld, PASSWORD, type OAuthWorld } from "../oauth/oauthWorld.ts";
import { startFakeMeta } from "../support/fakeMeta.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

const APP_ID = "1234567890123";
const APP_SECRET = "meta-app-secret-0123456789";

/**
 * Autopilot configured for Meta (GRANTLINE_AUTOPILOT_*): Facebook Login's manual flow, with no
 * discovery, against a Meta-like login dialog and token URL over real HTTP; the Graph behind them is
 * the hub's, so what gets connected is a real ad account.
 */
describe.each(DIALECTS)("Autopilot connects through Facebook Login's manual flow (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let autopilot: Autopilot;
  let meta: Awaited<ReturnType<typeof startFakeMeta>>;
  const key = crypto.randomBytes(32);

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: key, now: () => Date.now() });
    world = await buildOAuthWorld(hub, `meta-${dialect}`, { serverOptions: { autopilot: { autopilot, host: hostFromHub(hub) } } });
    const ctx = principalContext("person", world.person.id);
    const systemUser = await hub.businesses.createSystemUser(ctx, world.business.id, { name: "Meta stand-in", role: "ADMIN" });
    const upstream = await hub.tokens.issueSystemUserToken(ctx, systemUser.id, { scopes: ["ads_read", "ads_management"] });
    meta = await startFakeMeta({ appId: APP_ID, appSecret: APP_SECRET, upstream: { url: world.url, token: upstream.accessToken }, grantedAccounts: [world.assets.adAccountA] });
    // As `serve` does with the configured Graph and token URL (autopilotTrustedOrigins).
    autopilot.deps.http.trust(world.url);
    autopilot.deps.http.trust(meta.url);
  });
  afterAll(async () => {
    await meta.close();
    await world.close();
    await store.cleanup();
  });

  const configured = () => ensureConfiguredApp(autopilot, { graphUrl: meta.graphUrl, dialogUrl: meta.dialogUrl, tokenUrl: meta.tokenUrl, appId: APP_ID, appSecret: APP_SECRET, redirectUri: undefined }, world.url);

  async function startConnect(name: string) {
    const browser = new Browser(world.url);
    expect((await browser.post("/auth/login", { email: world.person.email, password: PASSWORD })).status).toBe(200);
    const token = (await browser.get("/auth/session")).body.access_token as string;
    const auth = { authorization: `Bearer ${token}` };
    const ws = (await browser.post(`/autopilot/businesses/${world.business.id}/workspaces`, { name }, auth)).body.id as string;
    const started = await browser.post(`/autopilot/workspaces/${ws}/connect`, { return_to: "/console/" }, auth);
    expect(started.status).toBe(200);
    return { browser, ws, dialog: new URL(started.body.authorization_url as string) };
  }

  /** The person at Meta's dialog: Meta redirects the browser back to Autopilot's callback. */
  async function atMeta(browser: Browser, dialog: URL) {
    const answer = await browser.get(dialog.toString());
    expect(answer.status).toBe(302);
    const callback = new URL(answer.headers.get("location")!);
    expect(callback.pathname).toBe(CALLBACK_PATH);
    return callback;
  }

  it("registers the configured app once, with the secret sealed and the login endpoints named", async () => {
    const first = await configured();
    expect(first.created).toBe(true);
    expect(first.client).toMatchObject({
      client_id: APP_ID,
      issuer: meta.url,
      authorization_endpoint: meta.dialogUrl,
      token_endpoint: meta.tokenUrl,
      graph_url: meta.graphUrl,
      redirect_uri: `${world.url}${CALLBACK_PATH}`,
      scopes: ["ads_read", "ads_management"],
    });
    // The next start finds the same app and keeps it.
    expect(await configured()).toMatchObject({ created: false, client: { id: first.client.id } });
    const row = await autopilotDb(hub.store.db).selectFrom("autopilot_oauth_clients").selectAll().where("id", "=", first.client.id).executeTakeFirstOrThrow();
    expect(row.sealed_secret).not.toContain(APP_SECRET);
    expect(new SecretBox(key).open(row.sealed_secret, `autopilot_client_secret:${row.id}`)).toBe(APP_SECRET);
  });

  it("sends the person to the dialog, exchanges the code with GET, takes the long-lived token and connects the granted account", async () => {
    await configured();
    const { browser, ws, dialog } = await startConnect(`Meta ${dialect}`);
    expect(`${dialog.origin}${dialog.pathname}`).toBe(meta.dialogUrl);
    expect(Object.fromEntries(dialog.searchParams)).toEqual({
      client_id: APP_ID,
      redirect_uri: `${world.url}${CALLBACK_PATH}`,
      state: expect.stringMatching(/^[\w-]{20,}$/),
      response_type: "code",
      scope: "ads_read,ads_management",
    });

    const callback = await atMeta(browser, dialog);
    const back = await browser.get(callback.toString());
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`/console/?connected=act_${world.assets.adAccountA}`);

    // The code exchange as Meta documents it, then the long-lived exchange, both with the app secret.
    const [exchange, longLived] = meta.exchanges.slice(-2);
    expect(Object.fromEntries(exchange!)).toEqual({ client_id: APP_ID, redirect_uri: `${world.url}${CALLBACK_PATH}`, client_secret: APP_SECRET, code: callback.searchParams.get("code") });
    expect(longLived!.get("grant_type")).toBe("fb_exchange_token");

    const view = await autopilot.workspaces.view(ws);
    expect(view.connections).toHaveLength(1);
    expect(view.connections[0]).toMatchObject({ ad_account_id: `act_${world.assets.adAccountA}`, status: "active", graph_url: meta.graphUrl, ad_account_name: "Account A", scopes: ["ads_read", "ads_management", "public_profile"] });
    expect(view.connections[0]!.token_expires_at! - Date.now()).toBeGreaterThan(59 * 86_400_000);
    // The connection's token is Meta's long-lived one, and it reads the account through Meta's Graph.
    const [connection] = await autopilot.workspaces.connections(ws);
    const kept = new SecretBox(key).open(connection!.sealed_token, `autopilot_token:${connection!.id}`);
    expect(kept.startsWith("EAAL")).toBe(true);
    const client = await autopilot.workspaces.clientFor(connection!);
    expect(await client.get(`act_${world.assets.adAccountA}`, { fields: "id,name" })).toMatchObject({ name: "Account A" });

    // The callback is good once, and so is Meta's code.
    const again = await browser.get(callback.toString());
    expect(new URL(again.headers.get("location")!, world.url).searchParams.get("connect_error")).toMatch(/already used/);
  });

  it("says so when the person cancels at Meta, and gives a refused code exchange Meta's reason", async () => {
    await configured();
    const cancelled = await startConnect(`Cancel ${dialect}`);
    meta.cancelNext();
    const back = await cancelled.browser.get((await atMeta(cancelled.browser, cancelled.dialog)).toString());
    expect(new URL(back.headers.get("location")!, world.url).searchParams.get("connect_error")).toBe("You cancelled the connection; nothing was connected.");
    expect((await autopilot.workspaces.view(cancelled.ws)).connections).toEqual([]);

    // A code Meta did not issue: its error envelope's message is what the person reads.
    const forged = await startConnect(`Forged ${dialect}`);
    const callback = await atMeta(forged.browser, forged.dialog);
    callback.searchParams.set("code", "not-a-code-meta-issued");
    const refused = await forged.browser.get(callback.toString());
    expect(new URL(refused.headers.get("location")!, world.url).searchParams.get("connect_error")).toBe("The code could not be exchanged for a token: Invalid verification code format.");
    expect((await autopilot.workspaces.view(forged.ws)).connections).toEqual([]);
  });

  it("connects every ad account of the person when Meta's token names no target ids", async () => {
    const ctx = principalContext("person", world.person.id);
    const systemUser = await hub.businesses.createSystemUser(ctx, world.business.id, { name: "Meta stand-in, all accounts", role: "ADMIN" });
    const upstream = await hub.tokens.issueSystemUserToken(ctx, systemUser.id, { scopes: ["ads_read", "ads_management"] });
    const everything = await startFakeMeta({ appId: APP_ID, appSecret: APP_SECRET, upstream: { url: world.url, token: upstream.accessToken }, grantedAccounts: undefined });
    try {
      autopilot.deps.http.trust(everything.url);
      await ensureConfiguredApp(autopilot, { graphUrl: everything.graphUrl, dialogUrl: everything.dialogUrl, tokenUrl: everything.tokenUrl, appId: APP_ID, appSecret: APP_SECRET, redirectUri: undefined }, world.url);
      const { browser, ws, dialog } = await startConnect(`All ${dialect}`);
      const back = await browser.get((await atMeta(browser, dialog)).toString());
      expect(back.status).toBe(303);
      const connected = (await autopilot.workspaces.view(ws)).connections.map((c) => c.ad_account_id).sort();
      expect(connected).toEqual([`act_${world.assets.adAccountA}`, `act_${world.assets.adAccountB}`].sort());
    } finally {
      await everything.close();
    }
  });

  it("keeps the discovery mode for a hub registered by its issuer", async () => {
    // Registering an issuer again leaves the named endpoints behind: start reads discovery from it.
    const saved = await autopilot.connect.saveClient({ issuer: world.url, graphUrl: world.url, clientId: world.app.id, clientSecret: world.app.secret, redirectUri: `${world.url}${CALLBACK_PATH}` });
    expect(saved).toMatchObject({ issuer: world.url, authorization_endpoint: null, token_endpoint: null });
    const { dialog } = await startConnect(`Discovery ${dialect}`);
    expect(dialog.origin).toBe(world.url);
    expect(dialog.searchParams.get("code_challenge_method")).toBe("S256");
    expect(dialog.searchParams.get("scope")).toBe("ads_read ads_management");
    // And the configured app takes over again at the next start.
    expect((await configured()).created).toBe(true);
  });

  it("refuses half a set of login endpoints, or both an issuer and endpoints", async () => {
    const base = { graphUrl: meta.graphUrl, clientId: APP_ID, clientSecret: APP_SECRET, redirectUri: `${world.url}${CALLBACK_PATH}` };
    await expect(autopilot.connect.saveClient({ ...base, authorizationEndpoint: meta.dialogUrl })).rejects.toThrow(/go together/);
    await expect(autopilot.connect.saveClient({ ...base, issuer: world.url, authorizationEndpoint: meta.dialogUrl, tokenEndpoint: meta.tokenUrl })).rejects.toThrow(/not both/);
    await expect(autopilot.connect.saveClient({ ...base, authorizationEndpoint: "ftp://x/dialog", tokenEndpoint: meta.tokenUrl })).rejects.toThrow(/login dialog URL must be an http\(s\) URL/);
  });
});
