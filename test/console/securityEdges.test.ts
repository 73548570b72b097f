import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { buildSignInBusiness, sessionToken } from "./browser.ts";

const DAY = 86_400_000;

/** The edges the console's Apps page and Security center add: connected apps and applying a finding's fix. */
describe.each(DIALECTS)("connected apps and review fixes on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  const clock = new TestClock(Date.UTC(2026, 2, 1, 12));

  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock);
    server = await startServer(hub);
  });
  afterEach(async () => {
    await server.close();
    await store.cleanup();
  });

  async function world() {
    const owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    const toolMaker = await buildSignInBusiness(hub, "Tool Maker", "Tom Tool", "tom@tools.example");
    const asAlice = principalContext("person", owner.admin.id);
    const account = await hub.assets.createAsset(asAlice, owner.id, { type: "ad_account", name: "Acme Main" });
    const page = await hub.assets.createAsset(asAlice, owner.id, { type: "page", name: "Acme Page" });
    const app = await hub.apps.createApp(principalContext("person", toolMaker.admin.id), toolMaker.id, "Bid Tool");
    const grant = await hub.apps.grant(asAlice, { appId: app.id, scopes: ["ads_read", "ads_management"], assetIds: [account.id, page.id] });
    return {
      owner,
      toolMaker,
      account,
      page,
      app,
      grant,
      asOwner: graphClient(server.url, await sessionToken(server.url, owner.admin.email)),
      asToolMaker: graphClient(server.url, await sessionToken(server.url, toolMaker.admin.email)),
    };
  }

  it("lists a business's connected apps with scopes in plain words, chosen assets and who granted them; only its admins", async () => {
    const w = await world();
    const listed = await w.asOwner("GET", `/${w.owner.id}/connected_apps`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    const row = listed.body.data[0];
    expect(row.app).toEqual({ id: w.app.id, name: "Bid Tool", verified: false });
    expect(row.granted_by).toEqual({ id: w.owner.admin.id, name: "Alice Advertiser" });
    expect(row.scope_descriptions).toEqual([
      { scope: "ads_read", description: "See your ad accounts' campaigns, ads and results", kind: "read" },
      { scope: "ads_management", description: "Create, change and pause campaigns, ad sets, ads and budgets", kind: "write" },
    ]);
    expect(row.assets.map((a: any) => [a.name, a.type]).sort()).toEqual([["Acme Main", "ad_account"], ["Acme Page", "page"]]);

    const onAsset = await w.asOwner("GET", `/${w.page.id}/connected_apps`);
    expect(onAsset.body.data.map((c: any) => [c.app.name, c.assets.map((a: any) => a.name)])).toEqual([["Bid Tool", ["Acme Page"]]]);

    const mine = await w.asOwner("GET", "/me/connected_apps");
    expect(mine.body.data.map((c: any) => c.id)).toEqual([w.grant.id]);
    expect((await w.asToolMaker("GET", "/me/connected_apps")).body.data).toEqual([]);

    for (const path of [`/${w.owner.id}/connected_apps`, `/${w.page.id}/connected_apps`, `/${w.owner.admin.id}/connected_apps`]) {
      const refused = await w.asToolMaker("GET", path);
      expect(refused.status, path).toBe(400);
      expect([200, 100, 803]).toContain(refused.body.error.code);
    }
  });

  it("removes an app from the business: the grant ends, and the answer checks nothing of the business is reachable", async () => {
    const w = await world();
    const missing = await w.asOwner("DELETE", `/${w.owner.id}/connected_apps`);
    expect(missing.body.error.message).toBe("The parameter app_id is required.");
    const removed = await w.asOwner("DELETE", `/${w.owner.id}/connected_apps?app_id=${w.app.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ success: true, grants_changed: 1, verified: true, remaining: [] });
    expect(hub.engine.index.getGrant(w.grant.id)).toBeUndefined();
    expect((await w.asOwner("GET", `/${w.owner.id}/connected_apps`)).body.data).toEqual([]);
    const again = await w.asOwner("DELETE", `/${w.owner.id}/connected_apps?app_id=${w.app.id}`);
    expect(again.body.error.message).toMatch(/has no access to this business's assets/);
  });

  it("lets a person remove an app they connected, with the removal check; nobody else's", async () => {
    const w = await world();
    expect((await w.asToolMaker("DELETE", `/me/connected_apps?grant_id=${w.grant.id}`)).body.error.message).toMatch(/no connected app/);
    const removed = await w.asOwner("DELETE", `/me/connected_apps?grant_id=${w.grant.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.verification.verified).toBe(true);
    expect((await w.asOwner("GET", "/me/connected_apps")).body.data).toEqual([]);
  });

  it("applies a finding's fix only while the review still reports it, and the access changes", async () => {
    const w = await world();
    const bob = await hub.businesses.createPerson(operatorContext(), { name: "Bob Buyer", email: "bob@acme.example" });
    const asAlice = principalContext("person", w.owner.admin.id);
    await hub.businesses.setMemberRole(asAlice, w.owner.id, bob.id, "EMPLOYEE");
    await hub.assignments.assign(asAlice, { assetId: w.account.id, principalId: bob.id, tasks: presetTasks("ad_account", "STANDARD") });
    clock.t += 100 * DAY;
    // Sessions last hours, so sign in again after the months pass.
    w.asOwner = graphClient(server.url, await sessionToken(server.url, w.owner.admin.email));
    w.asToolMaker = graphClient(server.url, await sessionToken(server.url, w.toolMaker.admin.email));

    const findings = await w.asOwner("GET", `/${w.owner.id}/access_review_findings`);
    const unused = findings.body.data.find((f: any) => f.kind === "unused" && f.principal?.id === bob.id && f.asset?.id === w.account.id);
    expect(unused.fix.action).toBe("remove_assignment");
    expect(hub.engine.tasksOf(bob.id, w.account.id).length).toBeGreaterThan(0);

    const tampered = await w.asOwner("POST", `/${w.owner.id}/access_review_fixes`, { action: "remove_member", params: { business_id: w.owner.id, person_id: w.owner.admin.id } });
    expect(tampered.body.error.message).toMatch(/not among the business's current findings/);
    // The tool maker has no relation to the owner business: its attempt reads as an unknown object.
    expect((await w.asToolMaker("POST", `/${w.owner.id}/access_review_fixes`, { action: unused.fix.action, params: unused.fix.params })).body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(hub.engine.tasksOf(bob.id, w.account.id).length).toBeGreaterThan(0);

    const applied = await w.asOwner("POST", `/${w.owner.id}/access_review_fixes`, { action: unused.fix.action, params: unused.fix.params });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ success: true, action: "remove_assignment", summary: "Assignment removed.", finding: { kind: "unused" } });
    expect(hub.engine.tasksOf(bob.id, w.account.id)).toEqual([]);
    const after = await w.asOwner("GET", `/${w.owner.id}/access_review_findings`);
    expect(after.body.data.some((f: any) => f.principal?.id === bob.id && f.asset?.id === w.account.id)).toBe(false);
    const twice = await w.asOwner("POST", `/${w.owner.id}/access_review_fixes`, { action: unused.fix.action, params: unused.fix.params });
    expect(twice.body.error.message).toMatch(/not among/);
  });

  it("removes an app through its finding's fix", async () => {
    const w = await world();
    const findings = await w.asOwner("GET", `/${w.owner.id}/access_review_findings`);
    const risky = findings.body.data.find((f: any) => f.kind === "unverified_app_write");
    expect(risky.fix.action).toBe("remove_app");
    const applied = await w.asOwner("POST", `/${w.owner.id}/access_review_fixes`, { action: risky.fix.action, params: risky.fix.params });
    expect(applied.status).toBe(200);
    expect(hub.engine.index.getGrant(w.grant.id)).toBeUndefined();
    const bad = await w.asOwner("POST", `/${w.owner.id}/access_review_fixes`, { action: "remove_app", params: "nope" });
    expect(bad.body.error.message).toMatch(/params must be/);
  });

  it("streams the review's progress phase by phase, then the same report as the findings edge", async () => {
    const w = await world();
    const token = await sessionToken(server.url, w.owner.admin.email);
    const response = await fetch(`${server.url}/${w.owner.id}/access_review_findings_stream?window_days=30`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as { progress?: { done: number; total: number; phase: string }; report?: { window_days: number; data: unknown[] } });
    const progress = lines.filter((l) => l.progress).map((l) => l.progress!);
    expect(progress.length).toBeGreaterThanOrEqual(8);
    expect(progress[0]!.done).toBe(0);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ phase: "done" });
    expect(last.done).toBe(last.total);
    expect(last.total).toBeGreaterThan(0);
    const report = lines[lines.length - 1]!.report!;
    expect(report.window_days).toBe(30);
    const plain = await w.asOwner("GET", `/${w.owner.id}/access_review_findings?window_days=30`);
    expect(report.data).toEqual(plain.body.data);

    // Refusals come before any progress, as ordinary Graph errors.
    const refused = await fetch(`${server.url}/${w.owner.id}/access_review_findings_stream`, { headers: { authorization: `Bearer ${await sessionToken(server.url, w.toolMaker.admin.email)}` } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: number; error_subcode: number } }).error).toMatchObject({ code: 100, error_subcode: 33 });
    const bad = await fetch(`${server.url}/${w.owner.id}/access_review_findings_stream?window_days=0`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/window_days/);
  });
});
