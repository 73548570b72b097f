import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { principalContext } from "../../src/hub/context.ts";
import { AppAccessService } from "../../src/hub/apps/appAccess.service.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, clientConfig, connect, graphGet, PASSWORD, type OAuthWorld } from "./oauthWorld.ts";

/** Consent picks whole businesses as well as assets: business_management reaches only the picked businesses' own edges. */
describe.each(DIALECTS)("consent for chosen businesses (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let second: { id: string };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    world = await buildOAuthWorld(hub, `biz-${dialect}`);
    // The person is admin of a second business too.
    second = await hub.businesses.createBusiness(principalContext("person", world.person.id), { name: `Second ${dialect}` });
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  const debugToken = async (token: string) =>
    ((await (await fetch(`${world.url}/debug_token?input_token=${token}&access_token=${world.app.id}|${world.app.secret}`)).json()) as { data: { granular_scopes: { scope: string; target_ids?: string[] }[] } }).data;

  it("offers each business the person belongs to as a whole, and shows the picked ones as business_management target_ids", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), {
      scope: "ads_read business_management",
      assets: [world.assets.adAccountA],
      businesses: [world.business.id],
    });
    expect((await debugToken(tokens.access_token)).granular_scopes).toEqual([
      { scope: "ads_read", target_ids: [world.assets.adAccountA] },
      { scope: "business_management", target_ids: [world.business.id] },
    ]);

    // Business B's own edges: reachable. The second business's: refused, naming the business.
    const mine = await graphGet(world, `/v24.0/${world.business.id}/owned_ad_accounts`, tokens.access_token);
    expect(mine.status).toBe(200);
    expect((mine.body.data as { id: string }[]).map((a) => a.id).sort()).toEqual([`act_${world.assets.adAccountA}`, `act_${world.assets.adAccountB}`].sort());
    expect((await graphGet(world, `/${world.business.id}/system_users`, tokens.access_token)).status).toBe(200);
    for (const path of [`/${second.id}/owned_ad_accounts`, `/${second.id}/system_users`, `/${second.id}/business_users`]) {
      const refused = await graphGet(world, path, tokens.access_token);
      expect([refused.status, refused.code], path).toEqual([400, 200]);
      expect(refused.body.error!.message).toContain(`was not given Second ${dialect}`);
    }
    // The business node itself: full for the picked business, the public view for the other.
    const full = await graphGet(world, `/${world.business.id}?fields=id,name,two_factor_type`, tokens.access_token);
    expect(full.body.two_factor_type).toBeDefined();
    const limited = await graphGet(world, `/${second.id}?fields=id,name,two_factor_type`, tokens.access_token);
    expect(limited.body).toEqual({ id: second.id, name: `Second ${dialect}` });
    // Writes on a business edge are refused the same way.
    const created = await fetch(`${world.url}/${second.id}/system_users?access_token=${tokens.access_token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Sneaky bot", role: "EMPLOYEE" }) });
    expect(created.status).toBe(400);
    expect(((await created.json()) as { error: { message: string } }).error.message).toContain(`was not given Second ${dialect}`);
  });

  it("a token with assets only reaches no business edges, even of the business that owns them", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { scope: "ads_read business_management", assets: [world.assets.adAccountA] });
    expect((await debugToken(tokens.access_token)).granular_scopes).toEqual([{ scope: "ads_read", target_ids: [world.assets.adAccountA] }, { scope: "business_management" }]);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).status).toBe(200);
    expect((await graphGet(world, `/${world.business.id}/owned_ad_accounts`, tokens.access_token)).code).toBe(200);
  });

  it("a business alone is a valid choice; a business the person is not in is refused with nothing written", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { scope: "business_management", assets: [], businesses: [second.id] });
    expect((await graphGet(world, `/${second.id}/system_users`, tokens.access_token)).status).toBe(200);
    expect((await graphGet(world, `/act_${world.assets.adAccountA}`, tokens.access_token)).code).toBe(200);

    const stranger = await hub.businesses.createBusiness(principalContext("person", (await hub.businesses.createPerson(principalContext("person", world.person.id), { name: "Other owner", email: `other.${dialect}.${Date.now()}@people.test` })).id), { name: "Stranger Inc" });
    const grantsBefore = await hub.store.db.selectFrom("app_grants").select("id").execute();
    const config = await clientConfig(world);
    const { buildAuthorizationUrl, calculatePKCECodeChallenge, randomPKCECodeVerifier } = await import("openid-client");
    const url = buildAuthorizationUrl(config, { redirect_uri: world.app.redirectUri, scope: "business_management", code_challenge: await calculatePKCECodeChallenge(randomPKCECodeVerifier()), code_challenge_method: "S256", prompt: "consent" });
    const forged = await connect(new Browser(world.url), url, { email: world.person.email, password: PASSWORD, assets: [], businesses: [stranger.id] });
    expect(forged.callback).toBeUndefined();
    expect(forged.status).toBe(400);
    expect(forged.page).toContain("a business you are not part of");
    // The page comes back with the person's choices kept and the error announced.
    expect(forged.page).toContain('role="alert"');
    expect((await hub.store.db.selectFrom("app_grants").select("id").execute()).length).toBe(grantsBefore.length);

    const nothing = await connect(new Browser(world.url), url, { email: world.person.email, password: PASSWORD, assets: [] });
    expect(nothing.status).toBe(400);
    expect(nothing.page).toContain("Choose at least one business or asset");
  });

  it("a business admin removing the app from the business takes the business away from the grant", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { scope: "ads_read business_management", assets: [world.assets.page], businesses: [world.business.id, second.id] });
    expect((await graphGet(world, `/${second.id}/system_users`, tokens.access_token)).status).toBe(200);
    await new AppAccessService(hub).removeFromBusiness(principalContext("person", world.person.id), second.id, world.app.id);
    expect((await graphGet(world, `/${second.id}/system_users`, tokens.access_token)).code).toBe(200);
    expect((await graphGet(world, `/${world.business.id}/system_users`, tokens.access_token)).status).toBe(200);
    expect((await debugToken(tokens.access_token)).granular_scopes).toEqual([{ scope: "ads_read" }, { scope: "business_management", target_ids: [world.business.id] }]);
  });
});
