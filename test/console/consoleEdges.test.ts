import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, sessionToken } from "./browser.ts";

/** The Graph edges the console reads, over HTTP with people's console tokens. */
describe.each(DIALECTS)("console edges on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
  });
  afterEach(async () => {
    await server.close();
    await store.cleanup();
  });

  async function world() {
    const owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    const agency = await buildSignInBusiness(hub, "Northwind Media", "Nora Northwind", "nora@northwind.example");
    const stranger = await buildSignInBusiness(hub, "Elsewhere Ltd", "Ed Elsewhere", "ed@elsewhere.example");
    const account = await hub.assets.createAsset(principalContext("person", owner.admin.id), owner.id, { type: "ad_account", name: "Acme Main" });
    const pixel = await hub.assets.createAsset(principalContext("person", owner.admin.id), owner.id, { type: "pixel", name: "Acme Pixel" });
    return {
      owner,
      agency,
      account,
      pixel,
      asOwner: graphClient(server.url, await sessionToken(server.url, owner.admin.email)),
      asAgency: graphClient(server.url, await sessionToken(server.url, agency.admin.email)),
      asStranger: graphClient(server.url, await sessionToken(server.url, stranger.admin.email)),
    };
  }

  it("a partner's admin not staffed on a shared asset sees whom she assigned, and is offered only levels within the share", async () => {
    const w = await world();
    const asOwnerCtx = principalContext("person", w.owner.admin.id);
    await hub.partners.offer(asOwnerCtx, { assetId: w.account.id, partnerBusinessId: w.agency.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    await hub.partners.acceptOrRequest(principalContext("person", w.agency.admin.id), { partnerBusinessId: w.agency.id, assetId: w.account.id });
    const sam = await hub.businesses.createPerson(operatorContext(), { name: "Sam Staff", email: "sam@northwind.example" });
    await hub.businesses.setMemberRole(principalContext("person", w.agency.admin.id), w.agency.id, sam.id, "EMPLOYEE");

    const levels = await w.asAgency("GET", `/${w.account.graphId}/permission_levels?business=${w.agency.id}`);
    expect(levels.body.data.map((l: any) => l.level)).toEqual(["ANALYTICS_VIEW", "VIEW_ONLY"]);
    const ownerLevels = await w.asOwner("GET", `/${w.account.graphId}/permission_levels`);
    expect(ownerLevels.body.data.map((l: any) => l.level)).toEqual(["ANALYTICS_VIEW", "VIEW_ONLY", "LAUNCH_ONLY", "STANDARD", "ADMIN"]);

    const assigned = await w.asAgency("POST", `/${w.account.graphId}/assigned_users`, { user: sam.id, tasks: presetTasks("ad_account", "VIEW_ONLY"), business: w.agency.id });
    expect(assigned.status).toBe(200);
    const list = await w.asAgency("GET", `/${w.account.graphId}/assigned_users?business=${w.agency.id}&fields=id,name,tasks`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: any) => r.name)).toEqual(["Sam Staff"]);
    // Someone with no relation to the asset still learns nothing.
    const strangerList = await w.asStranger("GET", `/${w.account.graphId}/assigned_users?business=${w.agency.id}`);
    expect(strangerList.status).toBe(400);
    expect(strangerList.body.error.code).toBe(100);

    // The impact edge over HTTP: what unassigning Sam would take away, for the agency's admin only.
    const impact = await w.asAgency("GET", `/${w.agency.id}/access_impact?change=assignment&asset=${w.account.graphId}&user=${sam.id}`);
    expect(impact.body.summary).toBe("Sam Staff loses access to Acme Main.");
    const probe = await w.asStranger("GET", `/${w.agency.id}/access_impact?change=assignment&asset=${w.account.graphId}&user=${sam.id}`);
    expect(probe.status).toBe(400);
    expect(probe.body.error.code).toBe(100);
  });

  it("runs the Requests tab: incoming and outgoing with expiry, accept for any asset type, decline and cancel", async () => {
    const w = await world();
    await w.asOwner("POST", `/${w.account.graphId}/agencies`, { business: w.agency.id, permitted_tasks: presetTasks("ad_account", "STANDARD") });
    await w.asOwner("POST", `/${w.pixel.id}/agencies`, { business: w.agency.id, permitted_tasks: presetTasks("pixel", "VIEW_ONLY") });

    const outgoing = await w.asOwner("GET", `/${w.owner.id}/partner_requests?direction=outgoing`);
    expect(outgoing.status).toBe(200);
    expect(outgoing.body.data.map((r: any) => [r.asset.name, r.direction, r.initiated_by, r.partner.name]).sort()).toEqual([
      ["Acme Main", "OUTGOING", "OWNER", "Northwind Media"],
      ["Acme Pixel", "OUTGOING", "OWNER", "Northwind Media"],
    ]);
    const incoming = await w.asAgency("GET", `/${w.agency.id}/partner_requests`);
    expect(incoming.body.data.every((r: any) => r.direction === "INCOMING" && typeof r.expiration_time === "string")).toBe(true);
    const pixelOffer = incoming.body.data.find((r: any) => r.asset.name === "Acme Pixel");
    const accountOffer = incoming.body.data.find((r: any) => r.asset.name === "Acme Main");

    // The receiving side accepts (a Pixel too, which Meta's client_* edges do not take) or declines; the sender may not accept its own offer.
    const ownAccept = await w.asOwner("POST", `/${w.owner.id}/partner_requests`, { request: accountOffer.id, action: "accept" });
    expect(ownAccept.status).toBe(400);
    const accepted = await w.asAgency("POST", `/${w.agency.id}/partner_requests`, { request: pixelOffer.id, action: "accept" });
    expect(accepted.body).toEqual({ success: true, access_status: "CONFIRMED" });
    const declined = await w.asAgency("POST", `/${w.agency.id}/partner_requests`, { request: accountOffer.id, action: "decline" });
    expect(declined.body.request.status).toBe("DECLINED");
    expect((await w.asAgency("GET", `/${w.agency.id}/partner_requests`)).body.data).toEqual([]);

    // A request from the agency, cancelled by it.
    await w.asAgency("POST", `/${w.agency.id}/client_ad_accounts`, { adaccount_id: w.account.id, permitted_tasks: presetTasks("ad_account", "VIEW_ONLY") });
    const request = (await w.asOwner("GET", `/${w.owner.id}/partner_requests?direction=incoming`)).body.data[0];
    expect([request.initiated_by, request.asset.name]).toEqual(["PARTNER", "Acme Main"]);
    const cancelled = await w.asAgency("POST", `/${w.agency.id}/partner_requests`, { request: request.id, action: "cancel" });
    expect(cancelled.body.request.status).toBe("CANCELLED");

    // Outsiders see nothing of another business's requests.
    expect((await w.asStranger("GET", `/${w.owner.id}/partner_requests`)).status).toBe(400);
  });

  it("reports capabilities from the engine, to a partner's admin before and after staffing, and to nobody else", async () => {
    const w = await world();
    await hub.partners.offer(principalContext("person", w.owner.admin.id), { assetId: w.account.id, partnerBusinessId: w.agency.id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("person", w.agency.admin.id), { partnerBusinessId: w.agency.id, assetId: w.account.id });

    const allowed = async (as: typeof w.asOwner) => {
      const answer = await as("GET", `/${w.account.graphId}/capabilities`);
      expect(answer.status).toBe(200);
      return Object.fromEntries(answer.body.data.map((c: any) => [c.action, c.allowed]));
    };
    const owner = await allowed(w.asOwner);
    expect(owner.manage_access).toBe(true);
    expect(owner.create_campaign).toBe(true);

    const before = await w.asAgency("GET", `/${w.account.graphId}/capabilities`);
    const create = before.body.data.find((c: any) => c.action === "create_campaign");
    expect(create.allowed).toBe(false);
    expect(create.reason).toContain("Nora Northwind");

    await w.asAgency("POST", `/${w.account.graphId}/assigned_users`, { user: w.agency.admin.id, business: w.agency.id, tasks: presetTasks("ad_account", "STANDARD") });
    const after = await allowed(w.asAgency);
    expect([after.view_asset, after.create_campaign, after.manage_access]).toEqual([true, true, false]);

    expect((await w.asStranger("GET", `/${w.account.graphId}/capabilities`)).status).toBe(400);

    const levels = await w.asAgency("GET", `/${w.pixel.id}/permission_levels`);
    expect(levels.status).toBe(400);
    const accountLevels = await w.asAgency("GET", `/${w.account.graphId}/permission_levels`);
    expect(accountLevels.body.data.map((l: any) => l.level)).toEqual(["ANALYTICS_VIEW", "VIEW_ONLY", "LAUNCH_ONLY", "STANDARD", "ADMIN"]);
    expect(accountLevels.body.data[3].description).toContain("Standard");

    // Who can access it and how: owner admins only, each path in words.
    const paths = await w.asOwner("GET", `/${w.account.graphId}/access_paths`);
    expect(paths.body.data.map((p: any) => p.name).sort()).toEqual(["Alice Advertiser", "Nora Northwind"]);
    const nora = paths.body.data.find((p: any) => p.name === "Nora Northwind");
    expect(nora.paths[0].kind).toBe("partner_assignment");
    expect(nora.paths[0].via).toContain("Northwind Media");
    expect((await w.asAgency("GET", `/${w.account.graphId}/access_paths`)).status).toBe(400);
  });

  it("removes a partner with a verified result, and lists the shares between two businesses", async () => {
    const w = await world();
    await hub.partners.offer(principalContext("person", w.owner.admin.id), { assetId: w.account.id, partnerBusinessId: w.agency.id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("person", w.agency.admin.id), { partnerBusinessId: w.agency.id, assetId: w.account.id });
    await hub.partners.offer(principalContext("person", w.owner.admin.id), { assetId: w.pixel.id, partnerBusinessId: w.agency.id, tasks: presetTasks("pixel", "VIEW_ONLY") });

    const shares = await w.asOwner("GET", `/${w.owner.id}/partner_shares?partner=${w.agency.id}`);
    expect(shares.body.data.map((s: any) => [s.asset.name, s.status, s.access_level]).sort()).toEqual([
      ["Acme Main", "ACTIVE", "Standard"],
      // For Pixels, View only and Analytics view are the same tasks: the level offered and chosen, View only, is shown.
      ["Acme Pixel", "PENDING", "View only"],
    ]);
    expect((await w.asAgency("GET", `/${w.agency.id}/partner_shares`)).body.data).toHaveLength(2);

    const refused = await w.asStranger("POST", `/${w.owner.id}/partner_removals`, { business: w.agency.id });
    expect(refused.status).toBe(400);
    const removed = await w.asOwner("POST", `/${w.owner.id}/partner_removals`, { business: w.agency.id });
    expect(removed.status).toBe(200);
    expect(removed.body.removed.shares).toBe(2);
    expect(removed.body.verification.verified).toBe(true);
    expect(removed.body.verification.remaining).toEqual([]);
    expect((await w.asOwner("GET", `/${w.owner.id}/partner_shares?partner=${w.agency.id}`)).body.data).toEqual([]);
  });

  it("lists system-user tokens with expiry and last use, revokes one, and shows the business's audit log to admins only", async () => {
    const w = await world();
    const bot = await w.asOwner("POST", `/${w.owner.id}/system_users`, { name: "Reporting Bot", role: "EMPLOYEE" });
    const issued = await w.asOwner("POST", `/${bot.body.id}/access_tokens`, { set_token_expires_in_60_days: true, scope: ["ads_read"] });
    const asBot = graphClient(server.url, issued.body.access_token);
    expect((await asBot("GET", "/me")).status).toBe(200);

    const tokens = await w.asOwner("GET", `/${bot.body.id}/access_tokens`);
    expect(tokens.body.data).toHaveLength(1);
    const [token] = tokens.body.data;
    expect(token.scopes).toEqual(["ads_read"]);
    expect(token.status).toBe("ACTIVE");
    expect(typeof token.expires_time).toBe("string");
    expect(typeof token.last_used_time).toBe("string");
    expect(JSON.stringify(tokens.body)).not.toContain(issued.body.access_token);

    expect((await w.asAgency("GET", `/${bot.body.id}/access_tokens`)).status).toBe(400);
    const revoked = await w.asOwner("DELETE", `/${bot.body.id}/access_tokens?token=${token.id}`);
    expect(revoked.body).toEqual({ success: true });
    expect((await asBot("GET", "/me")).body.error.code).toBe(190);
    expect((await w.asOwner("GET", `/${bot.body.id}/access_tokens`)).body.data[0].status).toBe("REVOKED");

    const log = await w.asOwner("GET", `/${w.owner.id}/audit_log?action=token.revoke`);
    expect(log.status).toBe(200);
    expect(log.body.data.map((e: any) => [e.action, e.outcome, e.actor.name])).toEqual([["token.revoke", "success", "Alice Advertiser"]]);
    expect((await w.asAgency("GET", `/${w.owner.id}/audit_log`)).status).toBe(400);
    // The entries read as sentences with names, and filter by category and by the actor's name.
    const security = await w.asOwner("GET", `/${w.owner.id}/audit_log?category=apps_and_tokens&actor_name=alice&fields=category,actor,description`);
    expect(security.status).toBe(200);
    expect(security.body.data.length).toBeGreaterThan(0);
    for (const e of security.body.data) {
      expect(e.category).toBe("apps_and_tokens");
      expect(e.actor.name).toBe("Alice Advertiser");
      expect(e.description).toMatch(/^Alice Advertiser /);
      expect(e.description).not.toMatch(/token\.|system_user|\b\d{6,}\b/);
    }
    expect((await w.asOwner("GET", `/${w.owner.id}/audit_log?actor_name=nobody-here`)).body.data).toEqual([]);
    const badCategory = await w.asOwner("GET", `/${w.owner.id}/audit_log?category=everything`);
    expect(badCategory.status).toBe(400);
    expect(badCategory.body.error.message).toMatch(/category must be one of partners, people/);
    const chain = await w.asOwner("POST", `/${w.owner.id}/audit_verification`);
    expect(chain.body.ok).toBe(true);
    expect(chain.body.entries).toBeGreaterThan(0);
  });
});
