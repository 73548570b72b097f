/**
 * `npm run bench:console`: the web console's production build size per chunk (raw and gzip), and
 * the first-load time of its main pages in headless Chromium, today's build against the console as
 * it was at a baseline commit, built and served in the same run.
 *
 * The baseline's console/ is taken from git into a temporary folder, built there with the shared
 * node_modules, and served by a second listener of the same hub (same store, same server code), so
 * only the console differs between the two. Loads alternate between the two builds, run by run.
 * A blank page from the same server shows what the server, loopback and browser cost on their own.
 *
 * Each load is cold (a new browser context: empty cache) unless marked warm (a reload in the same
 * context: hashed assets come from the cache, index.html is revalidated). Time is from navigation
 * start to the page's main content being visible; median and p90 of --runs loads.
 *
 * The bar: each main page's cold p50 within 1.5× of the baseline's, and today's first load (the
 * scripts and styles index.html names) under 300 kB gzip.
 *
 * Options: --runs 7, --baseline REF (default: the console before removals asked first, invitations
 * had links and tasks read as words)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import zlib from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildConsole, consoleBuildIsStale } from "../console/build.mjs";
import { seedDemoWorld, DEMO_PASSWORD, type DemoWorld } from "../src/demo/demoWorld.ts";
import { CONSOLE_BUILD_DIR } from "../src/http/console.ts";
import { buildServer, listeningUrl } from "../src/http/server.ts";
import { openGrantline } from "../src/app/openGrantline.ts";
import { RateLimiter } from "../src/graph/rateLimit/rateLimiter.ts";
import { launchChromium } from "../test/console/browser.ts";

/**
 * 745bb22 "authorize.ts: the refusal rule's comment names its real callers": the last commit before
 * the console's confirmations (be2b3ca, its child, starts them), invitation links and task names.
 */
const DEFAULT_BASELINE = "745bb226c0772edc40fd63dc23975e48b6658f2e";
const FIRST_LOAD_BAR_GZIP = 300 * 1024;
const PAGE_BAR_RATIO = 1.5;

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const RUNS = Number(args.get("runs") ?? 7);
const BASELINE_REF = args.get("baseline") ?? DEFAULT_BASELINE;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => process.stderr.write(`${line}\n`);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

interface Chunk {
  name: string;
  raw: number;
  gzip: number;
  initial: boolean;
}

function chunksOf(buildDir: string): Chunk[] {
  const assets = path.join(buildDir, "assets");
  const html = fs.readFileSync(path.join(buildDir, "index.html"), "utf8");
  return fs
    .readdirSync(assets)
    .map((name) => {
      const bytes = fs.readFileSync(path.join(assets, name));
      return { name, raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length, initial: html.includes(`/assets/${name}`) };
    })
    .sort((a, b) => b.raw - a.raw);
}

const sum = (chunks: Chunk[], key: "raw" | "gzip") => chunks.reduce((s, c) => s + c[key], 0);

function sizeTable(current: Chunk[], baseline: Chunk[]): void {
  console.log("\nProduction build today (dist/console/assets)\n");
  console.log("| chunk | loaded | raw | gzip |");
  console.log("| --- | --- | ---: | ---: |");
  for (const c of current) console.log(`| ${c.name} | ${c.initial ? "first load" : "on demand"} | ${kb(c.raw)} | ${kb(c.gzip)} |`);
  console.log(`| **total** | | ${kb(sum(current, "raw"))} | ${kb(sum(current, "gzip"))} |`);

  const firstLoad = (chunks: Chunk[]) => chunks.filter((c) => c.initial);
  const initialGzip = sum(firstLoad(current), "gzip");
  console.log(`\nFirst load (index.html's scripts and styles) and the whole build, today and at the baseline\n`);
  console.log("| build | first load raw | first load gzip | all chunks gzip | chunks |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, chunks] of [["today", current], ["baseline", baseline]] as const) {
    console.log(`| ${name} | ${kb(sum(firstLoad(chunks), "raw"))} | ${kb(sum(firstLoad(chunks), "gzip"))} | ${kb(sum(chunks, "gzip"))} | ${chunks.length} |`);
  }
  const met = initialGzip < FIRST_LOAD_BAR_GZIP;
  console.log(`\nBar: first load under ${kb(FIRST_LOAD_BAR_GZIP)} gzip: ${kb(initialGzip)}, ${met ? "met" : "NOT met"}`);
}

function git(gitArgs: string[], input?: Buffer): Buffer {
  return execFileSync("git", gitArgs, { cwd: ROOT, input, maxBuffer: 256 * 1024 * 1024 });
}

/**
 * The console at `ref`, built by its own build script into `<tmp>/dist/console`, with this
 * checkout's node_modules linked in (no install: both builds use the same packages).
 */
async function buildBaselineConsole(ref: string, tmp: string): Promise<string> {
  execFileSync("tar", ["-x", "-C", tmp], { input: git(["archive", "--format=tar", ref, "console"]) });
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(tmp, "node_modules"), "dir");
  const script = path.join(tmp, "console", "build.mjs");
  const { buildConsole: buildThen } = (await import(pathToFileURL(script).href)) as typeof import("../console/build.mjs");
  await buildThen();
  return path.join(tmp, "dist", "console");
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

interface Cookie {
  name: string;
  value: string;
  url: string;
}

/** One cold load and its warm reload, in a context of its own. */
async function coldAndWarm(browser: Browser, url: string, cookies: Cookie[] | undefined, ready: (page: Page) => Promise<void>): Promise<{ cold: number; warm: number }> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    if (cookies) await context.addCookies(cookies);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const cold = await timedLoad(page, url, ready);
    const warm = await timedLoad(page, url, ready);
    return { cold, warm };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const [baselineHash, baselineSubject] = git(["log", "-1", "--format=%H%n%s", BASELINE_REF]).toString().trim().split("\n");
  if (consoleBuildIsStale()) {
    log("building the console…");
    await buildConsole();
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-console-"));
  try {
    log(`building the console at ${baselineHash!.slice(0, 7)}…`);
    const baselineDir = await buildBaselineConsole(baselineHash!, tmp);
    console.log(`\nBaseline: ${baselineHash!.slice(0, 7)} ${baselineSubject}`);
    sizeTable(chunksOf(CONSOLE_BUILD_DIR), chunksOf(baselineDir));
    await measure(tmp, baselineDir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function measure(tmp: string, baselineDir: string): Promise<void> {
  const hub = await openGrantline({ dataDir: path.join(tmp, "data") });
  const demo = await seedDemoWorld(hub, "http://127.0.0.1:9");
  // Both listeners count against one rate limiter, as one hub would.
  const rateLimiter = new RateLimiter({ accessTier: "standard_access" });
  const today = await buildServer(hub, { logLevel: "silent", rateLimiter });
  const baseline = await buildServer(hub, { logLevel: "silent", rateLimiter, consoleDir: baselineDir });
  // A blank page from the same server, "ready" when its one element is visible.
  today.get("/bench-blank", async (_request, reply) => reply.type("text/html").send('<!doctype html><html lang="en"><title>blank</title><main><h1>Blank</h1></main></html>'));
  await today.listen({ host: "127.0.0.1", port: 0 });
  await baseline.listen({ host: "127.0.0.1", port: 0 });
  const servers = { today: listeningUrl(today), baseline: listeningUrl(baseline) };

  const browser = await launchChromium();
  try {
    await loadPages(browser, servers, demo);
  } finally {
    await browser.close();
    await today.close();
    await baseline.close();
    await hub.close();
  }
}

/** Loads each main page with both builds in turn and prints the table. */
async function loadPages(browser: Browser, servers: { today: string; baseline: string }, demo: DemoWorld): Promise<void> {
  // Cookies belong to the host, not the port: one session serves both listeners.
  const login = await fetch(`${servers.today}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "alice@acme.example", password: DEMO_PASSWORD }) });
  if (!login.ok) throw new Error(`signing in answered ${login.status}`);
  const cookies = login.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";");
    const [name, ...value] = pair!.split("=");
    return { name: name!, value: value.join("="), url: servers.today };
  });

  const acme = demo.advertiser.id;
  const account = demo.assets.find((a) => a.type === "ad_account")!;
  const blank = { name: "blank page", path: "/bench-blank", ready: async (page: Page) => page.getByRole("heading", { name: "Blank" }).waitFor() };
  const pages: { name: string; path: string; signedIn: boolean; ready: (page: Page) => Promise<void> }[] = [
    { name: "sign-in", path: "/console/login", signedIn: false, ready: async (page) => page.getByRole("button", { name: "Sign in", exact: true }).waitFor() },
    { name: "business info", path: `/console/b/${acme}/info`, signedIn: true, ready: async (page) => page.getByTestId("business-id").waitFor() },
    { name: "partners", path: `/console/b/${acme}/partners`, signedIn: true, ready: async (page) => page.getByRole("link", { name: "Northwind Media" }).waitFor() },
    { name: "requests", path: `/console/b/${acme}/requests`, signedIn: true, ready: async (page) => page.getByRole("tab", { name: "Sent (1)" }).waitFor() },
    { name: "ad account (who can access it)", path: `/console/b/${acme}/assets/ad_account/${account.graphId}`, signedIn: true, ready: async (page) => page.getByRole("table", { name: "Who can access this and how" }).waitFor() },
    { name: "apps and integrations", path: `/console/b/${acme}/apps`, signedIn: true, ready: async (page) => page.getByRole("heading", { name: "Apps and integrations" }).waitFor() },
    { name: "access review", path: `/console/b/${acme}/security/review`, signedIn: true, ready: async (page) => page.getByRole("button", { name: "Run the access review" }).waitFor() },
  ];

  // One unmeasured load of each build first, so neither pays for the server's first requests.
  const warmUp = pages.find((p) => p.name === "business info")!;
  for (const server of [servers.today, servers.baseline]) await coldAndWarm(browser, `${server}${warmUp.path}`, cookies, warmUp.ready);
  const blankRuns = { cold: [] as number[], warm: [] as number[] };
  for (let run = 0; run < RUNS; run += 1) {
    const { cold, warm } = await coldAndWarm(browser, `${servers.today}${blank.path}`, undefined, blank.ready);
    blankRuns.cold.push(cold);
    blankRuns.warm.push(warm);
  }
  type Runs = { cold: number[]; warm: number[]; failure?: string };
  const results: { name: string; today: Runs; baseline: Runs }[] = [];
  for (const entry of pages) {
    const runs = { today: { cold: [], warm: [] } as Runs, baseline: { cold: [], warm: [] } as Runs };
    for (let run = 0; run < RUNS; run += 1) {
      // Alternate which build goes first, so drift in the machine's load weighs on both.
      const order = run % 2 === 0 ? (["today", "baseline"] as const) : (["baseline", "today"] as const);
      for (const build of order) {
        if (runs[build].failure) continue;
        try {
          const { cold, warm } = await coldAndWarm(browser, `${servers[build]}${entry.path}`, entry.signedIn ? cookies : undefined, entry.ready);
          runs[build].cold.push(cold);
          runs[build].warm.push(warm);
        } catch (error) {
          runs[build].failure = (error as Error).message.split("\n")[0];
        }
      }
    }
    results.push({ name: entry.name, ...runs });
    log(`measured ${entry.name}`);
  }

  const p50 = (values: number[]) => percentile(values, 50);
  console.log(`\nFirst load in headless Chromium, ${RUNS} runs each, 1440×900, loopback, today's console against the baseline's (ms)\n`);
  console.log(`Blank page from the same server: cold p50 ${p50(blankRuns.cold).toFixed(0)}, warm p50 ${p50(blankRuns.warm).toFixed(0)}\n`);
  console.log(`| page | cold p50 today | cold p90 today | cold p50 baseline | cold p90 baseline | today ÷ baseline | bar ≤ ${PAGE_BAR_RATIO}× | warm p50 today | warm p50 baseline | warm ratio |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
  const failures: string[] = [];
  for (const r of results) {
    for (const build of ["today", "baseline"] as const) if (r[build].failure) failures.push(`${r.name} (${build}): ${r[build].failure}`);
    if (r.today.failure || r.baseline.failure) {
      console.log(`| ${r.name} | ${r.today.failure ? "failed" : p50(r.today.cold).toFixed(0)} | | ${r.baseline.failure ? "failed" : p50(r.baseline.cold).toFixed(0)} | | n/a | not measured | | | |`);
      continue;
    }
    const ratio = p50(r.today.cold) / p50(r.baseline.cold);
    const warmRatio = p50(r.today.warm) / p50(r.baseline.warm);
    console.log(
      `| ${r.name} | ${p50(r.today.cold).toFixed(0)} | ${percentile(r.today.cold, 90).toFixed(0)} | ${p50(r.baseline.cold).toFixed(0)} | ${percentile(r.baseline.cold, 90).toFixed(0)} | ${ratio.toFixed(2)}× | ${ratio <= PAGE_BAR_RATIO ? "met" : "NOT met"} | ${p50(r.today.warm).toFixed(0)} | ${p50(r.baseline.warm).toFixed(0)} | ${warmRatio.toFixed(2)}× |`,
    );
  }
  for (const failure of failures) console.log(`\nNot measured: ${failure}`);


}

await main();
