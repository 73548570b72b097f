import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { GraphClient } from "../../src/graph/client/graphClient.ts";
import { reviewThroughGraph, type GraphReviewReport } from "../../src/graph/client/graphReview.ts";
import type { AccessReviewReport } from "../../src/hub/review/findings.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { adServicesOf, buildAsset, buildBusiness, buildCampaign, buildMember, buildShare, type TestBusiness, type TestPerson } from "../support/factories.ts";
import { makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";

/** Each difference docs/review-graph.md lists, happening on a hub, next to the native finding. */
describe("where the Graph-sourced review differs from the native one, as documented", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  const clock = new TestClock();
  let owner: TestBusiness;
  let reader: TestPerson;
  let newcomer: TestPerson;
  let pagePartnerPerson: TestPerson;
  let sharedTwice: { id: string; graphId: string };
  let page: { id: string; graphId: string };
  let clientAccount: { id: string; graphId: string };
  let launcher: TestPerson;
  let native: AccessReviewReport;
  let graph: GraphReviewReport;

  beforeAll(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open(clock);
    server = await startServer(hub);
    owner = await buildBusiness(hub, "Owner");
    const [a, b] = [await buildBusiness(hub, "Agency A"), await buildBusiness(hub, "Agency B")];
    const account = await buildAsset(hub, owner, "ad_account", "Read Only");
    sharedTwice = await buildAsset(hub, owner, "ad_account", "Shared Twice");
    page = await buildAsset(hub, owner, "page", "Brand Page");
    reader = await buildMember(hub, owner, "EMPLOYEE", "Rita Reader");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: reader.id, tasks: ["ANALYZE"] });
    await buildShare(hub, owner, a, sharedTwice.id, "STANDARD");
    await buildShare(hub, owner, b, sharedTwice.id, "STANDARD");
    for (const agency of [a, b]) {
      const person = await buildMember(hub, agency, "EMPLOYEE");
      await hub.assignments.assign(agency.admin.ctx, { assetId: sharedTwice.id, principalId: person.id, tasks: ["ADVERTISE"] });
    }
    await buildShare(hub, owner, a, page.id, "STANDARD", "page");
    pagePartnerPerson = await buildMember(hub, a, "EMPLOYEE", "Page Pat");
    await hub.assignments.assign(a.admin.ctx, { assetId: page.id, principalId: pagePartnerPerson.id, tasks: ["CREATE_CONTENT"] });
    // A client's account shared at Launch only: the owner's Cleo may advertise on it, nobody of the owner may view it.
    const client = await buildBusiness(hub, "Client");
    clientAccount = await buildAsset(hub, client, "ad_account", "Client Launch");
    await buildShare(hub, client, owner, clientAccount.id, "LAUNCH_ONLY");
    launcher = await buildMember(hub, owner, "EMPLOYEE", "Cleo Launcher");
    await hub.assignments.assign(owner.admin.ctx, { assetId: clientAccount.id, principalId: launcher.id, tasks: presetTasks("ad_account", "LAUNCH_ONLY") });
    await hub.businesses.updateBusiness(owner.admin.ctx, owner.id, { twoFactorRequired: true });
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), owner.id, { name: "Reviewer", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    clock.advanceDays(100);
    // Rita only reads the account's reports: audited use for the hub, nothing in the activity log.
    await hub.audit.record(reader.ctx, { action: "graph.get", businessId: owner.id, targetType: "insights", targetId: account.id, outcome: "success" });
    await buildCampaign(adServicesOf(hub), launcher.ctx, clientAccount.graphId);
    // A grant given today: too new for the native review to judge.
    newcomer = await buildMember(hub, owner, "EMPLOYEE", "Nina New");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: newcomer.id, tasks: ["ANALYZE"] });
    native = await hub.review.findings(operatorContext(), owner.id);
    graph = await reviewThroughGraph(new GraphClient({ baseUrl: server.url, token }), { businessId: owner.id, windowDays: 90, now: clock.now() });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const has = (report: AccessReviewReport, kind: string, principalId: string) => report.findings.some((f) => f.kind === kind && f.principal?.id === principalId);

  it("1. judges a grant and a member added inside the window, whose times the Graph does not give", () => {
    expect(has(native, "unused", newcomer.id)).toBe(false);
    expect(has(graph, "unused", newcomer.id)).toBe(true);
    expect(has(native, "stale_principal", newcomer.id)).toBe(false);
    expect(has(graph, "stale_principal", newcomer.id)).toBe(true);
    expect(graph.findings.find((f) => f.kind === "unused" && f.principal?.id === newcomer.id)!.evidence.undetermined).toContain(
      "when a person was assigned (AssignedUser has no time), so a grant given inside the window is judged too",
    );
  });

  it("2. sees no reads: a grant used only to read is unused, its reader stale", () => {
    expect(has(native, "unused", reader.id)).toBe(false);
    expect(has(native, "stale_principal", reader.id)).toBe(false);
    expect(has(graph, "unused", reader.id)).toBe(true);
    expect(has(graph, "stale_principal", reader.id)).toBe(true);
  });

  it("3. sees partners' people on ad accounts only, and says when several partners make them ambiguous", () => {
    expect(has(native, "external", pagePartnerPerson.id)).toBe(true);
    expect(has(graph, "external", pagePartnerPerson.id)).toBe(false);
    const nativeOutsiders = native.findings.filter((f) => f.kind === "external" && f.asset?.id === sharedTwice.id);
    expect(nativeOutsiders).toHaveLength(2);
    expect(graph.findings.filter((f) => f.kind === "external" && f.asset?.id === sharedTwice.graphId)).toHaveLength(0);
    expect(graph.not_reviewed).toContainEqual({
      what: "which partner lets each of 2 outside people into Shared Twice",
      why: "the asset is shared with several partners and /users does not say through which",
    });
  });

  it("6. reads Meta's admin_required as admins only, which the hub answers for its rule that covers everyone", () => {
    const nativeMissing = native.findings.filter((f) => f.kind === "missing_2fa").map((f) => f.principal!.id);
    const graphMissing = graph.findings.filter((f) => f.kind === "missing_2fa").map((f) => f.principal!.id);
    expect(nativeMissing).toEqual(expect.arrayContaining([owner.admin.id, reader.id]));
    expect(graphMissing).toEqual([owner.admin.id]);
  });

  it("11. judges the owner's people on a client's account without their use when the token cannot read its activity log, and says so", () => {
    // Natively Cleo's campaign is use at her level; through the Graph the log is refused, so her grant looks unused.
    expect(native.findings.some((f) => f.principal?.id === launcher.id && (f.kind === "unused" || f.kind === "over_privileged"))).toBe(false);
    expect(graph.findings).toContainEqual(
      expect.objectContaining({ kind: "unused", principal: expect.objectContaining({ id: launcher.id }), asset: expect.objectContaining({ id: clientAccount.graphId }) }),
    );
    const gap = graph.not_reviewed.find((n) => n.what === `activity log of Client Launch (${clientAccount.graphId}/activities)`);
    expect(gap?.why).toMatch(/^\(#\d+\) /);
  });
});
