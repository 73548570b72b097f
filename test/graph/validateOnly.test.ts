import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

const VALIDATE_ONLY = { execution_options: ["validate_only"] };

/** Meta's `execution_options=["validate_only"]` on ad-object writes: checked like the real call, then nothing kept. */
describe.each(DIALECTS)("validate_only writes on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let accountId: string;
  let campaign: string;
  let adSet: string;
  let creative: string;
  let ad: string;
  let pageId: string;

  const post = async (path: string, body: Record<string, unknown>) => {
    const response = await graph("POST", path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.id as string;
  };
  const auditCount = async () => (await hub.store.db.selectFrom("audit_entries").select("seq").execute()).length;

  /** Runs `write` and expects `{"success": true}` and no change at all, audit log included. */
  const expectNothingStored = async (write: () => ReturnType<typeof graph>) => {
    const before = await snapshotState(hub);
    const auditBefore = await auditCount();
    const response = await write();
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ success: true });
    expect(await snapshotState(hub)).toEqual(before);
    expect(await auditCount()).toBe(auditBefore);
  };

  /** The validate-only call fails exactly as the real call does, and both are audited as refused. */
  const expectSameError = async (path: string, body: Record<string, unknown>) => {
    const real = await graph("POST", path, body);
    expect(real.status).toBeGreaterThanOrEqual(400);
    const auditBefore = await auditCount();
    const before = await snapshotState(hub);
    const checked = await graph("POST", path, { ...body, ...VALIDATE_ONLY });
    expect(checked.status).toBe(real.status);
    expect({ ...checked.body.error, fbtrace_id: undefined }).toEqual({ ...real.body.error, fbtrace_id: undefined });
    expect(await snapshotState(hub)).toEqual(before);
    expect(await auditCount()).toBe(auditBefore + 1);
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    const owner = await bootstrapBusiness(hub, "Acme");
    graph = graphClient(server.url, owner.access_token);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    pageId = (await hub.assets.createAsset(operatorContext(), owner.business_id, { type: "page", name: "Acme Shoes" })).graphId;
    campaign = await post(`/${accountId}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    adSet = await post(`/${accountId}/adsets`, { campaign_id: campaign, name: "Daily", daily_budget: "5000", status: "ACTIVE" });
    creative = await post(`/${accountId}/adcreatives`, creativeBody());
    ad = await post(`/${accountId}/ads`, { adset_id: adSet, name: "Ad", creative: { creative_id: creative }, status: "ACTIVE" });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const creativeBody = () => ({
    name: "Look",
    title: "Shoes",
    body: "Light.",
    image_url: "https://cdn.example.test/shoe.jpg",
    call_to_action_type: "SHOP_NOW",
    object_story_spec: { page_id: pageId, link_data: { link: "https://shop.example.test/", message: "Light." } },
  });

  it("a valid create of each ad object answers success and stores nothing", async () => {
    await expectNothingStored(() => graph("POST", `/${accountId}/campaigns`, { name: "Dry", objective: "OUTCOME_SALES", special_ad_categories: [], ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: "Dry", daily_budget: "5000", ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${accountId}/adcreatives`, { ...creativeBody(), ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${accountId}/ads`, { adset_id: adSet, name: "Dry", creative: { creative_id: creative }, ...VALIDATE_ONLY }));
  });

  it("a valid update of each ad object answers success and changes nothing", async () => {
    await expectNothingStored(() => graph("POST", `/${campaign}`, { name: "Renamed", status: "PAUSED", ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${adSet}`, { daily_budget: "7000", ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${ad}`, { name: "Renamed", ...VALIDATE_ONLY }));
    await expectNothingStored(() => graph("POST", `/${creative}`, { name: "Renamed", ...VALIDATE_ONLY }));
    expect((await graph("GET", `/${campaign}?fields=name,status`)).body).toMatchObject({ name: "Spring", status: "ACTIVE" });
  });

  it("the option is also read from a form-encoded JSON list, as Meta's SDKs send it", async () => {
    const form = new URLSearchParams({ name: "Dry", objective: "OUTCOME_SALES", special_ad_categories: "[]", execution_options: '["validate_only"]' });
    await expectNothingStored(() => graph("POST", `/${accountId}/campaigns`, form.toString()));
  });

  it("an invalid validate-only write fails with the same error as the real call", async () => {
    await expectSameError(`/${accountId}/campaigns`, { name: "Bad", objective: "NOT_AN_OBJECTIVE", special_ad_categories: [] });
    await expectSameError(`/${accountId}/campaigns`, { name: "Bad", objective: "OUTCOME_SALES", special_ad_categories: [], bid_strategy: "LOWEST_COST_WITH_BID_CAP" });
    await expectSameError(`/${accountId}/adsets`, { campaign_id: campaign, name: "Bad", daily_budget: "5000", lifetime_budget: "9000" });
    await expectSameError(`/${accountId}/ads`, { adset_id: adSet, name: "Bad", creative: { creative_id: "999999999" } });
    await expectSameError(`/${campaign}`, { objective: "OUTCOME_TRAFFIC" });
  });

  it("an unknown execution option is refused", async () => {
    const response = await graph("POST", `/${accountId}/campaigns`, { name: "Dry", objective: "OUTCOME_SALES", special_ad_categories: [], execution_options: ["dry_run"] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(100);
  });
});
