/**
 * `npm run bench:console`: the web console's production build size per chunk (raw and gzip), and
 * the first-load time of its main pages in headless Chromium, against a blank page served by the
 * same hub in the same run (the baseline: what the server, loopback and browser cost on their own).
 *
 * Each load is cold (a new browser context: empty cache) unless marked warm (a reload in the same
 * context: hashed assets come from the cache, index.html is revalidated). Time is from navigation
 * start to the page's main content being visible; median and p90 of --runs loads.
 *
 * Options: --runs 7
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { BrowserContext, Page } from "playwright-core";
import { buildConsole, consoleBuildIsStale } from "../console/build.mjs";
import { seedDemoWorld, DEMO_PASSWORD } from "../src/demo/demoWorld.ts";
import { CONSOLE_BUILD_DIR } from "../src/http/console.ts";
import { buildServer } from "../src/http/server.ts";
import { openHub } from "../src/hub/hub.ts";
import { launchChromium } from "../test/console/browser.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const RUNS = Number(args.get("runs") ?? 7);
const log = (line: string) => process.stderr.write(`${line}\n`);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

function sizeTable(): { rawTotal: number; gzipTotal: number; initialGzip: number } {
  const assets = path.join(CONSOLE_BUILD_DIR, "assets");
  const html = fs.readFileSync(path.join(CONSOLE_BUILD_DIR, "index.html"), "utf8");
  const rows = fs
    .readdirSync(assets)
    .map((name) => {
      const bytes = fs.readFileSync(path.join(assets, name));
      return { name, raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length, initial: html.includes(`/assets/${name}`) };
    })
    .sort((a, b) => b.raw - a.raw);
  const rawTotal = rows.reduce((s, r) => s + r.raw, 0);
  const gzipTotal = rows.reduce((s, r) => s + r.gzip, 0);
  const initialGzip = rows.filter((r) => r.initial).reduce((s, r) => s + r.gzip, 0);
  console.log("\nProduction build (dist/console/assets)\n");
  console.log("| chunk | loaded | raw | gzip |");
  console.log("| --- | --- | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.name} | ${r.initial ? "first load" : "on demand"} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
  console.log(`| **total** | | ${kb(rawTotal)} | ${kb(gzipTotal)} |`);
  console.log(`| **first load (index.html's scripts and styles)** | | | ${kb(initialGzip)} |`);
  return { rawTotal, gzipTotal, initialGzip };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timedLoad(page: Page, url: string, ready: (page: Page) => Promise<void>): Promise<number> {
  const start = performance.now();
  await page.goto(url);
  await ready(page);
  return performance.now() - start;
}

async function main(): Promise<void> {
  if (consoleBuildIsStale()) {
    log("building the console…");
    await buildConsole();
  }
  sizeTable();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-console-"));
  const hub = await openHub({ dataDir: dir });
  const demo = await seedDemoWorld(hub, "http://127.0.0.1:9");
  const app = await buildServer(hub, { logLevel: "silent" });
  // The baseline: a blank page from the same server, "ready" when its one element is visible.
  app.get("/bench-blank", async (_request, reply) => reply.type("text/html").send('<!doctype html><html lang="en"><title>blank</title><main><h1>Blank</h1></main></html>'));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const login = await fetch(`${url}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "alice@acme.example", password: DEMO_PASSWORD }) });
  const cookies = login.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";");
    const [name, ...value] = pair!.split("=");
    return { name: name!, value: value.join("="), url };
  });

  const browser = await launchChromium();
  const acme = demo.advertiser.id;
  const account = demo.assets.find((a) => a.type === "ad_account")!;
  const pages: { name: string; path: string; signedIn: boolean; ready: (page: Page) => Promise<void> }[] = [
    { name: "blank page (baseline)", path: "/bench-blank", signedIn: false, ready: async (page) => page.getByRole("heading", { name: "Blank" }).waitFor() },
    { name: "sign-in", path: "/console/login", signedIn: false, ready: async (page) => page.getByRole("button", { name: "Sign in", exact: true }).waitFor() },
    { name: "business info", path: `/console/b/${acme}/info`, signedIn: true, ready: async (page) => page.getByTestId("business-id").waitFor() },
    { name: "partners", path: `/console/b/${acme}/partners`, signedIn: true, ready: async (page) => page.getByRole("link", { name: "Northwind Media" }).waitFor() },
    { name: "requests", path: `/console/b/${acme}/requests`, signedIn: true, ready: async (page) => page.getByRole("tab", { name: "Sent (1)" }).waitFor() },
    { name: "ad account (who can access it)", path: `/console/b/${acme}/assets/ad_account/${account.graphId}`, signedIn: true, ready: async (page) => page.getByRole("table", { name: "Who can access this and how" }).waitFor() },
    { name: "apps and integrations", path: `/console/b/${acme}/apps`, signedIn: true, ready: async (page) => page.getByRole("heading", { name: "Apps and integrations" }).waitFor() },
    { name: "access review", path: `/console/b/${acme}/security/review`, signedIn: true, ready: async (page) => page.getByRole("button", { name: "Run the access review" }).waitFor() },
  ];

  const results: { name: string; cold: number[]; warm: number[] }[] = [];
  for (const entry of pages) {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const context: BrowserContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      if (entry.signedIn) await context.addCookies(cookies);
      const page = await context.newPage();
      cold.push(await timedLoad(page, `${url}${entry.path}`, entry.ready));
      warm.push(await timedLoad(page, `${url}${entry.path}`, entry.ready));
      await context.close();
    }
    results.push({ name: entry.name, cold, warm });
    log(`measured ${entry.name}`);
  }
  const baseline = percentile(results[0]!.cold, 50);
  const baselineWarm = percentile(results[0]!.warm, 50);
  console.log(`\nFirst load in headless Chromium, ${RUNS} runs each, 1440×900, loopback (ms; ratio against the blank page)\n`);
  console.log("| page | cold p50 | cold p90 | × blank | warm p50 | × blank (warm) |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const c50 = percentile(r.cold, 50);
    const w50 = percentile(r.warm, 50);
    console.log(`| ${r.name} | ${c50.toFixed(0)} | ${percentile(r.cold, 90).toFixed(0)} | ${(c50 / baseline).toFixed(1)} | ${w50.toFixed(0)} | ${(w50 / baselineWarm).toFixed(1)} |`);
  }

  await browser.close();
  await app.close();
  await hub.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
