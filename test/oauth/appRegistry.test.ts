import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { hashClientSecret } from "../../src/hub/apps/appRegistry.service.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { buildBusiness } from "../support/factories.ts";
import { runGrantline } from "../support/cli.ts";
import { expectError } from "../support/expectError.ts";

describe.each(DIALECTS)("app registry (%s)", (dialect) => {
  let store: TestStore;
  let hub: Hub;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
  });
  afterAll(() => store.cleanup());

  it("registers an app with the CLI, shows the secret once, stores it hashed, and verifies it", async () => {
    const developer = await buildBusiness(hub, "Tool Maker");
    const { stdout } = await runGrantline(store.env, "apps", "create", "--business", developer.id, "--name", "Reporter", "--redirect-uri", "https://tool.example/cb", "--redirect-uri", "http://127.0.0.1:9/cb", "--scope", "ads_read", "--json");
    const created = JSON.parse(stdout) as { client_id: string; client_secret: string };
    expect(Object.keys(created).sort()).toEqual(["client_id", "client_secret"]);
    const row = await hub.store.db.selectFrom("apps").selectAll().where("id", "=", created.client_id).executeTakeFirstOrThrow();
    expect(row.client_secret_hash).toBe(hashClientSecret(created.client_secret));
    expect(JSON.stringify(row)).not.toContain(created.client_secret);
    // Only the hash: nothing the hub holds can give the secret back.
    expect(row.client_secret_sealed).toBeNull();
    expect(await hub.appRegistry.openSecret(created.client_id)).toBeUndefined();
    expect(JSON.parse(row.redirect_uris)).toEqual(["https://tool.example/cb", "http://127.0.0.1:9/cb"]);
    expect(await hub.appRegistry.checkSecret(created.client_id, created.client_secret)).toBe(true);
    expect(await hub.appRegistry.checkSecret(created.client_id, `${created.client_secret}x`)).toBe(false);
    expect((await hub.appRegistry.get(created.client_id))!.verified).toBe(false);

    await runGrantline(store.env, "apps", "verify", created.client_id);
    expect((await hub.appRegistry.get(created.client_id))!.verified).toBe(true);
    const audit = await hub.store.db.selectFrom("audit_entries").selectAll().where("target_id", "=", created.client_id).orderBy("seq").execute();
    expect(audit.map((a) => a.action)).toEqual(["app.create", "app.review"]);
    expect(JSON.stringify(audit)).not.toContain(created.client_secret);
  });

  it("refuses loose redirect URIs and unknown scopes, writing nothing", async () => {
    const developer = await buildBusiness(hub);
    const before = await hub.store.db.selectFrom("apps").selectAll().execute();
    for (const uri of ["https://tool.example/*", "http://tool.example/cb", "https://tool.example/cb#x", "/cb", "https://user:pw@tool.example/cb"]) {
      await expectError(hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Bad", redirectUris: [uri] }), "INVALID_PARAMETER");
    }
    await expectError(hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Bad", redirectUris: ["https://a.example/cb"], scopes: ["user_friends"] }), "INVALID_PARAMETER");
    await expectError(hub.appRegistry.register(developer.admin.ctx, { businessId: "999", name: "Bad", redirectUris: ["https://a.example/cb"] }), "UNKNOWN_BUSINESS");
    expect(await hub.store.db.selectFrom("apps").selectAll().execute()).toHaveLength(before.length);
  });

  it("lets only admins of the developer business register, and only the operator review", async () => {
    const developer = await buildBusiness(hub);
    const outsider = await buildBusiness(hub);
    // An outsider is answered as for a business that does not exist.
    await expectError(hub.appRegistry.register(outsider.admin.ctx, { businessId: developer.id, name: "X", redirectUris: ["https://a.example/cb"] }), "NOT_FOUND");
    const { app } = await hub.appRegistry.register(developer.admin.ctx, { businessId: developer.id, name: "X", redirectUris: ["https://a.example/cb"] });
    await expectError(hub.appRegistry.setReviewStatus(developer.admin.ctx, app.id, "verified"), "PERMISSION_DENIED");
    expect(app.firstParty).toBe(false);
  });

  it("lets only the operator register the hub's own app, and writes nothing when a business admin tries", async () => {
    const developer = await buildBusiness(hub);
    const before = await hub.store.db.selectFrom("apps").select("id").execute();
    await expectError(hub.appRegistry.register(developer.admin.ctx, { businessId: developer.id, name: "Ours", redirectUris: ["https://a.example/cb"], firstParty: true }), "PERMISSION_DENIED");
    expect(await hub.store.db.selectFrom("apps").select("id").execute()).toHaveLength(before.length);
    const { app } = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Ours", redirectUris: ["https://a.example/cb"], firstParty: true });
    expect((await hub.appRegistry.get(app.id))!.firstParty).toBe(true);
  });
});
