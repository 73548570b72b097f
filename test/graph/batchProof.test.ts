import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, type OAuthWorld } from "../oauth/oauthWorld.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("batch requests of an app that requires appsecret_proof on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let signed: OAuthWorld;
  let token: string;
  let otherToken: string;
  const proofOf = (value: string) => crypto.createHmac("sha256", signed.app.secret).update(value).digest("hex");

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    world = await buildOAuthWorld(hub, `batch-proof-${dialect}`);
    const developer = await hub.businesses.createBusiness(operatorContext(), { name: "Signed Maker" });
    const registered = await hub.appRegistry.register(operatorContext(), { businessId: developer.id, name: "Signed Tool", redirectUris: ["http://127.0.0.1:9/signed"], requireAppsecretProof: true });
    signed = { ...world, app: { id: registered.app.id, secret: registered.clientSecret, redirectUri: "http://127.0.0.1:9/signed" } };
    token = (await authorizeApp(signed, new Browser(world.url), { assets: [world.assets.adAccountA] })).tokens.access_token;
    otherToken = (await authorizeApp(signed, new Browser(world.url), { assets: [world.assets.adAccountA] })).tokens.access_token;
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  const batch = (query: string, items: unknown[]) =>
    fetch(`${world.url}/v24.0/?${query}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ batch: JSON.stringify(items) }).toString(),
    });

  it("lets the batch's proof cover the items that use the batch's token", async () => {
    const response = await batch(`access_token=${token}&appsecret_proof=${proofOf(token)}`, [
      { method: "GET", relative_url: `act_${world.assets.adAccountA}?fields=name` },
      { method: "GET", relative_url: "me?fields=id" },
    ]);
    expect(response.status).toBe(200);
    const items = (await response.json()) as { code: number; body: string }[];
    expect(items.map((i) => i.code)).toEqual([200, 200]);
    expect(JSON.parse(items[0]!.body)).toEqual({ id: `act_${world.assets.adAccountA}`, name: "Account A" });
  });

  it("refuses the batch without the proof, or with a wrong one, before running any item", async () => {
    const missing = await batch(`access_token=${token}`, [{ method: "GET", relative_url: "me" }]);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("appsecret_proof");
    const wrong = await batch(`access_token=${token}&appsecret_proof=${proofOf(otherToken)}`, [{ method: "GET", relative_url: "me" }]);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain("Invalid appsecret_proof");
  });

  it("asks an item with its own access_token for its own proof", async () => {
    const response = await batch(`access_token=${token}&appsecret_proof=${proofOf(token)}`, [
      { method: "GET", relative_url: `me?access_token=${otherToken}` },
      { method: "GET", relative_url: `me?access_token=${otherToken}&appsecret_proof=${proofOf(otherToken)}` },
      // A forged mark is not a proof.
      { method: "GET", relative_url: `me?access_token=${otherToken}&appsecret_proof=${proofOf(token)}` },
    ]);
    const items = (await response.json()) as { code: number; body: string }[];
    expect(items.map((i) => i.code)).toEqual([400, 200, 400]);
    expect(JSON.parse(items[0]!.body).error.message).toContain("appsecret_proof");
  });

  it("does not take the batch mark from outside", async () => {
    const response = await fetch(`${world.url}/v24.0/me?access_token=${token}`, { headers: { "x-grantline-batch-proof": "0".repeat(64) } });
    expect(response.status).toBe(400);
  });
});
