import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

describe.each(DIALECTS)("business management edges over HTTP on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let acme: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let northwind: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let asAcme: ReturnType<typeof graphClient>;
  let asNorthwind: ReturnType<typeof graphClient>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    acme = await bootstrapBusiness(hub, "Acme");
    northwind = await bootstrapBusiness(hub, "Northwind");
    asAcme = graphClient(server.url, acme.access_token);
    asNorthwind = graphClient(server.url, northwind.access_token);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("answers /me and a business's own fields, and only id, name and verification to outsiders", async () => {
    expect((await asAcme("GET", "/me?fields=name,role,business")).body).toEqual({
      id: acme.system_user_id,
      name: "Acme Admin",
      role: "ADMIN",
      business: { id: acme.business_id, name: "Acme" },
    });
    expect((await asAcme("GET", `/${acme.business_id}?fields=name,two_factor_type,verification_status`)).body).toEqual({
      id: acme.business_id,
      name: "Acme",
      two_factor_type: "none",
      verification_status: "not_verified",
    });
    expect((await asNorthwind("GET", `/${acme.business_id}?fields=name,two_factor_type,created_time`)).body).toEqual({ id: acme.business_id, name: "Acme" });
    expect((await asAcme("POST", `/${acme.business_id}`, { two_factor_type: "admin_required" })).body).toEqual({ success: true });
    expect((await asAcme("GET", `/${acme.business_id}?fields=two_factor_type`)).body.two_factor_type).toBe("admin_required");
    expect((await asNorthwind("POST", `/${acme.business_id}`, { name: "Hijacked" })).status).toBe(400);
  });

  it("adds people by id or email, invites unknown emails into pending_users, and removes them", async () => {
    const bo = await hub.businesses.createPerson(operatorContext(), { name: "Bo", email: "bo@acme.test" });
    expect((await asAcme("POST", `/${acme.business_id}/business_users`, { email: "bo@acme.test", role: "EMPLOYEE" })).body).toEqual({ id: bo.id });
    const invited = await asAcme("POST", `/${acme.business_id}/business_users`, { email: "new@acme.test", role: "FINANCE_ANALYST" });
    expect(invited.body).toMatchObject({ status: "PENDING" });
    const pending = await asAcme("GET", `/${acme.business_id}/pending_users?fields=email,role`);
    expect(pending.body.data).toEqual([{ id: invited.body.id, email: "new@acme.test", role: "FINANCE_ANALYST" }]);
    const users = await asAcme("GET", `/${acme.business_id}/business_users?fields=name,role`);
    expect(users.body.data).toEqual([{ id: bo.id, name: "Bo", role: "EMPLOYEE" }]);
    expect((await asNorthwind("GET", `/${acme.business_id}/business_users`)).status).toBe(400);
    expect((await asAcme("DELETE", `/${acme.business_id}/pending_users?invitation=${invited.body.id}`)).body).toEqual({ success: true });
    expect((await asAcme("GET", `/${acme.business_id}/pending_users`)).body.data).toEqual([]);
    expect((await asAcme("DELETE", `/${acme.business_id}/business_users?user=${bo.id}`)).body).toEqual({ success: true });
    expect((await asAcme("GET", `/${acme.business_id}/business_users`)).body.data).toEqual([]);
  });

  it("creates system users and tokens; a 60-day token says when it expires", async () => {
    const created = await asAcme("POST", `/${acme.business_id}/system_users`, { name: "Reporting", role: "EMPLOYEE" });
    const listed = await asAcme("GET", `/${acme.business_id}/system_users?fields=name,role`);
    expect(listed.body.data).toEqual(expect.arrayContaining([{ id: created.body.id, name: "Reporting", role: "EMPLOYEE" }]));
    const token = await asAcme("POST", `/${created.body.id}/access_tokens`, { scope: "ads_read,business_management", set_token_expires_in_60_days: true });
    expect(token.body.access_token).toMatch(/^GL/);
    expect(token.body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const asReporting = graphClient(server.url, token.body.access_token);
    expect((await asReporting("GET", "/me?fields=name")).body).toEqual({ id: created.body.id, name: "Reporting" });
    const badScope = await asAcme("POST", `/${created.body.id}/access_tokens`, { scope: "everything" });
    expect(badScope.body.error).toMatchObject({ code: 100 });
  });

  it("lists partners and clients, and removing a partner from either side ends every share", async () => {
    const page = (await asAcme("POST", `/${acme.business_id}/owned_pages`, { name: "Acme Page" })).body.id as string;
    const account = (await asAcme("POST", `/${acme.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 12 })).body.id as string;
    await asAcme("POST", `/${page}/agencies`, { business: northwind.business_id, permitted_tasks: ["ANALYZE"] });
    expect((await asNorthwind("GET", `/${northwind.business_id}/pending_client_pages?fields=page,permitted_tasks`)).body.data).toEqual([
      expect.objectContaining({ page: { id: page, name: "Acme Page" }, permitted_tasks: ["ANALYZE"] }),
    ]);
    await asNorthwind("POST", `/${northwind.business_id}/client_pages`, { page_id: page });
    await asAcme("POST", `/${account}/agencies`, { business: northwind.business_id, permitted_tasks: ["ANALYZE", "AA_ANALYZE"] });
    await asNorthwind("POST", `/${northwind.business_id}/client_ad_accounts`, { adaccount_id: account });

    expect((await asAcme("GET", `/${acme.business_id}/agencies?fields=name,shared_asset_count`)).body.data).toEqual([
      { id: northwind.business_id, name: "Northwind", shared_asset_count: 2 },
    ]);
    expect((await asNorthwind("GET", `/${northwind.business_id}/clients?fields=name`)).body.data).toEqual([{ id: acme.business_id, name: "Acme" }]);
    expect((await asNorthwind("GET", `/${northwind.business_id}/client_pages?fields=name,permitted_tasks`)).body.data).toEqual([
      { id: page, name: "Acme Page", permitted_tasks: ["ANALYZE"] },
    ]);

    const removed = await asNorthwind("DELETE", `/${northwind.business_id}/clients?business=${acme.business_id}`);
    expect(removed.body).toEqual({ success: true, removed: { shares: 2, assignments: 0, appGrants: 0 } });
    expect((await asAcme("GET", `/${acme.business_id}/agencies`)).body.data).toEqual([]);
    expect((await asNorthwind("GET", `/${northwind.business_id}/client_ad_accounts`)).body.data).toEqual([]);
  });
});
