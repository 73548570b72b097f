import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { upsertPayload } from "../../src/oauth/oidcPayload.repository.ts";
import { sweepExpiredOidcPayloads } from "../../src/oauth/oidcPayloadSweep.ts";
import { runGrantline } from "../support/cli.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

const MINUTE = 60_000;

/** The sweep of the authorization server's expired rows: expired ones go, in batches; live ones stay. */
describe.each(DIALECTS)("expired OAuth row sweep (%s)", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let hub: Hub;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const put = (model: string, id: string, expiresAt: number | null) =>
    upsertPayload(hub.store.db, { model, id, payload: JSON.stringify({ jti: id }), grant_id: null, uid: null, user_code: null, expires_at: expiresAt });
  const remaining = async () =>
    (await hub.store.db.selectFrom("oidc_payloads").select(["model", "id"]).orderBy("model").orderBy("id").execute()).map((r) => `${r.model}:${r.id}`);

  it("deletes expired rows of every model in batches and keeps live and never-expiring ones", async () => {
    const now = clock.now();
    const expired = [
      ["AuthorizationCode", "c1", now - MINUTE],
      ["AuthorizationCode", "c2", now - 2 * MINUTE],
      ["RefreshToken", "r1", now - 30 * MINUTE],
      ["Session", "s1", now],
      ["Interaction", "i1", now - 1],
    ] as const;
    const live = [
      ["AuthorizationCode", "c3", now + MINUTE],
      ["RefreshToken", "r2", now + 30 * 24 * 60 * MINUTE],
      ["Grant", "g1", null],
    ] as const;
    for (const [model, id, at] of [...expired, ...live]) await put(model, id, at);

    // Two per batch, at most two batches: four of the five expired rows go, and it says more wait.
    expect(await sweepExpiredOidcPayloads(hub, { batchSize: 2, maxBatches: 2 })).toEqual({ deleted: 4, more: true });
    expect(await sweepExpiredOidcPayloads(hub, { batchSize: 2 })).toEqual({ deleted: 1, more: false });
    expect(await remaining()).toEqual(["AuthorizationCode:c3", "Grant:g1", "RefreshToken:r2"]);
    expect(await sweepExpiredOidcPayloads(hub)).toEqual({ deleted: 0, more: false });

    // Time passes: the code expires, the refresh token and the grant do not.
    clock.t += 2 * MINUTE;
    expect(await sweepExpiredOidcPayloads(hub)).toEqual({ deleted: 1, more: false });
    expect(await remaining()).toEqual(["Grant:g1", "RefreshToken:r2"]);
  });

  it("grantline oauth sweep --json deletes the expired rows of the configured store", async () => {
    await put("AuthorizationCode", "old", Date.now() - MINUTE);
    await put("Session", "live", Date.now() + 60 * MINUTE);
    const { stdout } = await runGrantline(store.env, "oauth", "sweep", "--json");
    expect(JSON.parse(stdout)).toEqual({ deleted: 1 });
    expect(await remaining()).toEqual(["Session:live"]);
  });
});
