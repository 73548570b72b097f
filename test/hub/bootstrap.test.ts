import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GrantlineError } from "../../src/errors.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, snapshotState, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("bootstrap on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("creates business, admin system user and token together, visible to the engine at once", async () => {
    const result = await bootstrapBusiness(hub, "Acme");
    expect(hub.engine.roleIn(result.system_user_id, result.business_id)).toBe("ADMIN");
    const token = await hub.tokens.resolve(result.access_token);
    expect(token.principalId).toBe(result.system_user_id);
  });

  it("writes nothing when a later step fails", async () => {
    const before = await snapshotState(hub);
    // 195 characters is a valid business name, but "<name> Admin" is too long for the system user.
    const error = await bootstrapBusiness(hub, "x".repeat(195)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrantlineError);
    expect(await snapshotState(hub)).toEqual(before);
    expect((await hub.audit.verify()).ok).toBe(true);
  });
});
