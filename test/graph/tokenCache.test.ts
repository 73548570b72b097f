import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

/** A listening server on a hub instance; several may share one store, like several instances. */
async function listen(hub: Grantline, accessFreshnessMs = 0) {
  const app = await buildServer(hub, { logLevel: "silent", accessFreshnessMs });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

describe.each(DIALECTS)("cached token lookups and account reads end with every access change on %s", (dialect) => {
  let store: TestStore;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await store.cleanup();
  });

  async function world(clock?: TestClock) {
    const a = await store.open(clock);
    const b = await store.open(clock);
    const owner = await bootstrapBusiness(a, "Acme");
    const [token] = await a.tokens.listForPrincipal(owner.system_user_id);
    const serverA = await listen(a);
    closers.push(serverA.close);
    const account = await graphClient(serverA.url, owner.access_token)("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 });
    return { a, b, owner, tokenId: token!.id, serverA, accountId: account.body.id as string };
  }

  it("a revoked token is refused by the next request on the revoking instance and on another one", async () => {
    const { a, b, owner, tokenId, serverA, accountId } = await world();
    const serverB = await listen(b);
    closers.push(serverB.close);
    for (const url of [serverA.url, serverB.url]) {
      // Twice each, so the second answer comes from the cache.
      for (let i = 0; i < 2; i++) expect((await graphClient(url, owner.access_token)("GET", `/${accountId}/campaigns`)).status).toBe(200);
    }
    const seqBefore = a.engine.appliedSeq;
    await a.tokens.revoke(operatorContext(), tokenId, null);
    expect(a.engine.appliedSeq).toBeGreaterThan(seqBefore);
    for (const url of [serverA.url, serverB.url]) {
      const refused = await graphClient(url, owner.access_token)("GET", `/${accountId}/campaigns`);
      expect(refused.body.error).toMatchObject({ code: 190, type: "OAuthException" });
    }
  });

  it("a cached token that expires is refused with 190/463", async () => {
    const clock = new TestClock();
    const { a, owner, serverA, accountId } = await world(clock);
    const issued = await a.tokens.issueSystemUserToken(operatorContext(), owner.system_user_id, { expiresIn60Days: true });
    const graph = graphClient(serverA.url, issued.accessToken);
    expect((await graph("GET", `/${accountId}/campaigns`)).status).toBe(200);
    expect((await graph("GET", `/${accountId}/campaigns`)).status).toBe(200);
    clock.advanceDays(61);
    const refused = await graph("GET", `/${accountId}/campaigns`);
    expect(refused.body.error).toMatchObject({ code: 190, error_subcode: 463 });
  });

  it("with a freshness window, another instance's revocation lands at its next look at the sequence", async () => {
    const { a, b, owner, tokenId, accountId } = await world();
    // A window far longer than the test: only the sync poll (ensureCurrent) can bring the change.
    const serverB = await listen(b, 3_600_000);
    closers.push(serverB.close);
    const graphB = graphClient(serverB.url, owner.access_token);
    expect((await graphB("GET", `/${accountId}/campaigns`)).status).toBe(200);
    await a.tokens.revoke(operatorContext(), tokenId, null);
    await b.engine.ensureCurrent(); // what the sync timer does every interval
    expect((await graphB("GET", `/${accountId}/campaigns`)).body.error).toMatchObject({ code: 190 });
  });

  it("an ad account renamed on one instance is read with its new name on another", async () => {
    const { a, b, owner, serverA, accountId } = await world();
    const serverB = await listen(b);
    closers.push(serverB.close);
    const graphA = graphClient(serverA.url, owner.access_token);
    const graphB = graphClient(serverB.url, owner.access_token);
    const campaign = await graphA("POST", `/${accountId}/campaigns`, { name: "C", objective: "OUTCOME_SALES", special_ad_categories: [] });
    expect(campaign.status).toBe(200);
    // Reads through the cached account scope on b, then a rename on a.
    expect((await graphB("GET", `/${accountId}/campaigns`)).status).toBe(200);
    await a.assets.updateAdAccount(operatorContext(), accountId, { name: "Renamed" });
    expect((await graphB("GET", `/${accountId}?fields=name`)).body.name).toBe("Renamed");
    const { readAdAccount } = await import("../../src/hub/ads/adAccountScope.ts");
    expect((await readAdAccount({ db: b.store.db, engine: b.engine, audit: b.audit, now: b.now }, accountId)).name).toBe("Renamed");
  });
});
