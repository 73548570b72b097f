import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";

describe("API documentation", () => {
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

  it("serves an OpenAPI document listing the edges the router serves", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { description: string }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/{id}", "/{id}/agencies", "/{id}/assigned_users", "/{id}/client_ad_accounts", "/"]));
    expect(doc.paths["/{id}/agencies"]!.delete!.description).toContain("ad_account");
    expect(doc.paths["/{id}/client_ad_accounts"]!.post!.description).toContain("requests access");
  });

  it("serves a browsable page", async () => {
    const response = await fetch(`${server.url}/docs/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("swagger");
    const json = await fetch(`${server.url}/docs/json`);
    expect(((await json.json()) as { info: { title: string } }).info.title).toBe("Grantline Graph API");
  });
});
