import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { multipart, png } from "../support/media.ts";

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'\`&`;

/** `act_<id>/adimages`, previews and copies over real HTTP. */
describe.each(DIALECTS)("ad media and copies on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let analyst: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let pageId: string;
  let campaign: string;
  let adSet: string;
  let creative: string;
  let ad: string;

  const upload = async (token: string, parts: Parameters<typeof multipart>[0]) => {
    const { body, contentType } = multipart(parts);
    const response = await fetch(`${server.url}/v21.0/${accountId}/adimages?access_token=${token}`, { method: "POST", body, headers: { "content-type": contentType } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const created = async (path: string, body: Record<string, unknown>) => {
    const response = await graph("POST", path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.id as string;
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    analyst = await bootstrapBusiness(hub, "Reporting Agency");
    stranger = await bootstrapBusiness(hub, "Stranger");
    graph = graphClient(server.url, owner.access_token);
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    pageId = (await hub.assets.createAsset(ownerCtx, owner.business_id, { type: "page", name: "Acme Shoes" })).graphId;
    campaign = await created(`/${accountId}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    adSet = await created(`/${accountId}/adsets`, { campaign_id: campaign, name: "Daily", daily_budget: "5000", status: "ACTIVE", targeting: { geo_locations: { countries: ["US"] } } });
    creative = await created(`/${accountId}/adcreatives`, {
      name: "Look",
      title: HOSTILE,
      body: `Light.\n${HOSTILE}`,
      image_url: "https://cdn.example.test/shoe.jpg?a=\"><b>",
      call_to_action_type: "SHOP_NOW",
      object_story_spec: { page_id: pageId, link_data: { link: "https://shop.example.test/", message: `Light.\n${HOSTILE}` } },
    });
    ad = await created(`/${accountId}/ads`, { adset_id: adSet, name: "Ad one", creative: { creative_id: creative }, status: "ACTIVE" });
    await created(`/${accountId}/ads`, { adset_id: adSet, name: "Ad two", creative: { creative_id: creative }, status: "PAUSED" });
    const assetId = accountId.replace(/^act_/, "");
    await hub.partners.offer(ownerCtx, { assetId, partnerBusinessId: analyst.business_id, tasks: presetTasks("ad_account", "ADMIN") });
    const analystCtx = principalContext("system_user", analyst.system_user_id);
    await hub.partners.acceptOrRequest(analystCtx, { partnerBusinessId: analyst.business_id, assetId });
    await hub.assignments.assign(analystCtx, { assetId, principalId: analyst.system_user_id, tasks: ["ANALYZE"], businessId: analyst.business_id });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  describe("adimages", () => {
    it("uploads a multipart file under its name, with the hash Meta gives (MD5 of the bytes) and a URL that serves the bytes", async () => {
      const image = png(1200, 628, "a");
      const response = await upload(owner.access_token, [{ name: "filename", filename: "shoe.png", data: image }]);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const hash = crypto.createHash("md5").update(image).digest("hex");
      expect(response.body).toEqual({ images: { "shoe.png": { hash, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ads\/media\/image\//) } } });
      const file = await fetch(response.body.images["shoe.png"].url);
      expect(file.status).toBe(200);
      expect(file.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
      // An altered link opens nothing.
      const altered = await fetch(`${response.body.images["shoe.png"].url.slice(0, -3)}AAA`);
      expect(altered.status).toBe(404);
    });

    it("takes base64 bytes as Meta's `bytes` parameter, answering under the key bytes", async () => {
      const image = png(600, 600, "b");
      const response = await graph("POST", `/${accountId}/adimages`, { bytes: image.toString("base64") });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(Object.keys(response.body.images)).toEqual(["bytes"]);
      expect(response.body.images.bytes.hash).toBe(crypto.createHash("md5").update(image).digest("hex"));
    });

    it("lists with Meta's fields, narrows by hashes, and the same bytes again are the same image", async () => {
      const image = png(800, 450, "c");
      const first = await upload(owner.access_token, [{ name: "banner.png", filename: "banner.png", data: image }]);
      const again = await upload(owner.access_token, [{ name: "banner.png", filename: "banner.png", data: image }]);
      const hash = first.body.images["banner.png"].hash as string;
      expect(again.body.images["banner.png"].hash).toBe(hash);
      const listed = await graph("GET", `/${accountId}/adimages?hashes=${encodeURIComponent(JSON.stringify([hash]))}&fields=hash,name,url,width,height,created_time,status,account_id`);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      expect(listed.body.data).toEqual([
        { id: `${accountId.replace("act_", "")}:${hash}`, hash, name: "banner.png", url: expect.stringContaining("/ads/media/image/"), width: 800, height: 450, created_time: "2026-01-05T04:00:00-0800", status: "ACTIVE", account_id: accountId.replace("act_", "") },
      ]);
      const all = await graph("GET", `/${accountId}/adimages?minwidth=1000`);
      expect(all.body.data.map((i: { hash: string }) => i.hash)).toEqual([crypto.createHash("md5").update(png(1200, 628, "a")).digest("hex")]);
    });

    it("refuses what Meta refuses, keeping nothing: not an image, a name without its extension, no file", async () => {
      const before = await snapshotState(hub);
      const notImage = await upload(owner.access_token, [{ name: "x", filename: "notes.png", data: "just text" }]);
      expect(notImage.status).toBe(400);
      expect(notImage.body.error).toMatchObject({ code: 100, type: "OAuthException" });
      const noExtension = await upload(owner.access_token, [{ name: "x", filename: "sample.tmp", data: png(10, 10) }]);
      expect(noExtension.body.error.message).toContain("sample.jpg");
      // Two files where the second is bad: neither is kept.
      const mixed = await upload(owner.access_token, [{ name: "a", filename: "ok.png", data: png(20, 20, "ok") }, { name: "b", filename: "bad.gif", data: "GIF" }]);
      expect(mixed.status).toBe(400);
      const none = await graph("POST", `/${accountId}/adimages`, { name: "x" });
      expect(none.body.error).toMatchObject({ code: 100 });
      const badBase64 = await graph("POST", `/${accountId}/adimages`, { bytes: "not*base64" });
      expect(badBase64.body.error).toMatchObject({ code: 100 });
      expect(await snapshotState(hub)).toEqual(before);
    });

    it("DELETE by hash marks the image deleted; an image a creative uses stays", async () => {
      const image = png(300, 300, "d");
      const hash = (await upload(owner.access_token, [{ name: "f", filename: "gone.png", data: image }])).body.images["gone.png"].hash as string;
      const used = await upload(owner.access_token, [{ name: "f", filename: "used.png", data: png(301, 301, "e") }]);
      const usedHash = used.body.images["used.png"].hash as string;
      await created(`/${accountId}/adcreatives`, { name: "Uses image", title: "T", image_hash: usedHash, link_url: "https://shop.example.test/" });
      expect((await graph("DELETE", `/${accountId}/adimages?hash=${hash}`)).body).toEqual({ success: true });
      expect((await graph("GET", `/${accountId}/adimages?hashes=["${hash}"]`)).body.data).toEqual([]);
      const refused = await graph("DELETE", `/${accountId}/adimages?hash=${usedHash}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 100 });
    });

    it("needs the task of making ads to upload; ANALYZE reads the list; a stranger is told the account does not exist", async () => {
      const analystUpload = await upload(analyst.access_token, [{ name: "f", filename: "nope.png", data: png(5, 5, "n") }]);
      expect(analystUpload.status).toBe(400);
      expect(analystUpload.body.error.code).toBe(200);
      expect((await graphClient(server.url, analyst.access_token)("GET", `/${accountId}/adimages`)).status).toBe(200);
      const hidden = await upload(stranger.access_token, [{ name: "f", filename: "nope.png", data: png(5, 5, "s") }]);
      const missing = await fetch(`${server.url}/v21.0/act_987654321987/adimages?access_token=${stranger.access_token}`, { method: "POST", ...(() => { const m = multipart([{ name: "f", filename: "nope.png", data: png(5, 5, "s") }]); return { body: m.body, headers: { "content-type": m.contentType } }; })() });
      const missingBody = (await missing.json()) as { error: { message: string } };
      expect(hidden.status).toBe(400);
      expect(hidden.body.error.message.replace(accountId, "<id>")).toBe(missingBody.error.message.replace("act_987654321987", "<id>"));
    });
  });

  describe("previews", () => {
    const iframeSrc = (body: string) => /^<iframe src="([^"]+)" width="\d+" height="\d+" scrolling="yes" style="border: none;"><\/iframe>$/.exec(body)?.[1]?.replaceAll("&#38;", "&");

    it("answers {data: [{body: <iframe …>}]} for an ad, and the page escapes hostile ad text and runs no script", async () => {
      const response = await graph("GET", `/${ad}/previews?ad_format=DESKTOP_FEED_STANDARD`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(Object.keys(response.body)).toEqual(["data"]);
      expect(response.body.data).toHaveLength(1);
      const src = iframeSrc(response.body.data[0].body as string);
      expect(src).toMatch(/\/ads\/media\/preview\//);
      const page = await fetch(src!);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).not.toContain("<script");
      // The hostile text is there, as text: no tag of it survives, and no attribute.
      expect(html).not.toMatch(/<[^>]*onerror/);
      expect(html.match(/<img /g)).toHaveLength(1);
      expect(html).toContain('<img src="https://cdn.example.test/shoe.jpg?a=%22%3E%3Cb%3E" alt="">');
      expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
      expect(html).toContain("Acme Shoes");
      expect(html).toContain("Shop now");
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("frame-ancestors *");
      expect(page.headers.get("x-frame-options")).toBeNull();
    });

    it("creative previews and generatepreviews answer the same shape; a spec's text is escaped too", async () => {
      const creativePreview = await graph("GET", `/${creative}/previews?ad_format=MOBILE_FEED_STANDARD`);
      expect(creativePreview.body).toEqual({ data: [{ body: expect.stringMatching(/^<iframe src="/) }] });
      const spec = encodeURIComponent(JSON.stringify({ title: "</div><script>x()</script>", body: "Hi", link_url: "https://shop.example.test/a" }));
      const generated = await graph("GET", `/${accountId}/generatepreviews?ad_format=RIGHT_COLUMN_STANDARD&creative=${spec}`);
      expect(generated.status, JSON.stringify(generated.body)).toBe(200);
      const html = await (await fetch(iframeSrc(generated.body.data[0].body)!)).text();
      expect(html).toContain("&#60;/div&#62;&#60;script&#62;x()&#60;/script&#62;");
      expect(html).not.toContain("<script");
    });

    it("an ad_format outside Meta's list, or none, is Meta's #100; a stranger gets the not-found", async () => {
      const bad = await graph("GET", `/${ad}/previews?ad_format=BILLBOARD`);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 100, type: "OAuthException" });
      expect(bad.body.error.message).toMatch(/^\(#100\) ad_format must be one of the following values: AUDIENCE_NETWORK_INSTREAM_VIDEO, /);
      const none = await graph("GET", `/${ad}/previews`);
      expect(none.body.error).toMatchObject({ code: 100, message: "The parameter ad_format is required." });
      const hidden = await graphClient(server.url, stranger.access_token)("GET", `/${ad}/previews?ad_format=DESKTOP_FEED_STANDARD`);
      expect(hidden.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    });

    it("preview_shareable_link is a page that opens without a token", async () => {
      const response = await graph("GET", `/${ad}?fields=preview_shareable_link,name`);
      expect(response.body).toEqual({ id: ad, name: "Ad one", preview_shareable_link: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ads\/media\/preview\//) });
      expect((await fetch(response.body.preview_shareable_link)).status).toBe(200);
    });
  });

  describe("copies", () => {
    it("a deep campaign copy makes the campaign, its ad sets and their ads, paused and renamed, and answers Meta's shape", async () => {
      const response = await graph("POST", `/${campaign}/copies`, { deep_copy: true, rename_options: { rename_strategy: "DEEP_RENAME", rename_suffix: " (2)" } });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const body = response.body as { copied_campaign_id: string; ad_object_ids: { ad_object_type: string; source_id: string; copied_id: string }[] };
      expect(Object.keys(body)).toEqual(["copied_campaign_id", "ad_object_ids"]);
      expect(body.ad_object_ids.map((o) => [o.ad_object_type, o.source_id])).toEqual([["campaign", campaign], ["ad_set", adSet], ["ad", expect.any(String)], ["ad", expect.any(String)]]);
      expect(body.ad_object_ids[0]!.copied_id).toBe(body.copied_campaign_id);
      const copy = await graph("GET", `/${body.copied_campaign_id}?fields=name,status,objective,adsets{name,status,daily_budget,targeting,ads{name,status,creative}}`);
      expect(copy.body).toMatchObject({ name: "Spring (2)", status: "PAUSED", objective: "OUTCOME_SALES" });
      const copiedSet = copy.body.adsets.data[0];
      expect(copiedSet).toMatchObject({ name: "Daily (2)", status: "PAUSED", daily_budget: "5000", targeting: { geo_locations: { countries: ["US"] } } });
      expect(copiedSet.ads.data.map((a: { name: string }) => a.name).sort()).toEqual(["Ad one (2)", "Ad two (2)"]);
      expect(copiedSet.ads.data.every((a: { creative: { id: string } }) => a.creative.id === creative)).toBe(true);
      // The copy is in the account's activity log as the objects it made.
      const activity = await graph("GET", `/${accountId}/activities?fields=event_type,object_id`);
      expect(activity.body.data).toContainEqual({ event_type: "create_campaign_group", object_id: body.copied_campaign_id });
    });

    it("an ad set copy keeps the source's ads' statuses with INHERITED_FROM_SOURCE and renames only itself by default", async () => {
      const response = await graph("POST", `/${adSet}/copies`, { deep_copy: "true", status_option: "INHERITED_FROM_SOURCE" });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(Object.keys(response.body)).toEqual(["copied_adset_id", "ad_object_ids"]);
      const copy = await graph("GET", `/${response.body.copied_adset_id}?fields=name,status,campaign_id,ads{name,status}`);
      expect(copy.body).toMatchObject({ name: "Daily - Copy", status: "ACTIVE", campaign_id: campaign });
      expect(copy.body.ads.data.map((a: { name: string; status: string }) => `${a.name}:${a.status}`).sort()).toEqual(["Ad one:ACTIVE", "Ad two:PAUSED"]);
    });

    it("an ad copy goes into the ad set named and answers copied_ad_id", async () => {
      const target = (await graph("POST", `/${adSet}/copies`, {})).body.copied_adset_id as string;
      const response = await graph("POST", `/${ad}/copies`, { adset_id: target, rename_options: { rename_strategy: "NO_RENAME" } });
      expect(response.body).toEqual({ copied_ad_id: expect.any(String), ad_object_ids: [{ ad_object_type: "ad", source_id: ad, copied_id: response.body.copied_ad_id }] });
      expect((await graph("GET", `/${response.body.copied_ad_id}?fields=name,adset_id,status`)).body).toMatchObject({ name: "Ad one", adset_id: target, status: "PAUSED" });
    });

    it("bad options are Meta's #100 and a copy that fails halfway keeps nothing", async () => {
      const before = await snapshotState(hub);
      const badStatus = await graph("POST", `/${campaign}/copies`, { status_option: "LIVE" });
      expect(badStatus.body.error).toMatchObject({ code: 100 });
      const badRename = await graph("POST", `/${campaign}/copies`, { rename_options: { rename_strategy: "SOMETIMES" } });
      expect(badRename.body.error).toMatchObject({ code: 100 });
      // A campaign's ad sets copied with an end time before their start: the campaign copy is made first, then refused with the ad set.
      const halfway = await graph("POST", `/${campaign}/copies`, { deep_copy: true, start_time: "2026-03-01T00:00:00-0800", end_time: "2026-02-01T00:00:00-0800" });
      expect(halfway.status).toBe(400);
      expect(await snapshotState(hub)).toEqual(before);
    });

    it("needs the task of creating the object: ANALYZE is refused with #200, a stranger gets the not-found", async () => {
      const refused = await graphClient(server.url, analyst.access_token)("POST", `/${campaign}/copies`, {});
      expect(refused.body.error.code).toBe(200);
      const hidden = await graphClient(server.url, stranger.access_token)("POST", `/${campaign}/copies`, {});
      expect(hidden.body.error).toMatchObject({ code: 100, error_subcode: 33, message: `Unsupported request - Object with ID '${campaign}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.` });
    });
  });
});
