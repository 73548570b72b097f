import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { listAuditEntries } from "../../src/hub/audit/audit.repository.ts";
import { DIALECTS, makeTestStore, snapshotState, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { runGrantline } from "../support/cli.ts";

/**
 * Findings of an attack on a running hub, each kept as a test: a share end date that broke the
 * partner's pages, amounts past 2^53, control and direction-override characters in names and in the
 * operator's terminal, denials that named the owner, and a stranger writing into removal evidence.
 */
describe.each(DIALECTS)("hostile input and probing (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let partner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let account: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme Outdoor");
    partner = await bootstrapBusiness(hub, "Northwind Media");
    stranger = await bootstrapBusiness(hub, "Prying Eyes");
    account = (await graphClient(server.url, owner.access_token)("POST", `/${owner.business_id}/adaccount`, { name: "Acme Main", currency: "USD", timezone_id: 1 })).body.id as string;
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("refuses a share end date beyond ten years, so the partner's pages keep working", async () => {
    const graph = graphClient(server.url, owner.access_token);
    const before = await snapshotState(hub);
    for (const endTime of ["9999999999999", "99999999999", "+275760-09-13T00:00:00Z", "4102444800"]) {
      const offer = await graph("POST", `/${account}/agencies`, { business: partner.business_id, permitted_tasks: '["ANALYZE"]', end_time: endTime });
      expect(offer.status).toBe(400);
      expect(offer.body.error).toMatchObject({ code: 100, message: expect.stringMatching(/end_time/) });
    }
    expect(await snapshotState(hub)).toEqual(before);
    const ok = await graph("POST", `/${account}/agencies`, { business: partner.business_id, permitted_tasks: '["ANALYZE"]', end_time: String(Math.floor(Date.now() / 1000) + 86_400 * 30) });
    expect(ok.status).toBe(200);
    const partnerGraph = graphClient(server.url, partner.access_token);
    expect((await partnerGraph("GET", `/${partner.business_id}/partner_requests`)).status).toBe(200);
    expect((await partnerGraph("GET", `/${partner.business_id}/partner_shares`)).status).toBe(200);
  });

  it("refuses amounts past the currency's maximum or past 2^53 instead of storing 1e20", async () => {
    const graph = graphClient(server.url, owner.access_token);
    for (const cap of ["99999999999999999999", "100000000001", "-5", "1.5"]) {
      const answer = await graph("POST", `/${account}`, { spend_cap: cap });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe(100);
    }
    expect((await graph("POST", `/${account}`, { spend_cap: "100000000000" })).status).toBe(200);
    const budget = await graph("POST", `/${account}/campaigns`, { name: "Big", objective: "OUTCOME_SALES", special_ad_categories: "[]", daily_budget: "99999999999999999999" });
    expect(budget.status).toBe(400);
  });

  it("refuses control and direction-override characters in names, and the CLI escapes what older rows hold", async () => {
    const graph = graphClient(server.url, owner.access_token);
    for (const name of ["Acme\u0000Main", "Pay\u202Egnp.exe", "\u001b[2Jwiped", "x\u2066y\u2069"]) {
      const answer = await graph("POST", `/${owner.business_id}/owned_pages`, { name });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toMatch(/control or direction-override character U\+/);
    }
    // A row written before the check existed is still printed safely to the operator's terminal.
    await hub.store.db.updateTable("assets").set({ name: "Acme\u001b[31mRed\u202Eevil" }).where("id", "=", account.slice(4)).execute();
    const { stdout } = await runGrantline(store.env, "explain", "--principal", stranger.system_user_id, "--action", "view_asset", "--asset", account).catch((e: { stdout: string }) => e);
    expect(stdout.includes("\u001b") || stdout.includes("\u202E")).toBe(false);
    expect(stdout).toContain("\\u001b[31mRed\\u202eevil");
    // With --json the escapes are JSON's own: the line still parses, to the name as stored.
    const json = await runGrantline(store.env, "explain", "--principal", stranger.system_user_id, "--action", "view_asset", "--asset", account, "--json").catch((e: { stdout: string }) => e);
    expect(json.stdout.includes("\u202E")).toBe(false);
    expect((JSON.parse(json.stdout) as { asset: { name: string } }).asset.name).toBe("Acme\u001b[31mRed\u202Eevil");
    await hub.store.db.updateTable("assets").set({ name: "Acme Main" }).where("id", "=", account.slice(4)).execute();
  });

  it("answers a stranger about an asset, its ad objects and insights exactly as for ids that do not exist", async () => {
    const ownerGraph = graphClient(server.url, owner.access_token);
    const campaign = (await ownerGraph("POST", `/${account}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: "[]" })).body.id as string;
    const graph = graphClient(server.url, stranger.access_token);
    const pairs: [string, string][] = [
      [`/${account}/insights`, "/act_777777777777/insights"],
      [`/${account}/assigned_users?business=${stranger.business_id}`, `/act_777777777777/assigned_users?business=${stranger.business_id}`],
      [`/${account}/troubleshoot?problem=wrong_permissions`, "/act_777777777777/troubleshoot?problem=wrong_permissions"],
      [`/${campaign}?fields=name,account_id`, "/777777777777?fields=name,account_id"],
      [`/${campaign}/insights`, "/777777777777/insights"],
    ];
    for (const [real, missing] of pairs) {
      const [a, b] = [await graph("GET", real), await graph("GET", missing)];
      const realId = real.split(/[/?]/)[1]!;
      const missingId = missing.split(/[/?]/)[1]!;
      const strip = (body: unknown, id: string) => JSON.stringify(body).replaceAll(id, "<id>").replace(/"fbtrace_id":"[^"]*"/, "");
      expect(a.status).toBe(b.status);
      expect(strip(a.body, realId)).toBe(strip(b.body, missingId));
      expect(JSON.stringify(a.body)).not.toMatch(/Acme|Outdoor/);
    }
    // Reading several ids at once conceals the same way, and never names the campaign's ad account.
    const [many, manyMissing] = [await graph("GET", `/?ids=${campaign}&fields=name`), await graph("GET", "/?ids=777777777777&fields=name")];
    expect(many.status).toBe(manyMissing.status);
    expect(JSON.stringify(many.body).replaceAll(campaign, "<id>").replace(/"fbtrace_id":"[^"]*"/, "")).toBe(JSON.stringify(manyMissing.body).replaceAll("777777777777", "<id>").replace(/"fbtrace_id":"[^"]*"/, ""));
    expect(JSON.stringify(many.body)).not.toContain(account.slice(4));
    const offer = await graph("POST", `/${account}/agencies`, { business: stranger.business_id, permitted_tasks: '["ANALYZE"]' });
    expect(JSON.stringify(offer.body)).not.toMatch(/Acme/);
    // The probing is still in the audit log, as denials of the stranger.
    const denials = await listAuditEntries(hub.store.db, { outcome: "denied" });
    expect(denials.some((e) => e.actor_id === stranger.system_user_id)).toBe(true);
  });

  it("lets a related partner see why it is refused, in plain words", async () => {
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    const pixel = await hub.assets.createAsset(ownerCtx, owner.business_id, { type: "pixel", name: "Acme Pixel" });
    await hub.partners.offer(ownerCtx, { assetId: pixel.id, partnerBusinessId: partner.business_id, tasks: presetTasks("pixel", "VIEW_ONLY") });
    await hub.partners.acceptOrRequest(principalContext("system_user", partner.system_user_id), { partnerBusinessId: partner.business_id, assetId: pixel.id });
    const refused = await graphClient(server.url, partner.access_token)("POST", `/${pixel.id}/agencies`, { business: stranger.business_id, permitted_tasks: '["ANALYZE"]' });
    expect(refused.body.error.code).toBe(200);
    expect(refused.body.error.error_user_msg).toMatch(/Acme/);
  });

  it("does not let a stranger write into another business's removal evidence", async () => {
    const graph = graphClient(server.url, stranger.access_token);
    const before = (await listAuditEntries(hub.store.db, { businessId: owner.business_id })).length;
    const attempt = await graph("POST", `/${owner.business_id}/removal_verifications`, { partner_business_id: stranger.business_id });
    expect(attempt.status).toBe(400);
    expect(attempt.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(JSON.stringify(attempt.body)).not.toMatch(/checked_assets|Acme/);
    const leave = await graph("DELETE", `/${owner.business_id}/agencies`, { business: stranger.business_id });
    expect(leave.status).toBe(400);
    expect((await listAuditEntries(hub.store.db, { businessId: owner.business_id })).length).toBe(before);
  });
});
