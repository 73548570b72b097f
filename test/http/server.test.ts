import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { errors } from "../../src/errors.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("HTTP skeleton on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let app: FastifyInstance;
  let base: string;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    app = await buildServer(hub, { logLevel: "silent" });
    app.get("/boom", async () => {
      throw new Error("secret internal detail at /srv/db.ts:42");
    });
    app.get("/denied", async () => {
      throw errors.permissionDenied("(#200) Permission denied: no path", "Ask an admin.");
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterEach(async () => {
    await app.close();
    await store.cleanup();
  });

  it("answers /healthz with 200 {status: ok}", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers unknown paths with a Graph error carrying the request's trace id", async () => {
    const response = await fetch(`${base}/v24.0/nothing/here/at/all?access_token=abc`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 2500, type: "OAuthException", message: "Unknown path components: /v24.0/nothing/here/at/all" });
    expect(body.error.fbtrace_id).toBe(response.headers.get("x-fb-trace-id"));
  });

  it("turns an unexpected failure into code 1 without internals", async () => {
    const response = await fetch(`${base}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("secret");
    expect(text).not.toContain("db.ts");
    expect(JSON.parse(text)).toMatchObject({ error: { code: 1, message: "An unknown error occurred" } });
  });

  it("gives permission errors Graph's code 200 with the user message", async () => {
    const response = await fetch(`${base}/denied`);
    expect(response.status).toBe(400); // as Meta answers (#200)
    expect(await response.json()).toMatchObject({ error: { code: 200, error_user_msg: "Ask an admin.", error_user_title: "Permission denied" } });
  });
});
