import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { tokenContext } from "../../src/hub/review/graphCampaign.ts";
import { adServicesOf, buildAsset, buildBusiness, buildCampaign, buildMember, buildShare, type TestBusiness, type TestPerson } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { pdfText } from "../support/pdfText.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { runGrantlineToExit } from "../support/cli.ts";
import { expectError } from "../support/expectError.ts";
import { GraphReviewClientSource } from "../../src/graph/client/graphReviewSource.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A review campaign over a business read through a Graph API (here a listening hub's own surface,
 * with the reviewed business's token): started by another business's admins, its items are the
 * grants the Graph shows; revoke and downgrade go through the Graph and are read back; the evidence
 * names the source and keeps the checks; the token is sealed and appears nowhere; and nobody outside
 * the holding business can read or decide it.
 */
describe.each(DIALECTS)("Graph-sourced review campaigns against a hub on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  const clock = new TestClock();
  let owner: TestBusiness;
  let agency: TestBusiness;
  let idle: TestPerson;
  let busy: TestPerson;
  let outsider: TestPerson;
  let account: { id: string; graphId: string };
  let ownerToken: string;
  let graphUrl: string;
  let desk: ReturnType<typeof graphClient>;
  let rival: ReturnType<typeof graphClient>;
  let holder: TestBusiness;
  let rivalBusiness: TestBusiness;

  const adminToken = async (business: TestBusiness, name: string) => {
    const user = await hub.businesses.createSystemUser(operatorContext(), business.id, { name, role: "ADMIN" });
    return (await hub.tokens.issueSystemUserToken(operatorContext(), user.id, {})).accessToken;
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock);
    server = await startServer(hub);
    graphUrl = `${server.url}/v24.0`;
    owner = await buildBusiness(hub, "Owner Co");
    agency = await buildBusiness(hub, "Blue Agency");
    account = await buildAsset(hub, owner, "ad_account", "Main");
    idle = await buildMember(hub, owner, "EMPLOYEE", "Idle Ivy");
    busy = await buildMember(hub, owner, "EMPLOYEE", "Busy Bo");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: idle.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: busy.id, tasks: ["MANAGE", "ADVERTISE", "ANALYZE"] });
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    outsider = await buildMember(hub, agency, "EMPLOYEE", "Agency Al");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: outsider.id, tasks: ["ADVERTISE"] });
    ownerToken = await adminToken(owner, "Owner Reviewer");
    holder = await buildBusiness(hub, "Audit Desk");
    desk = graphClient(server.url, await adminToken(holder, "Desk Admin"));
    rivalBusiness = await buildBusiness(hub, "Rival");
    rival = graphClient(server.url, await adminToken(rivalBusiness, "Rival Admin"));
    clock.advanceDays(100);
    await buildCampaign(adServicesOf(hub), busy.ctx, account.graphId);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const addTarget = async () => {
    const added = await desk("POST", `/${holder.id}/graph_review_targets`, { graph_url: graphUrl, graph_business_id: owner.id, graph_token: ownerToken });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    return added.body as { id: string; graph_business_name: string };
  };
  type Item = { id: string; kind: string; principal: { id: string }; asset: { name: string }; path: string; status: string; tasks: string[]; graph_check: unknown };
  const itemsOf = async (campaignId: string): Promise<Item[]> => {
    const listed = await desk("GET", `/${campaignId}/items`);
    expect(listed.status).toBe(200);
    return (listed.body.data as { items: Item[] }[]).flatMap((g) => g.items);
  };

  it("starts from the Graph, decides through it, and the evidence says so", async () => {
    const target = await addTarget();
    expect(target.graph_business_name).toBe("Owner Co");

    const findings = await desk("GET", `/${holder.id}/graph_review_findings?target_id=${target.id}`);
    expect(findings.status).toBe(200);
    expect(findings.body).toMatchObject({ business_id: owner.id, source: "graph" });
    expect((findings.body.data as { kind: string; principal: { id: string } | null }[]).some((f) => f.kind === "external" && f.principal?.id === outsider.id)).toBe(true);

    const started = await desk("POST", `/${holder.id}/access_review_campaigns`, { graph_target_id: target.id, name: "Owner through the Graph" });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toMatchObject({ source: "graph", graph_url: graphUrl, graph_business_id: owner.id, graph_business_name: "Owner Co", items: 3 });
    const campaignId = started.body.id as string;
    const listed = await desk("GET", `/${holder.id}/access_review_campaigns`);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: campaignId, source: "graph" })]);

    const items = await itemsOf(campaignId);
    const item = (kind: string, principal: string) => items.find((i) => i.kind === kind && i.principal.id === principal)!;
    // The same items as a native campaign of the reviewed business itself (which adds no app grants here).
    const shape = (list: { kind: string; principal: { id: string }; asset: { name: string }; path: string; tasks: string[] }[]) =>
      list.map((i) => [i.kind, i.principal.id, i.asset.name, i.path, [...i.tasks].sort()]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    const native = await hub.reviewCampaigns.start(owner.admin.ctx, owner.id, { name: "Native" });
    const nativeItems = (await hub.reviewCampaigns.listItems(owner.admin.ctx, native.id)).groups.flatMap((g) => g.items);
    expect(shape(items)).toEqual(shape(nativeItems));
    expect(item("owner_assignment", idle.id).tasks.sort()).toEqual(["ADVERTISE", "ANALYZE"]);
    expect(item("partner_share", agency.id).tasks.length).toBeGreaterThan(0);

    const decide = (itemId: string, decision: string, level?: string) =>
      desk("POST", `/${campaignId}/decisions`, { item_id: itemId, decision, reason: `${decision} in the quarterly review`, ...(level ? { level } : {}) });
    const certified = await decide(item("owner_assignment", idle.id).id, "certify");
    expect(certified.body).toMatchObject({ status: "certified", graph_check: null });
    const revoked = await decide(item("partner_share", agency.id).id, "revoke");
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ status: "revoked", result_tasks: [], graph_check: { action: "revoke_share", confirmed: true, removal_check: { verified: true, remaining: [] } } });
    const downgraded = await decide(item("owner_assignment", busy.id).id, "downgrade", "ANALYTICS_VIEW");
    expect(downgraded.body).toMatchObject({ status: "downgraded", result_tasks: ["ANALYZE"], graph_check: { action: "downgrade", confirmed: true } });

    // Read back through the Graph with the reviewed business's own token: the share is gone, Bo narrowed.
    const owned = graphClient(server.url, ownerToken);
    const agencies = await owned("GET", `/${account.graphId}/agencies?fields=id`);
    expect((agencies.body.data as { id: string }[]).map((a) => a.id)).not.toContain(agency.id);
    const assigned = await owned("GET", `/${account.graphId}/assigned_users?business=${owner.id}&fields=id,tasks`);
    expect((assigned.body.data as { id: string; tasks: string[] }[]).find((u) => u.id === busy.id)?.tasks).toEqual(["ANALYZE"]);
    expect(hub.engine.check({ principalId: outsider.id }, "view_asset", account.id)).toBe(false);

    const csv = await desk("GET", `/${campaignId}/evidence?format=csv`);
    expect(csv.status).toBe(200);
    const lines = String(csv.body).trimEnd().split("\r\n");
    expect(lines[0]).toContain(`source: graph ${graphUrl} business ${owner.id} (Owner Co)`);
    expect(lines[2]!.split(",")).toEqual(expect.arrayContaining(["decision", "graph_check"]));
    expect(lines).toHaveLength(3 + 3);
    const row = (id: string) => lines.find((l) => l.startsWith(id))!;
    expect(row(item("owner_assignment", idle.id).id)).toContain(",certified,");
    expect(row(item("partner_share", agency.id).id)).toMatch(/,revoked,.*confirmed by reading the Graph back; removal check passed$/);
    expect(row(item("owner_assignment", busy.id).id)).toContain(",downgraded,ANALYZE,");

    const pdf = pdfText(await hub.reviewCampaigns.exportPdf(holder.admin.ctx, campaignId, { compress: false }));
    expect(pdf).toContain(`Source: graph ${graphUrl} business ${owner.id} (Owner Co)`);
    expect(pdf).toMatch(/1 certified, 1 downgraded, 1 revoked/);
    expect(pdf).toContain("confirmed by reading the Graph back; removal check passed");

    // The token is sealed: not in any answer, export, audit entry or stored row in the clear.
    const everything = JSON.stringify([
      started.body,
      listed.body,
      findings.body,
      csv.body,
      pdf,
      await hub.store.db.selectFrom("audit_entries").selectAll().execute(),
      await hub.store.db.selectFrom("graph_review_targets").selectAll().execute(),
      await hub.store.db.selectFrom("review_campaigns").selectAll().execute(),
    ]);
    expect(everything).not.toContain(ownerToken);
    const row0 = await hub.store.db.selectFrom("graph_review_targets").selectAll().where("id", "=", target.id).executeTakeFirstOrThrow();
    expect(hub.secrets().open(row0.token_sealed, tokenContext(target.id))).toBe(ownerToken);
  });

  it("lets no other business's admin read, list, decide, export or start on it", async () => {
    const target = await addTarget();
    const started = await desk("POST", `/${holder.id}/access_review_campaigns`, { graph_target_id: target.id });
    const campaignId = started.body.id as string;
    const itemId = (await itemsOf(campaignId))[0]!.id;
    const before = await hub.store.db.selectFrom("review_items").select(["id", "status"]).where("campaign_id", "=", campaignId).orderBy("id").execute();

    for (const [method, path, body] of [
      ["GET", `/${campaignId}`],
      ["GET", `/${campaignId}/items`],
      ["POST", `/${campaignId}/decisions`, { item_id: itemId, decision: "revoke", reason: "hostile" }],
      ["POST", `/${campaignId}/close`],
      ["GET", `/${campaignId}/evidence?format=csv`],
      ["GET", `/${holder.id}/graph_review_targets`],
      ["GET", `/${holder.id}/graph_review_findings?target_id=${target.id}`],
      ["POST", `/${holder.id}/access_review_campaigns`, { graph_target_id: target.id }],
      // Through its own business, the target of another is not found.
      ["POST", `/${rivalBusiness.id}/access_review_campaigns`, { graph_target_id: target.id }],
      ["GET", `/${rivalBusiness.id}/graph_review_findings?target_id=${target.id}`],
    ] as const) {
      const answer = await rival(method, path, body);
      expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(answer.body)).not.toContain(ownerToken);
    }
    expect(await hub.store.db.selectFrom("review_items").select(["id", "status"]).where("campaign_id", "=", campaignId).orderBy("id").execute()).toEqual(before);
    expect((await rival("GET", `/${rivalBusiness.id}/graph_review_targets`)).body.data).toEqual([]);
    expect((await rival("GET", `/${rivalBusiness.id}/access_review_campaigns`)).body.data).toEqual([]);
  });

  it("starts one from the CLI with the token in a file, held by a business of this hub", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "grantline-token-")), "token");
    fs.writeFileSync(file, ownerToken, { mode: 0o600 });
    const args = ["review", "campaign", "start", "--graph-url", graphUrl, "--business", owner.id, "--token-file", file, "--name", "From the CLI"];
    const run = await runGrantlineToExit(store.env, [...args, "--held-by", holder.id, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const campaign = JSON.parse(run.stdout) as { id: string; business_id: string; source: string; graph: { url: string; business_id: string } };
    expect(campaign).toMatchObject({ business_id: holder.id, source: "graph", graph: { url: graphUrl, business_id: owner.id }, name: "From the CLI" });
    expect(run.stdout + run.stderr).not.toContain(ownerToken);
    expect((await desk("GET", `/${campaign.id}?fields=source,graph_business_id`)).body).toMatchObject({ source: "graph", graph_business_id: owner.id });

    // Without --held-by, --business must be a business of this hub.
    const elsewhere = await runGrantlineToExit(store.env, ["review", "campaign", "start", "--graph-url", graphUrl, "--business", "999999999", "--token-file", file]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/--held-by/);
  });

  it("holds a business once: entering it again replaces the sealed token", async () => {
    const first = await addTarget();
    const fresh = await adminToken(owner, "Owner Reviewer 2");
    const again = await desk("POST", `/${holder.id}/graph_review_targets`, { graph_url: `${graphUrl}/`, graph_business_id: owner.id, graph_token: fresh });
    expect(again.body.id).toBe(first.id);
    const row = await hub.store.db.selectFrom("graph_review_targets").selectAll().where("id", "=", first.id).executeTakeFirstOrThrow();
    expect(hub.secrets().open(row.token_sealed, tokenContext(first.id))).toBe(fresh);
    expect((await desk("GET", `/${holder.id}/graph_review_targets`)).body.data).toHaveLength(1);
  });

  it("refuses a token the Graph will not take, and keeps nothing", async () => {
    const count = async () => (await hub.store.db.selectFrom("graph_review_targets").select("id").execute()).length;
    const before = await count();
    const refused = await desk("POST", `/${holder.id}/graph_review_targets`, { graph_url: graphUrl, graph_business_id: owner.id, graph_token: "not-a-token" });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 1 });
    expect(refused.body.error.message).toMatch(/refused the business's token/);
    const badUrl = await desk("POST", `/${holder.id}/graph_review_targets`, { graph_url: "ftp://example.test", graph_business_id: owner.id, graph_token: ownerToken });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.message).toMatch(/graph_url/);
    expect(await count()).toBe(before);
  });

  it("calls the Graph URL through the outbound guard: an internal address is refused unless the operator allows it", async () => {
    const guarded = await store.open(clock, { outbound: {} });
    guarded.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: guarded.outbound }));
    const error = await expectError(guarded.reviewCampaigns.addGraphTarget(holder.admin.ctx, holder.id, { graphUrl, graphBusinessId: owner.id, token: ownerToken }), "GRAPH_REVIEW_FAILED");
    expect(error.message).toMatch(/could not be called/);
    expect(error.message).not.toContain(ownerToken);
  });

  it("stops holding a business: the token is erased at once, its campaigns stay readable, and the Graph needs the token again", async () => {
    const target = await addTarget();
    const started = await desk("POST", `/${holder.id}/access_review_campaigns`, { graph_target_id: target.id, name: "Before the token goes" });
    const campaignId = started.body.id as string;
    const open = (await itemsOf(campaignId)).find((i) => i.status === "open")!;
    const sealed = async () => (await hub.store.db.selectFrom("graph_review_targets").select("token_sealed").where("id", "=", target.id).executeTakeFirstOrThrow()).token_sealed;
    const before = await sealed();

    const hostile = await rival("DELETE", `/${holder.id}/graph_review_targets?target_id=${target.id}`);
    expect(hostile.status).toBeGreaterThanOrEqual(400);
    const sideways = await rival("DELETE", `/${rivalBusiness.id}/graph_review_targets?target_id=${target.id}`);
    expect(sideways.status).toBe(400);
    expect(sideways.body.error).toMatchObject({ code: 100 });
    expect(sideways.body.error.message).toMatch(/does not exist/);
    expect(await sealed()).toBe(before);

    const removed = await desk("DELETE", `/${holder.id}/graph_review_targets?target_id=${target.id}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toEqual({ success: true, outcome: "token_removed" });
    expect(await sealed()).toBe("");
    expect((await desk("GET", `/${holder.id}/graph_review_targets`)).body.data).toEqual([expect.objectContaining({ id: target.id, has_token: false })]);
    // The campaign and its evidence stay; what needs the Graph asks for the token again.
    expect((await desk("GET", `/${campaignId}`)).status).toBe(200);
    expect((await desk("GET", `/${campaignId}/evidence?format=csv`)).status).toBe(200);
    const findings = await desk("GET", `/${holder.id}/graph_review_findings?target_id=${target.id}`);
    expect(findings.status).toBe(400);
    expect(findings.body.error.message).toMatch(/The token of Owner Co was removed; enter the business's token again/);
    const revoke = await desk("POST", `/${campaignId}/decisions`, { item_id: open.id, decision: "revoke", reason: "no token" });
    expect(revoke.status).toBe(400);
    expect((await itemsOf(campaignId)).find((i) => i.id === open.id)!.status).toBe("open");
    const entry = await hub.store.db.selectFrom("audit_entries").select(["action", "after_json"]).where("action", "=", "review.graph_target_remove").executeTakeFirstOrThrow();
    expect(entry.after_json).not.toContain(ownerToken);

    // Entering the token again brings it back under the same id; a business no campaign names is removed whole.
    expect((await addTarget()).id).toBe(target.id);
    expect(await sealed()).not.toBe("");
    const agencyToken = await adminToken(agency, "Agency Reviewer");
    const other = await desk("POST", `/${holder.id}/graph_review_targets`, { graph_url: graphUrl, graph_business_id: agency.id, graph_token: agencyToken });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect((await desk("DELETE", `/${holder.id}/graph_review_targets?target_id=${other.body.id}`)).body).toEqual({ success: true, outcome: "removed" });
    expect(await hub.store.db.selectFrom("graph_review_targets").select("id").where("id", "=", other.body.id as string).executeTakeFirst()).toBeUndefined();
  });

  // Last: it removes what the other tests read.
  it("closes with the revoke policy by revoking each open item through the Graph", async () => {
    const target = await addTarget();
    const started = await desk("POST", `/${holder.id}/access_review_campaigns`, { graph_target_id: target.id, close_policy: "revoke" });
    const campaignId = started.body.id as string;
    const open = await itemsOf(campaignId);
    expect(open.map((i) => i.principal.id).sort()).toEqual([busy.id, idle.id].sort());
    const closed = await desk("POST", `/${campaignId}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ policy: "revoke", revoked: 2 });
    expect((await itemsOf(campaignId)).map((i) => [i.status, i.graph_check])).toEqual(open.map(() => ["revoked", expect.objectContaining({ action: "remove_assignment", confirmed: true })]));
    const assigned = await graphClient(server.url, ownerToken)("GET", `/${account.graphId}/assigned_users?business=${owner.id}&fields=id`);
    expect(assigned.body.data).toEqual([]);
  });
});
