import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";

/** The hub serving a console build (a small stand-in folder shaped like Vite's output). */
describe("serving the console", () => {
  let store: TestStore;
  let hub: Grantline;
  let dir: string;

  beforeEach(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-console-"));
    fs.mkdirSync(path.join(dir, "assets"));
    fs.writeFileSync(path.join(dir, "index.html"), '<!doctype html><title>Grantline</title><script type="module" src="/console/assets/index-AbC123.js"></script>');
    fs.writeFileSync(path.join(dir, "assets", "index-AbC123.js"), "console.log('app');");
  });
  afterEach(async () => {
    await store.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (consoleDir: string) => {
    const app = await buildServer(hub, { logLevel: "silent", consoleDir });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    return { url, close: () => app.close() };
  };

  it("serves an icon at /favicon.ico, not a Graph error", async () => {
    const server = await serve(dir);
    try {
      const icon = await fetch(`${server.url}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get("content-type")).toBe("image/x-icon");
      const bytes = Buffer.from(await icon.arrayBuffer());
      // An ICO header naming one 32×32 image of 32 bits per pixel, whose data fills the rest of the file.
      expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4), bytes[6], bytes[7], bytes.readUInt16LE(12)]).toEqual([0, 1, 1, 32, 32, 32]);
      expect(bytes.readUInt32LE(18) + bytes.readUInt32LE(14)).toBe(bytes.length);
    } finally {
      await server.close();
    }
  });

  it("serves the app for every path under /console/, hashed assets cached for a year, index.html revalidated", async () => {
    const server = await serve(dir);
    try {
      const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe("/console/");

      for (const route of ["/console/", "/console/login", "/console/b/123/partners/456"]) {
        const page = await fetch(`${server.url}${route}`);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toContain("text/html");
        expect(page.headers.get("cache-control")).toBe("no-cache");
        expect(await page.text()).toContain("/console/assets/index-AbC123.js");
      }

      const asset = await fetch(`${server.url}/console/assets/index-AbC123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await asset.text()).toBe("console.log('app');");

      // A stale hashed name is a 404, never the app's HTML under a script's URL.
      const missing = await fetch(`${server.url}/console/assets/index-Old999.js`);
      expect(missing.status).toBe(404);

      // The Graph surface and health check are untouched.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const graph = await fetch(`${server.url}/me`);
      expect(graph.status).toBe(400);
      expect(((await graph.json()) as { error: { code: number } }).error.code).toBe(104);
    } finally {
      await server.close();
    }
  });

  it("says how to build the console when there is no build", async () => {
    const server = await serve(path.join(dir, "nothing-here"));
    try {
      const page = await fetch(`${server.url}/console/partners`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("npm run build:console");
    } finally {
      await server.close();
    }
  });
});
