import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import type { StoreHealthEvent } from "../../src/store/storeHealth.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/**
 * A full disk, as SQLite meets it: SQLITE_FULL. SQLite's own page limit (`max_page_count`) makes
 * the store's file unable to grow, which is exactly what a full disk does to it. Writes are then
 * answered as Graph's "temporarily unavailable" (code 2, 503) naming the lack of space, the store
 * reports "disk full" with its path once, readiness fails, and all of it ends with the first write
 * that succeeds again.
 */
describe("a full disk under the SQLite store", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    server = await startServer(hub);
  });
  afterEach(async () => {
    await server.close();
    await store.cleanup();
  });

  it("answers writes with a 503 that says so, fails readiness, and recovers by itself", async () => {
    const owner = await bootstrapBusiness(hub, "Acme");
    const graph = graphClient(server.url, owner.access_token);
    const events: StoreHealthEvent[] = [];
    hub.store.health.onEvent((event) => events.push(event));
    const create = (n: number) => graph("POST", `/${owner.business_id}/adaccount`, { name: `Account ${n}`, currency: "USD", timezone_id: 1 });
    expect((await create(0)).status).toBe(200);

    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(hub.store.db);
    await sql`PRAGMA max_page_count = ${sql.lit(rows[0]!.page_count)}`.execute(hub.store.db);
    let refused: Awaited<ReturnType<typeof create>> | undefined;
    // The pages already there take a few more rows; the first write that needs a new one fails.
    for (let n = 1; n <= 500 && !refused; n++) {
      const answer = await create(n);
      if (answer.status !== 200) refused = answer;
    }
    expect(refused?.status).toBe(503);
    expect(refused!.headers.get("retry-after")).toBe("60");
    expect(refused!.body.error).toMatchObject({ code: 2, is_transient: true, message: "Service temporarily unavailable: the server is out of storage space" });
    const before = await snapshotAccounts(hub);

    const fault = events.find((event) => event.type === "fault");
    expect(fault).toMatchObject({ type: "fault", kind: "disk_full" });
    expect(fault!.message).toContain(hub.store.location);
    expect(fault!.message).toContain("SQLITE_FULL");
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "not_ready", store: "ok", disk: expect.stringContaining("disk full") });
    // Reads still work, and the refused write left nothing behind.
    expect((await graph("GET", `/${owner.business_id}/owned_ad_accounts`)).status).toBe(200);
    expect((await create(1000)).status).toBe(503);
    expect(await snapshotAccounts(hub)).toEqual(before);

    await sql`PRAGMA max_page_count = ${sql.lit(1_000_000)}`.execute(hub.store.db);
    expect((await create(1001)).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ type: "recovered", kind: "disk_full" });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

async function snapshotAccounts(hub: Grantline) {
  return (await hub.store.db.selectFrom("assets").select("id").orderBy("id").execute()).map((row) => row.id);
}
