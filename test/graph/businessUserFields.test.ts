import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { totpCodeAt } from "../../src/auth/totp.ts";
import { buildBusiness, buildMember } from "../support/factories.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

describe("business_users fields an access review reads (tasks, two_fac_status)", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  beforeAll(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    server = await startServer(hub);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("gives each person's role as their business tasks and whether they turned on 2FA, only when asked for", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const eve = await buildMember(hub, owner, "FINANCE_EDITOR", "Eve");
    const email = (await hub.store.db.selectFrom("people").select("email").where("id", "=", eve.id).executeTakeFirstOrThrow()).email;
    await hub.auth.setPassword(operatorContext(), email, "eve's long password");
    const signedIn = await hub.auth.login(operatorContext(), { email, password: "eve's long password", ip: "127.0.0.1" });
    const { secret } = await hub.auth.enrollTotp(operatorContext(), (await hub.auth.session(signedIn.sessionValue))!);
    await hub.auth.confirmTotp(operatorContext(), signedIn.sessionValue, totpCodeAt(secret, hub.now()));
    const bot = await hub.businesses.createSystemUser(operatorContext(), owner.id, { name: "Bot", role: "ADMIN" });
    const graph = graphClient(server.url, (await hub.tokens.issueSystemUserToken(operatorContext(), bot.id, {})).accessToken);

    const listed = await graph("GET", `/v24.0/${owner.id}/business_users?fields=id,role,tasks,two_fac_status`);
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.data.map((u: any) => [u.id, u]));
    expect(byId.get(eve.id)).toEqual({ id: eve.id, role: "FINANCE_EDITOR", tasks: ["FINANCE_EDITOR"], two_fac_status: "enabled" });
    expect(byId.get(owner.admin.id)).toEqual({ id: owner.admin.id, role: "ADMIN", tasks: ["ADMIN"], two_fac_status: "disabled" });
    const plain = await graph("GET", `/${owner.id}/business_users`);
    expect(plain.body.data.every((u: any) => !("two_fac_status" in u) && !("tasks" in u))).toBe(true);

    // Outsiders learn nothing of them.
    const stranger = await buildBusiness(hub, "Stranger");
    const strangerBot = await hub.businesses.createSystemUser(operatorContext(), stranger.id, { name: "Other", role: "ADMIN" });
    const outside = graphClient(server.url, (await hub.tokens.issueSystemUserToken(operatorContext(), strangerBot.id, {})).accessToken);
    const refused = await outside("GET", `/${owner.id}/business_users?fields=id,two_fac_status`);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(refused.body)).not.toContain(eve.id);
  });
});
