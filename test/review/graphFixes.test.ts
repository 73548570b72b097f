import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { GraphClient } from "../../src/graph/client/graphClient.ts";
import { applyFixThroughGraph } from "../../src/graph/client/graphFixes.ts";
import { reviewThroughGraph } from "../../src/graph/client/graphReview.ts";
import type { Finding } from "../../src/hub/review/findings.ts";
import { adServicesOf, buildAsset, buildBusiness, buildCampaign, buildMember, buildShare, type TestBusiness, type TestPerson } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";

describe.each(DIALECTS)("fixes applied through the Graph API to a hub on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  const clock = new TestClock();
  let owner: TestBusiness;
  let agency: TestBusiness;
  let client: GraphClient;
  let idle: TestPerson;
  let busy: TestPerson;
  let outsider: TestPerson;
  let account: { id: string; graphId: string };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock);
    server = await startServer(hub);
    owner = await buildBusiness(hub, "Owner");
    agency = await buildBusiness(hub, "Agency");
    account = await buildAsset(hub, owner, "ad_account", "Main");
    idle = await buildMember(hub, owner, "EMPLOYEE", "Idle Ivy");
    busy = await buildMember(hub, owner, "EMPLOYEE", "Busy Bo");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: idle.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: busy.id, tasks: ["MANAGE", "ADVERTISE", "ANALYZE"] });
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    outsider = await buildMember(hub, agency, "EMPLOYEE", "Agency Al");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: outsider.id, tasks: ["ADVERTISE"] });
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), owner.id, { name: "Reviewer", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    clock.advanceDays(100);
    // Bo only creates campaigns: his MANAGE is more than he uses.
    await buildCampaign(adServicesOf(hub), busy.ctx, account.graphId);
    client = new GraphClient({ baseUrl: server.url, token });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const review = () => reviewThroughGraph(client, { businessId: owner.id, windowDays: 90, now: clock.now() });
  const find = (findings: Finding[], kind: string, principalId: string) => findings.find((f) => f.kind === kind && f.principal?.id === principalId);
  const audited = async (action: string, targetId: string) =>
    (await hub.store.db.selectFrom("audit_entries").select(["action", "target_id", "outcome"]).where("action", "=", action).where("outcome", "=", "success").execute()).filter((e) => e.target_id === targetId || e.target_id?.endsWith(targetId));

  it("narrows an assignment, removes one, ends a share and removes a person, each confirmed by re-reading and checked from the Graph", async () => {
    const before = await review();
    const downgrade = find(before.findings, "over_privileged", busy.id)!;
    expect(downgrade.fix).toMatchObject({ action: "downgrade", params: { asset_id: account.graphId, tasks: ["ADVERTISE", "DRAFT"] } });
    const narrowed = await applyFixThroughGraph(client, owner.id, downgrade.fix);
    expect(narrowed).toMatchObject({ action: "downgrade", confirmed: true, removal_check: { verified: true, remaining: [] } });
    expect(hub.engine.tasksOf(busy.id, account.id).sort()).toEqual(["ADVERTISE", "DRAFT"]);

    const removeAssignment = find(before.findings, "unused", idle.id)!;
    expect(removeAssignment.fix.action).toBe("remove_assignment");
    expect(await applyFixThroughGraph(client, owner.id, removeAssignment.fix)).toMatchObject({ confirmed: true, removal_check: { verified: true } });
    expect(hub.engine.check({ principalId: idle.id }, "view_asset", account.id)).toBe(false);

    const external = find(before.findings, "external", outsider.id)!;
    const ended = await applyFixThroughGraph(client, owner.id, external.fix);
    expect(ended).toMatchObject({ action: "revoke_share", confirmed: true, removal_check: { verified: true, remaining: [] } });
    expect(hub.engine.check({ principalId: outsider.id }, "view_asset", account.id)).toBe(false);

    const stale = find(before.findings, "stale_principal", idle.id)!;
    expect(stale.fix.action).toBe("remove_member");
    expect(await applyFixThroughGraph(client, owner.id, stale.fix)).toMatchObject({ action: "remove_member", confirmed: true, removal_check: { verified: true } });
    expect(hub.engine.roleIn(idle.id, owner.id)).toBeUndefined();

    // Each change is in the hub's audit log, made by the reviewing token's system user.
    expect(await audited("assignment.remove", account.id)).not.toHaveLength(0);
    expect(await audited("share.remove", account.id)).not.toHaveLength(0);
    expect(await audited("member.remove", idle.id)).toHaveLength(1);

    // And the next review no longer reports any of it.
    const after = await review();
    expect(find(after.findings, "over_privileged", busy.id)).toBeUndefined();
    expect(find(after.findings, "unused", idle.id)).toBeUndefined();
    expect(find(after.findings, "external", outsider.id)).toBeUndefined();
    expect(find(after.findings, "stale_principal", idle.id)).toBeUndefined();
  });

  it("refuses fixes the Graph cannot make, and reports a removal the Graph still shows", async () => {
    await expect(applyFixThroughGraph(client, owner.id, { action: "require_2fa", description: "Ask them.", params: { person_id: idle.id } })).rejects.toThrow("cannot be applied through the Graph API");
    // Removing an assignment that the owner's admin does not hold: Grantline refuses, and nothing changes.
    const refused = await applyFixThroughGraph(client, owner.id, { action: "remove_assignment", description: "", params: { asset_id: account.graphId, principal_id: owner.admin.id } }).catch((e: unknown) => e);
    expect(String(refused)).toMatch(/#\d+/);
  });

  it("lets no one outside the person's businesses remove them, or learn that they exist", async () => {
    const stranger = await buildBusiness(hub, "Stranger");
    const bot = await hub.businesses.createSystemUser(operatorContext(), stranger.id, { name: "Stranger Bot", role: "ADMIN" });
    const strangerClient = new GraphClient({ baseUrl: server.url, token: (await hub.tokens.issueSystemUserToken(operatorContext(), bot.id, {})).accessToken });
    const refused = (await strangerClient.request("DELETE", busy.id).catch((e: unknown) => e)) as { code: number; graphMessage: string };
    const unknown = (await strangerClient.request("DELETE", "999999999999999").catch((e: unknown) => e)) as { code: number; graphMessage: string };
    expect([refused.code, refused.graphMessage.replace(busy.id, "ID")]).toEqual([unknown.code, unknown.graphMessage.replace("999999999999999", "ID")]);
    expect(hub.engine.roleIn(busy.id, owner.id)).toBe("EMPLOYEE");
  });
});
