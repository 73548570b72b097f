import crypto from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { registerAutopilotHostRoutes } from "../../src/app/autopilotHostRoutes.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";
import { AUTOPILOT_SCOPES } from "../../src/autopilot/app/connect.service.ts";
import { registerAutopilotApp } from "../../src/autopilot/app/registration.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { bootstrapBusiness, type BootstrapResult } from "../../src/hub/hub.ts";
import { buildServer } from "../../src/http/server.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { adServicesOf, buildAdTree, buildBusiness, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

type Answer = { status: number; body: Record<string, unknown> & { error?: { code: number; message: string; error_subcode?: number } } };
type AdTree = Awaited<ReturnType<typeof buildAdTree>>;

/**
 * The hub's /autopilot_host/ routes act only for the businesses and ad accounts that connected the
 * hub's own Autopilot app: a token of that app (held by anyone of the app's business) cannot write
 * in another business's audit log, alert it, learn its name, or run its ad accounts on the
 * simulated market. To the app, a business or account it was never given reads as one that does
 * not exist, and nothing is written.
 */
describe.each(DIALECTS)("Autopilot host routes act only where the app was connected (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: FastifyInstance;
  let hostToken: string;
  /** Connected the app: a grant over its business and its ad account. */
  let connected: TestBusiness;
  let connectedTree: AdTree;
  /** Connected the app once, then removed it. */
  let disconnected: TestBusiness;
  /** Never connected the app. */
  let unrelated: TestBusiness;
  let unrelatedTree: AdTree;
  /** A caller with no relation to `unrelated`. */
  let stranger: BootstrapResult;

  const post = async (path: string, body: unknown, token = hostToken): Promise<Answer> => {
    const response = await server.inject({ method: "POST", url: `/autopilot_host/${path}`, headers: { authorization: `Bearer ${token}` }, payload: body as Record<string, unknown> });
    return { status: response.statusCode, body: response.json() };
  };
  const expectConcealed = (answer: Answer, id: string) => {
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(answer.body.error?.message).toContain(`Object with ID '${id}'`);
  };
  const alertsOf = (businessId: string) => hub.notifications.listAlerts(operatorContext(), businessId);
  const alert = (businessId: string) => ({
    businessId,
    kind: "lost_permission",
    severity: "critical",
    title: "Autopilot lost access",
    body: "Reconnect it to resume.",
    dedupKey: `lost_permission:${crypto.randomUUID()}`,
  });

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await buildServer(hub, { logLevel: "silent" });
    registerAutopilotHostRoutes(server, hub, hostFromHub(hub, { simulation: { disapprovalDailyHazard: 0 } }));
    await server.ready();

    // The hub's own Autopilot app, and the token `grantline autopilot host-token` issues for it.
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32) });
    const registration = await registerAutopilotApp(hub, autopilot, { hubUrl: "http://127.0.0.1:1" });
    const admin = (await hub.businesses.listSystemUsers(registration.business_id)).find((u) => u.role === "ADMIN")!;
    hostToken = (await hub.tokens.issueSystemUserToken(operatorContext(), admin.id, { appId: registration.client_id })).accessToken;

    const ads = adServicesOf(hub);
    connected = await buildBusiness(hub, "Connected Outdoor");
    connectedTree = await buildAdTree(hub, ads, connected);
    await hub.apps.grant(connected.admin.ctx, { appId: registration.client_id, scopes: [...AUTOPILOT_SCOPES], assetIds: [connectedTree.account.id], businessIds: [connected.id] });
    disconnected = await buildBusiness(hub, "Former Client");
    const { account: formerAccount } = await buildAdTree(hub, ads, disconnected);
    const grant = await hub.apps.grant(disconnected.admin.ctx, { appId: registration.client_id, scopes: [...AUTOPILOT_SCOPES], assetIds: [formerAccount.id] });
    await hub.apps.revoke(disconnected.admin.ctx, grant.id);
    unrelated = await buildBusiness(hub, "Unrelated Rival");
    unrelatedTree = await buildAdTree(hub, ads, unrelated);
    stranger = await bootstrapBusiness(hub, "Stranger Co");
    // A market with a few days behind it, so checkpoints have something to keep.
    await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).backfill(3);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
  });

  it("writes a system audit entry for a business that connected the app, and none for one that did not", async () => {
    const entry = (businessId: string) => ({ request_id: "callback-1", action: "autopilot.connect", business_id: businessId, target_id: "w1", after: { connected: ["1"] } });

    expect(await post("audit", entry(connected.id))).toEqual({ status: 200, body: { recorded: true } });
    expect(await hub.audit.list({ businessId: connected.id, action: "autopilot.connect" })).toHaveLength(1);

    const before = await hub.audit.list({ businessId: unrelated.id });
    expectConcealed(await post("audit", entry(unrelated.id)), unrelated.id);
    expect(await hub.audit.list({ businessId: unrelated.id })).toEqual(before);
  });

  it("alerts a business that connected the app, or did before (its connection-lost alert), and no other", async () => {
    await post("alerts", alert(connected.id)).then((answer) => expect(answer.status).toBe(200));
    expect(await alertsOf(connected.id)).toHaveLength(1);
    // Autopilot tells a business whose grant just ended that it lost access.
    await post("alerts", alert(disconnected.id)).then((answer) => expect(answer.status).toBe(200));
    expect(await alertsOf(disconnected.id)).toHaveLength(1);

    expectConcealed(await post("alerts", alert(unrelated.id)), unrelated.id);
    expect(await alertsOf(unrelated.id)).toEqual([]);
    // A business that does not exist reads the same.
    expectConcealed(await post("alerts", alert("987654321")), "987654321");
  });

  it("forecasts and keeps checkpoints of a connected ad account only", async () => {
    const forecast = (accountId: string) => ({ accountId, edits: [], days: 2, runs: 1 });
    expect((await post("forecasts", forecast(connectedTree.account.graphId))).status).toBe(200);
    expectConcealed(await post("forecasts", forecast(unrelatedTree.account.graphId)), unrelatedTree.account.graphId);

    const kept = await post("market/checkpoints", { account_ids: [connectedTree.account.graphId] });
    expect(kept.status).toBe(200);
    expect(typeof kept.body.checkpoint).toBe("string");
    expectConcealed(await post("market/checkpoints", { account_ids: [connectedTree.account.graphId, unrelatedTree.account.graphId] }), unrelatedTree.account.graphId);
  });

  it("replays a checkpoint it kept, and refuses a forged one that names an account the app was not given", async () => {
    const checkpoint = String((await post("market/checkpoints", { account_ids: [connectedTree.account.graphId] })).body.checkpoint);
    const replayed = await post("market/replays", { checkpoint });
    expect(replayed.status).toBe(200);
    expect(Array.isArray(replayed.body.data)).toBe(true);

    const kept = JSON.parse(checkpoint) as { objects: { accounts: { id: string }[]; campaigns: { id: string; account_id: string }[]; adSets: { id: string }[] } };
    // The unrelated account named outright.
    const named = structuredClone(kept);
    named.objects.accounts = named.objects.accounts.map((a) => ({ ...a, id: unrelatedTree.account.id }));
    named.objects.campaigns = named.objects.campaigns.map((c) => ({ ...c, account_id: unrelatedTree.account.id }));
    expectConcealed(await post("market/replays", { checkpoint: JSON.stringify(named) }), `act_${unrelatedTree.account.id}`);
    // Its ad set (whose hidden truths the market draws from its id) slipped under the connected account.
    const slipped = structuredClone(kept);
    slipped.objects.adSets = slipped.objects.adSets.map((s) => ({ ...s, id: unrelatedTree.adSet.id }));
    expectConcealed(await post("market/replays", { checkpoint: JSON.stringify(slipped) }), `act_${unrelatedTree.account.id}`);
  });

  it("names a business only to a caller who may see it", async () => {
    const nameOf = async (businessId: string, caller: string) => (await post("callers/business_name", { caller_token: caller, business_id: businessId })).body;
    expect(await nameOf(stranger.business_id, stranger.access_token)).toEqual({ name: "Stranger Co" });
    expect(await nameOf(unrelated.id, stranger.access_token)).toEqual({ name: null });
    expect(await hostFromHub(hub).businessName({ ctx: principalContext("system_user", stranger.system_user_id), who: `system_user:${stranger.system_user_id}`, accessToken: stranger.access_token }, unrelated.id)).toBeUndefined();
  });
});
