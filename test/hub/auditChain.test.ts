import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { buildAsset, buildBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("audit chain on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    const acme = await buildBusiness(hub, "Acme");
    await buildAsset(hub, acme, "ad_account");
    await buildAsset(hub, acme, "page");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("verifies an untouched log", async () => {
    const result = await hub.audit.verify();
    expect(result.ok).toBe(true);
    expect(result.entries).toBeGreaterThanOrEqual(5);
  });

  it("detects an edited entry", async () => {
    await hub.store.db.updateTable("audit_entries").set({ reason: "nothing to see" }).where("seq", "=", 3).execute();
    expect(await hub.audit.verify()).toMatchObject({ ok: false, brokenAt: 3, problem: "entry 3 was altered" });
  });

  it("detects an entry deleted from the middle", async () => {
    await hub.store.db.deleteFrom("audit_entries").where("seq", "=", 2).execute();
    expect(await hub.audit.verify()).toMatchObject({ ok: false, brokenAt: 2, problem: "entry 2 is missing" });
  });

  it("detects the newest entry being deleted", async () => {
    const head = await hub.store.db.selectFrom("audit_head").select("seq").executeTakeFirstOrThrow();
    await hub.store.db.deleteFrom("audit_entries").where("seq", "=", head.seq).execute();
    const result = await hub.audit.verify();
    expect(result.ok).toBe(false);
    expect(result.problem).toContain(`but ${head.seq} were written`);
  });

  it("detects an entry rewritten with a recomputed hash of its own (the next link breaks)", async () => {
    const row = await hub.store.db.selectFrom("audit_entries").selectAll().where("seq", "=", 2).executeTakeFirstOrThrow();
    const { auditEntryHash } = await import("../../src/hub/audit/auditChain.ts");
    const { hash: _h, prev_hash, ...fields } = row;
    const forged = { ...fields, reason: "forged" };
    await hub.store.db
      .updateTable("audit_entries")
      .set({ reason: "forged", hash: auditEntryHash(prev_hash, forged) })
      .where("seq", "=", 2)
      .execute();
    expect(await hub.audit.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it("keeps one unbroken chain under concurrent writers", async () => {
    const acme = await buildBusiness(hub, "Busy");
    await Promise.all(Array.from({ length: 20 }, (_, i) => buildAsset(hub, acme, "pixel", `Pixel ${i}`)));
    const result = await hub.audit.verify();
    expect(result.ok).toBe(true);
    const count = await hub.store.db.selectFrom("audit_entries").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
    expect(result.entries).toBe(Number(count.n));
  });
});
