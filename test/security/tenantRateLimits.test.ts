import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { RateLimiter } from "../../src/graph/rateLimit/rateLimiter.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { Browser } from "../auth/browser.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { STORES, type OpenStore } from "../support/rateLimitStores.ts";
import { graphClient } from "../support/servers.ts";

/**
 * A noisy neighbour: tenant A fills every quota it can reach with batches, while tenant B's tools
 * and a person in the console keep working. Before buckets were scoped per tenant, every token
 * without an app shared one bucket, and nested batches made filling it cheap.
 */
describe.each(STORES)("rate limits per tenant ($name store)", ({ open }) => {
  let store: TestStore;
  let hub: Grantline;
  let limits: OpenStore;
  let url: string;
  let close: () => Promise<unknown>;

  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    limits = await open();
    const limiter = new RateLimiter({ store: limits.store, appPoints: 120, userPoints: 120, businessPoints: 120, adAccountBasePoints: { development_access: 120 } });
    const app = await buildServer(hub, { logLevel: "silent", rateLimiter: limiter });
    await app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    close = () => app.close();
  });
  afterEach(async () => {
    await close();
    await limits.close();
    await store.cleanup();
  });

  const batchOf = (n: number, relativeUrl: string) => ({ batch: JSON.stringify(Array.from({ length: n }, () => ({ method: "GET", relative_url: relativeUrl }))) });

  it("one tenant saturating its quotas with batches leaves other tenants and console sessions untouched", async () => {
    const a = await bootstrapBusiness(hub, "Noisy Agency");
    const b = await bootstrapBusiness(hub, "Quiet Advertiser");
    const graphA = graphClient(url, a.access_token);
    const graphB = graphClient(url, b.access_token);

    // B shares an ad account with A, so A can also hammer an account B uses.
    const account = (await graphB("POST", `/${b.business_id}/adaccount`, { name: "Shared", currency: "USD", timezone_id: 1 })).body.id as string;
    await hub.partners.offer(principalContext("system_user", b.system_user_id), { assetId: account.slice(4), partnerBusinessId: a.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", a.system_user_id), { partnerBusinessId: a.business_id, assetId: account.slice(4) });

    // A person of B signed in to the console.
    const email = `carol.${Date.now()}@quiet.test`;
    const carol = await hub.businesses.createPerson(operatorContext(), { name: "Carol", email });
    await hub.businesses.setMemberRole(principalContext("system_user", b.system_user_id), b.business_id, carol.id, "ADMIN");
    await hub.auth.setPassword(operatorContext(), email, "a long console password");
    const browser = new Browser(url);
    expect((await browser.post("/auth/login", { email, password: "a long console password" })).status).toBe(200);
    const consoleToken = (await browser.get("/auth/session")).body.access_token as string;
    const graphConsole = graphClient(url, consoleToken);

    // A nested batch is refused outright: one request never fans out beyond one batch.
    const nested = await graphA("POST", "/", { batch: JSON.stringify([{ method: "POST", relative_url: "/", body: batchOf(50, "me") }]) });
    expect(nested.status).toBe(200);
    const nestedItem = nested.body[0] as { code: number; body: string };
    expect(nestedItem.code).toBe(400);
    expect(JSON.parse(nestedItem.body).error).toMatchObject({ code: 100, message: expect.stringContaining("cannot be nested") });

    // A fills its own quotas: each batch item costs what a call costs.
    let refusedItems = 0;
    for (let round = 0; round < 4; round++) {
      const answer = await graphA("POST", "/", batchOf(50, `${account}?fields=name`));
      if (answer.status !== 200) break;
      refusedItems += (answer.body as { code: number }[]).filter((item) => item.code !== 200).length;
    }
    expect(refusedItems).toBeGreaterThan(0);
    const refusedNow = await graphA("GET", `/${a.business_id}`);
    expect(refusedNow.status).toBe(400);
    expect(refusedNow.body.error.code).toBe(17);
    // A full quota is told as such whatever the call names: another business's edge as an unknown id.
    expect((await graphA("GET", `/${b.business_id}/owned_ad_accounts`)).body.error.code).toBe(17);
    expect((await graphA("GET", "/987654321987/owned_ad_accounts")).body.error.code).toBe(17);

    // B's own tools, the shared ad account included, and the console keep getting answers.
    for (let i = 0; i < 5; i++) {
      expect((await graphB("GET", `/${b.business_id}`)).status).toBe(200);
      const onAccount = await graphB("GET", `/${account}?fields=name`);
      expect(onAccount.status).toBe(200);
      expect(JSON.parse(onAccount.headers.get("x-ad-account-usage")!).acc_id_util_pct).toBeLessThan(50);
      expect((await graphConsole("GET", "/me")).status).toBe(200);
      expect((await graphConsole("GET", `/${account}?fields=name`)).status).toBe(200);
    }
  });

  it("does not charge a business's quota for calls by strangers", async () => {
    const stranger = await bootstrapBusiness(hub, "Stranger");
    const target = await bootstrapBusiness(hub, "Target");
    const graphStranger = graphClient(url, stranger.access_token);
    for (let i = 0; i < 3; i++) await graphStranger("POST", "/", batchOf(50, `${target.business_id}/owned_ad_accounts`));
    const own = await graphClient(url, target.access_token)("GET", `/${target.business_id}`);
    expect(own.status).toBe(200);
    const usage = JSON.parse(own.headers.get("x-business-use-case-usage")!) as Record<string, { call_count: number }[]>;
    expect(usage[target.business_id]![0]!.call_count).toBe(0); // 1 of 120 points, rounded down
  });
});
