import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, type TestClock, type TestStore } from "../support/hubs.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, clientConfig, graphGet, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

const DAY = 24 * 3600 * 1000;

/** Each way of taking access back ends an app token's access on the very next request. */
describe.each(DIALECTS)("revocation that sticks (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let offset = 0;
  let seq = 0;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open({ now: () => Date.now() + offset } as TestClock);
    world = await buildOAuthWorld(hub, `rev-${dialect}`);
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  async function signedIn(email = world.person.email) {
    const browser = new Browser(world.url);
    expect((await browser.post("/auth/login", { email, password: PASSWORD })).status).toBe(200);
    const session = (await browser.get("/auth/session")).body;
    return { browser, csrf: session.csrf_token as string };
  }

  /** A 60-day token for the app, by Meta's fb_exchange_token. */
  async function longLived(token: string): Promise<string> {
    const response = await fetch(`${world.url}/v24.0/oauth/access_token?grant_type=fb_exchange_token&client_id=${world.app.id}&client_secret=${world.app.secret}&fb_exchange_token=${token}`);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(60 * 24 * 3600);
    return body.access_token;
  }

  async function changesSince(seq: number) {
    return hub.store.db.selectFrom("access_changes").selectAll().where("seq", ">", seq).execute();
  }
  async function currentSeq() {
    return (await hub.store.db.selectFrom("access_seq").select("seq").executeTakeFirstOrThrow()).seq;
  }

  it("exchanged (fb_exchange_token) tokens are active in RFC 7662 introspection with their scopes and 60-day expiry, and inactive once revoked or expired", async () => {
    const client = await import("openid-client");
    const { tokens, config } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const exchanged = await longLived(tokens.access_token);
    const issuedAt = Math.floor((Date.now() + offset) / 1000);
    const seen = await client.tokenIntrospection(config, exchanged);
    expect(seen).toMatchObject({ active: true, client_id: world.app.id, sub: world.person.id, scope: "ads_read ads_management", token_type: "Bearer" });
    expect(Math.abs(seen.exp! - (issuedAt + 60 * 24 * 3600))).toBeLessThanOrEqual(5);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, exchanged)).status).toBe(200);
    // Another app may not look at it.
    expect((await client.tokenIntrospection(await clientConfig(world, "otherApp"), exchanged)).active).toBe(false);
    // The source token is untouched, and expires within the hour.
    expect((await client.tokenIntrospection(config, tokens.access_token)).exp! - issuedAt).toBeLessThanOrEqual(3600 + 5);

    // Past the source token's hour the exchanged one is still active; past 60 days it is not.
    offset += 2 * 3600 * 1000;
    try {
      expect((await client.tokenIntrospection(config, exchanged)).active).toBe(true);
      offset += 61 * DAY;
      expect((await client.tokenIntrospection(config, exchanged)).active).toBe(false);
      expect((await graphGet(world, `/act_${world.assets.adAccountA}`, exchanged)).code).toBe(190);
    } finally {
      offset -= 61 * DAY + 2 * 3600 * 1000;
    }

    // RFC 7009 revocation of the exchanged token: inactive, and refused by the Graph surface.
    await client.tokenRevocation(config, exchanged);
    expect((await client.tokenIntrospection(config, exchanged)).active).toBe(false);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, exchanged)).code).toBe(190);

    // The person removing the app ends every exchanged token of the grant too.
    const another = await longLived(tokens.access_token);
    expect((await client.tokenIntrospection(config, another)).active).toBe(true);
    await fetch(`${world.url}/me/permissions?access_token=${tokens.access_token}`, { method: "DELETE" });
    expect((await client.tokenIntrospection(config, another)).active).toBe(false);
  });

  it("a person removing the app (DELETE /me/permissions) ends every token of the grant and records access changes", async () => {
    const { tokens, config } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    const permissions = await graphGet(world, "/v24.0/me/permissions", tokens.access_token);
    expect(permissions.body.data).toEqual(expect.arrayContaining([{ permission: "ads_read", status: "granted" }]));
    const before = await currentSeq();
    const removed = await fetch(`${world.url}/me/permissions?access_token=${tokens.access_token}`, { method: "DELETE" });
    expect(((await removed.json()) as { success: boolean }).success).toBe(true);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).code).toBe(190);
    const changes = await changesSince(before);
    expect(changes.map((c) => c.kind).sort()).toEqual(expect.arrayContaining(["grant", "token"]));
    const { refreshTokenGrant } = await import("openid-client");
    expect(await refreshTokenGrant(config, tokens.refresh_token!).then(() => "ok", (e: { error?: string }) => e.error)).toBe("invalid_grant");
  });

  it("a person removing the app in the console lists its tokens first, then ends them", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
    await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token);
    const { browser, csrf } = await signedIn();
    const listed = (await browser.get("/auth/apps")).body.data as { grant_id: string; app: { id: string }; scopes: string[]; tokens: { expires_at: number; last_used_at: number | null; scopes: string[] }[] }[];
    const connection = listed.find((c) => c.tokens.length > 0 && c.app.id === world.app.id)!;
    expect(connection.scopes).toEqual(["ads_read", "ads_management"]);
    expect(connection.tokens[0]!.expires_at).toBeGreaterThan(Date.now());
    expect(connection.tokens.some((t) => t.last_used_at !== null)).toBe(true);
    expect((await browser.request("DELETE", `/auth/apps/${connection.grant_id}`)).status).toBe(403);
    expect((await browser.request("DELETE", `/auth/apps/${connection.grant_id}`, { headers: { "x-csrf-token": csrf } })).status).toBe(200);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).code).toBe(190);
  });

  it("a business admin removing the app from the business's assets ends the access of everyone's tokens", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA, world.assets.adAccountB] });
    const { browser, csrf } = await signedIn();
    const listed = (await browser.get(`/auth/businesses/${world.business.id}/apps`)).body.data as { app: { id: string } }[];
    expect(listed.some((c) => c.app.id === world.app.id)).toBe(true);
    const removed = await browser.request("DELETE", `/auth/businesses/${world.business.id}/apps/${world.app.id}`, { headers: { "x-csrf-token": csrf } });
    expect(removed.status).toBe(200);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).code).toBe(190);
    expect((await graphGet(world, `/act_${world.assets.adAccountB}`, tokens.access_token)).code).toBe(190);
  });

  async function partnerSetup(endsAt?: number) {
    const label = `${dialect}-${++seq}`;
    const email = `agent.${label}@agency.test`;
    const agent = await hub.businesses.createPerson(operatorContext(), { name: `Agent ${label}`, email });
    await hub.auth.setPassword(operatorContext(), email, PASSWORD);
    const asAgent = principalContext("person", agent.id);
    const agency = await hub.businesses.createBusiness(asAgent, { name: `Agency ${label}` });
    const owner = principalContext("person", world.person.id);
    await hub.partners.offer(owner, { assetId: world.assets.adAccountA, partnerBusinessId: agency.id, tasks: presetTasks("ad_account", "STANDARD"), endsAt: endsAt ?? null });
    await hub.partners.acceptOrRequest(asAgent, { partnerBusinessId: agency.id, assetId: world.assets.adAccountA });
    // Before the agent is staffed on the account, the consent page refuses it (they cannot reach it).
    const refused = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA], email }).then(() => "granted", (e: Error) => e.message);
    expect(refused).toMatch(/^no callback: 400/);
    await hub.assignments.assign(asAgent, { assetId: world.assets.adAccountA, principalId: agent.id, tasks: presetTasks("ad_account", "STANDARD") });
    const { tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA], email });
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).status).toBe(200);
    return { agent, agency, asAgent, owner, tokens };
  }

  it("removing the partner share the access came through ends the token's access", async () => {
    const { agency, owner, tokens } = await partnerSetup();
    await hub.partners.removeShare(owner, { assetId: world.assets.adAccountA, partnerBusinessId: agency.id });
    const after = await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token);
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(after.body.id).toBeUndefined();
  });

  it("removing the person from the business ends the token's access", async () => {
    const { agent, agency, asAgent, tokens } = await partnerSetup();
    const colleague = await hub.businesses.createPerson(operatorContext(), { name: "Colleague", email: `colleague.${dialect}.${seq}@agency.test` });
    await hub.businesses.setMemberRole(asAgent, agency.id, colleague.id, "ADMIN");
    await hub.businesses.removeMember(principalContext("person", colleague.id), agency.id, agent.id);
    const after = await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token);
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(after.body.id).toBeUndefined();
  });

  it("a share's end date passing ends a long-lived token's access", async () => {
    const { tokens } = await partnerSetup(Date.now() + offset + DAY);
    const token = await longLived(tokens.access_token);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, token)).status).toBe(200);
    offset += 2 * DAY;
    try {
      const after = await graphGet(world, `/act_${world.assets.adAccountA}`, token);
      expect(after.status).toBeGreaterThanOrEqual(400);
      expect(after.body.id).toBeUndefined();
    } finally {
      offset -= 2 * DAY;
    }
  });

  it("lists system-user tokens with last use, revokes them, and warns once before they expire", async () => {
    const owner = principalContext("person", world.person.id);
    const bot = await hub.businesses.createSystemUser(owner, world.business.id, { name: "Bot", role: "EMPLOYEE" });
    const issued = await hub.tokens.issueSystemUserToken(owner, bot.id, { expiresIn60Days: true });
    await graphGet(world, "/me", issued.accessToken);
    const { browser, csrf } = await signedIn();
    const listed = (await browser.get(`/auth/businesses/${world.business.id}/tokens`)).body.data as { id: string; last_used_at: number | null; expires_at: number }[];
    const row = listed.find((t) => t.id === issued.id)!;
    expect(row.last_used_at).not.toBeNull();
    expect(row.expires_at).toBe(issued.expiresAt);

    const { AppAccessService } = await import("../../src/hub/apps/appAccess.service.ts");
    const access = new AppAccessService(hub);
    expect((await access.warnExpiringSystemUserTokens(operatorContext(), [7 * DAY])).map((w) => w.tokenId)).not.toContain(issued.id);
    offset += 55 * DAY;
    try {
      expect((await access.warnExpiringSystemUserTokens(operatorContext(), [7 * DAY])).map((w) => w.tokenId)).toContain(issued.id);
      expect((await access.warnExpiringSystemUserTokens(operatorContext(), [7 * DAY])).map((w) => w.tokenId)).not.toContain(issued.id);
    } finally {
      offset -= 55 * DAY;
    }
    const revoke = await browser.request("DELETE", `/auth/businesses/${world.business.id}/tokens/${issued.id}`, { headers: { "x-csrf-token": csrf } });
    expect(revoke.status).toBe(200);
    expect((await graphGet(world, "/me", issued.accessToken)).code).toBe(190);
  });
});
