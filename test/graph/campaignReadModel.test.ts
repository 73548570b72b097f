import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { AdObjectReadModel } from "../../src/hub/ads/adObjectReadModel.ts";
import { CampaignService } from "../../src/hub/ads/campaign.service.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { HubDeps } from "../../src/hub/hubCommand.ts";
import type { Cursor } from "../../src/store/paging.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

/**
 * Campaign lists are served from an in-memory read model. These tests hold it to the store: every
 * write (through the Graph, the services, this instance or another) is in the next list, and access
 * is checked on every read, so a held list never outlives a revocation.
 */

async function listen(hub: Grantline, accessFreshnessMs = 0) {
  const app = await buildServer(hub, { logLevel: "silent", accessFreshnessMs });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

const FIELDS = "fields=id,name,status,effective_status,daily_budget";
const depsOf = (hub: Grantline): HubDeps => ({ db: hub.store.db, engine: hub.engine, audit: hub.audit, now: hub.now });

describe.each(DIALECTS)("campaign lists from the read model on %s", (dialect) => {
  let store: TestStore;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await store.cleanup();
  });

  /**
   * Instance a looks at the stored versions only once an hour, so only its own writes' commit can
   * bring them into its lists; b compares on every read, so it sees a's writes at once.
   */
  async function world() {
    const a = await store.open(undefined, { adObjectsMaxAgeMs: 3_600_000 });
    const b = await store.open();
    const owner = await bootstrapBusiness(a, "Acme");
    const serverA = await listen(a);
    const serverB = await listen(b);
    closers.push(serverA.close, serverB.close);
    const graphA = graphClient(serverA.url, owner.access_token);
    const graphB = graphClient(serverB.url, owner.access_token);
    const account = await graphA("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 });
    const accountId = account.body.id as string;
    const names = async (graph: typeof graphA, query = "") => {
      const response = await graph("GET", `/${accountId}/campaigns?${FIELDS}${query}`);
      expect(response.status).toBe(200);
      return (response.body.data as { name: string; status: string }[]).map((c) => `${c.name}:${c.status}`);
    };
    return { a, b, owner, graphA, graphB, accountId, names };
  }

  it("a write through the Graph is in the next list, on the writing instance and on another", async () => {
    const { graphA, graphB, accountId, names } = await world();
    // Both instances hold the (empty) list before the first write.
    expect(await names(graphA)).toEqual([]);
    expect(await names(graphB)).toEqual([]);
    const created = await graphA("POST", `/${accountId}/campaigns`, { name: "One", objective: "OUTCOME_SALES", special_ad_categories: [], daily_budget: "1000" });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    expect(await names(graphA)).toEqual(["One:PAUSED"]);
    expect(await names(graphB)).toEqual(["One:PAUSED"]);

    expect((await graphA("POST", `/${id}`, { name: "One renamed", status: "ACTIVE", daily_budget: "2500" })).status).toBe(200);
    expect(await names(graphA)).toEqual(["One renamed:ACTIVE"]);
    expect(await names(graphB)).toEqual(["One renamed:ACTIVE"]);
    const listed = await graphA("GET", `/${accountId}/campaigns?${FIELDS}`);
    expect(listed.body.data[0]).toEqual({ id, name: "One renamed", status: "ACTIVE", effective_status: "ACTIVE", daily_budget: "2500" });

    expect((await graphA("DELETE", `/${id}`)).status).toBe(200);
    expect(await names(graphA)).toEqual([]);
    expect(await names(graphB)).toEqual([]);
    expect(await names(graphB, "&effective_status=['DELETED']")).toEqual(["One renamed:DELETED"]);
  });

  it("a write through the hub's services is in the next Graph list; a rolled-back one changes nothing", async () => {
    const { a, graphA, graphB, accountId, names } = await world();
    const created = await graphA("POST", `/${accountId}/campaigns`, { name: "Svc", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const id = created.body.id as string;
    expect(await names(graphA)).toEqual(["Svc:PAUSED"]);
    expect(await names(graphB)).toEqual(["Svc:PAUSED"]);
    const ctx = operatorContext();

    await a.campaigns.updateCampaign(ctx, id, { status: "ACTIVE" });
    expect(await names(graphA)).toEqual(["Svc:ACTIVE"]);
    expect(await names(graphB)).toEqual(["Svc:ACTIVE"]);

    // Inside a larger transaction, the write is seen once the whole of it commits...
    await a.inOneTransaction(async () => {
      await a.campaigns.updateCampaign(ctx, id, { name: "Svc 2" });
      await a.campaigns.createCampaign(ctx, accountId, { name: "Svc 3", objective: "OUTCOME_TRAFFIC", special_ad_categories: [] });
    });
    expect(await names(graphA)).toEqual(["Svc 3:PAUSED", "Svc 2:ACTIVE"]);
    expect(await names(graphB)).toEqual(["Svc 3:PAUSED", "Svc 2:ACTIVE"]);

    // ...and one that rolls back leaves the lists as they were.
    await expect(
      a.inOneTransaction(async () => {
        await a.campaigns.updateCampaign(ctx, id, { name: "Never" });
        throw new Error("abandoned");
      }),
    ).rejects.toThrow("abandoned");
    expect(await names(graphA)).toEqual(["Svc 3:PAUSED", "Svc 2:ACTIVE"]);
    expect((await a.campaigns.listCampaigns(ctx, accountId)).items.map((c) => c.name)).toEqual(["Svc 3", "Svc 2"]);
  });

  it("a held list never outlives a revocation: access is checked on every read", async () => {
    const { a, accountId, names, graphA } = await world();
    await graphA("POST", `/${accountId}/campaigns`, { name: "Shared", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const op = operatorContext();
    const agency = await bootstrapBusiness(a, "Agency");
    const staff = await a.businesses.createSystemUser(op, agency.business_id, { name: "Agency Staff", role: "EMPLOYEE" });
    const staffToken = (await a.tokens.issueSystemUserToken(op, staff.id, {})).accessToken;
    const assetId = accountId.replace(/^act_/, "");
    await a.partners.offer(op, { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    await a.partners.acceptOrRequest(op, { partnerBusinessId: agency.business_id, assetId });
    await a.assignments.assign(op, { assetId, principalId: staff.id, tasks: ["ANALYZE", "AA_ANALYZE"] });

    // The other instance looks at the access-change sequence only every hour: only its sync poll
    // brings the revocation, and the list it holds must not answer past it.
    const b = await store.open();
    const serverB = await listen(b, 3_600_000);
    closers.push(serverB.close);
    const staffA = graphClient((await listen(a)).url, staffToken);
    const staffB = graphClient(serverB.url, staffToken);
    for (const graph of [staffA, staffB]) {
      for (let i = 0; i < 2; i++) expect((await graph("GET", `/${accountId}/campaigns?fields=name`)).body.data).toEqual([{ name: "Shared", id: expect.any(String) }]);
    }
    expect(await names(graphA)).toEqual(["Shared:PAUSED"]);

    await a.assignments.unassign(op, { assetId, principalId: staff.id });
    expect((await staffA("GET", `/${accountId}/campaigns`)).body.error).toMatchObject({ code: 200 });
    await b.engine.ensureCurrent(); // what the sync timer does every interval
    expect((await staffB("GET", `/${accountId}/campaigns`)).body.error).toMatchObject({ code: 200 });
    // The owner's reads of the same held list go on.
    expect(await names(graphA)).toEqual(["Shared:PAUSED"]);
  });

  it("with a freshness window, another instance's write is in the list once the window has passed", async () => {
    const a = await store.open();
    const owner = await bootstrapBusiness(a, "Acme");
    const op = operatorContext();
    const account = await a.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    let t = 0;
    const b = await store.open();
    const held = new AdObjectReadModel(b.store.db, { maxAgeMs: 1000, clock: () => t });
    const first = await a.campaigns.createCampaign(op, account.graphId, { name: "First", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const page = async () => (await held.campaignPage(account.id, ["ACTIVE", "PAUSED"], { limit: 25 }))!.items.map((c) => c.name);
    expect(await page()).toEqual(["First"]);
    await a.campaigns.updateCampaign(op, first.id, { name: "First renamed" });
    t = 999;
    // Still inside the window: the held list has not compared with the store yet.
    expect(await page()).toEqual(["First"]);
    t = 1000;
    expect(await page()).toEqual(["First renamed"]);
    t = 1500;
    expect(await page()).toEqual(["First renamed"]);
  });

  it("pages exactly as the store pages them, for any writes and any page walk", async () => {
    const clock = new TestClock();
    // Held lists never compare with the store here: each write's commit alone must refresh them.
    const hub = await store.open(clock, { adObjectsMaxAgeMs: 3_600_000 });
    const owner = await bootstrapBusiness(hub, "Acme");
    const op = operatorContext();
    const account = await hub.assets.createAsset(op, owner.business_id, { type: "ad_account", name: "Main" });
    // The same service over a read model that holds nothing: every page comes from the store.
    const fromStore = new CampaignService(depsOf(hub), new AdObjectReadModel(hub.store.db, { campaignLimit: 0 }));
    // And over one that holds at most two: it holds the account, then gives it up as it grows.
    const small = new CampaignService(depsOf(hub), new AdObjectReadModel(hub.store.db, { campaignLimit: 2 }));
    const ids: string[] = [];
    const statusArb = fc.constantFrom("ACTIVE", "PAUSED", "ARCHIVED", "DELETED");
    const write = fc.oneof(
      fc.record({ kind: fc.constant("create" as const), status: fc.constantFrom("ACTIVE", "PAUSED"), tick: fc.boolean() }),
      fc.record({ kind: fc.constant("status" as const), pick: fc.nat(), status: statusArb }),
      fc.record({ kind: fc.constant("rename" as const), pick: fc.nat(), name: fc.string({ minLength: 1, maxLength: 12 }) }),
    );
    const read = fc.record({
      limit: fc.integer({ min: 1, max: 4 }),
      statuses: fc.option(fc.subarray(["ACTIVE", "PAUSED", "ARCHIVED", "DELETED"], { minLength: 1 }), { nil: undefined }),
      steps: fc.array(fc.constantFrom("next", "previous"), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(write, read), { minLength: 1, maxLength: 6 }), async (script) => {
        for (const [change, walk] of script) {
          if (change.kind === "create") {
            // Same-millisecond campaigns (ties broken by id) as well as later ones.
            if (change.tick) clock.t += 1000;
            ids.push((await hub.campaigns.createCampaign(op, account.graphId, { name: `C${ids.length}`, objective: "OUTCOME_SALES", special_ad_categories: [], status: change.status })).id);
          } else if (ids.length > 0) {
            const id = ids[change.pick % ids.length]!;
            const input = change.kind === "status" ? { status: change.status } : { name: change.name };
            await hub.campaigns.updateCampaign(op, id, input).catch(() => undefined); // deleted ones refuse changes
          }
          const options = (page: { limit: number; after?: Cursor; before?: Cursor }) => ({ page, ...(walk.statuses ? { effectiveStatus: walk.statuses } : {}) });
          let request: { limit: number; after?: Cursor; before?: Cursor } = { limit: walk.limit };
          for (const step of [...walk.steps, "end"]) {
            const held = await hub.campaigns.listCampaigns(op, account.graphId, options(request));
            const stored = await fromStore.listCampaigns(op, account.graphId, options(request));
            expect(held, `${JSON.stringify(request)} of ${JSON.stringify(walk)}`).toEqual(stored);
            expect(await small.listCampaigns(op, account.graphId, options(request))).toEqual(stored);
            const from = step === "next" ? held.last : held.first;
            if (step === "end" || !from) break;
            request = step === "next" ? { limit: walk.limit, after: from } : { limit: walk.limit, before: from };
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
