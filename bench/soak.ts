/**
 * `npm run soak`: two hub instances (`grantline serve`, as child processes) on one PostgreSQL
 * database and one Redis, under mixed load for a bounded time, with a Redis restart in the middle.
 * Not part of `npm test`.
 *
 * Everything it uses is its own and goes at the end: a fresh database `grantline_soak_<pid>` (created
 * through DATABASE_URL's server, dropped afterwards), its own `redis-server` on a free port (ended by
 * its PID, and started again on the same port for the restart), temporary data folders.
 *
 * The load, on both instances at once:
 * - readers: the owner lists an ad account's campaigns and reads the account, on either instance;
 * - writers: the owner creates campaigns, on either instance; every acknowledged id is kept;
 * - share cycles: the owner offers an ad account to a partner on one instance, the partner accepts
 *   and assigns its system user there, waits until the other instance lets it read the account, then
 *   the owner removes the partner on the first instance and — once the removal is acknowledged — the
 *   partner reads the account on the other instance. A 200 there is a stale read.
 *
 * It reports answers by status (and connection errors), lost writes (acknowledged campaigns that
 * cannot be read back afterwards on either instance), stale reads (with when they happened relative
 * to the Redis restart), and each instance's memory slope (RSS sampled every second, MB/min by least
 * squares over the run after a warm-up), plus how each instance exited on SIGTERM.
 *
 * Options: --seconds 60  --readers 6  --writers 2  --sharers 2  --redis-down-seconds 3
 * Needs DATABASE_URL (any database on the server: used only to create and drop the soak's own) and
 * `redis-server` on the PATH.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SECONDS = Number(args.get("seconds") ?? 60);
const READERS = Number(args.get("readers") ?? 6);
const WRITERS = Number(args.get("writers") ?? 2);
const SHARERS = Number(args.get("sharers") ?? 2);
const REDIS_DOWN_SECONDS = Number(args.get("redis-down-seconds") ?? 3);
const WARM_UP_SECONDS = Math.min(10, SECONDS / 6);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "bin", "grantline.mjs");
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a CLI command to the end and returns its stdout; throws with its stderr on failure. */
async function runCli(command: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [cli, ...command], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`grantline ${command.join(" ")} exited ${code}: ${err.trim()}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Our own Redis, ended by its PID.

class OwnRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir], {
      stdio: "ignore",
    });
    this.child = child;
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode} on port ${this.port}`);
      if (await this.answers()) return;
      if (Date.now() - started > 10_000) throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid!, "SIGKILL");
    await exited;
    this.child = undefined;
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, "127.0.0.1");
      socket.setTimeout(500);
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
      socket.once("timeout", () => {
        socket.destroy();
        resolve(false);
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The two hub instances.

interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  rss: { t: number; mb: number }[];
  stderrTail: string[];
}

async function startInstance(name: string, env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, "serve"], { env: { ...env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  const instance: Instance = { name, url: `http://127.0.0.1:${port}`, child, rss: [], stderrTail: [] };
  child.stderr!.on("data", (chunk: Buffer) => {
    instance.stderrTail.push(...chunk.toString().split("\n").filter(Boolean));
    instance.stderrTail.splice(0, Math.max(0, instance.stderrTail.length - 20));
  });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${instance.stderrTail.join("\n")}`);
    try {
      if ((await fetch(`${instance.url}/readyz`)).status === 200) return instance;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) throw new Error(`${name} was not ready within 60 s: ${instance.stderrTail.join("\n")}`);
    await sleep(200);
  }
}

function sampleRss(instance: Instance, t: number): void {
  try {
    const status = fs.readFileSync(`/proc/${instance.child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (Number.isFinite(kb)) instance.rss.push({ t, mb: kb / 1024 });
  } catch {
    // exited
  }
}

/** Least-squares slope of RSS over time, in MB per minute. */
function slopeMbPerMinute(points: { t: number; mb: number }[]): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const meanT = points.reduce((s, p) => s + p.t, 0) / n;
  const meanM = points.reduce((s, p) => s + p.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - meanT) * (p.mb - meanM);
    den += (p.t - meanT) ** 2;
  }
  return (num / den) * 60_000;
}

async function stopInstance(instance: Instance): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const { child } = instance;
  const started = Date.now();
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid!, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null) process.kill(child.pid!, "SIGKILL");
  }, 30_000);
  await exited;
  clearTimeout(timer);
  return { code: child.exitCode, signal: child.signalCode, ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------
// The load.

/** What a call is for: the table of answers has a column per kind. */
type Kind = "read" | "write" | "share" | "probe" | "setup";
const KINDS: Kind[] = ["read", "write", "share", "probe"];

interface Tally {
  /** By answer ("200", "503", "network: ECONNRESET"), then by kind. */
  byStatus: Map<string, Map<Kind, number>>;
  requests: number;
}

const tally: Tally = { byStatus: new Map(), requests: 0 };
function countAs(key: string, kind: Kind): void {
  const row = tally.byStatus.get(key) ?? tally.byStatus.set(key, new Map()).get(key)!;
  row.set(kind, (row.get(kind) ?? 0) + 1);
}

/** One Graph call, counted by status (or by connection error) and kind, with a 10 s ceiling. */
async function call(kind: Kind, base: string, token: string, method: string, pathName: string, body?: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const count = (key: string) => countAs(key, kind);
  tally.requests++;
  try {
    const url = `${base}/v24.0${pathName}${pathName.includes("?") ? "&" : "?"}access_token=${token}`;
    const response = await fetch(url, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    count(String(response.status));
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: response.status, json };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    count(`network: ${cause}`);
    return { status: 0, json: {} };
  }
}

interface World {
  owner: { business_id: string; access_token: string; system_user_id: string };
  agency: { business_id: string; access_token: string; system_user_id: string };
  readAccount: string;
  shareAccounts: string[];
}

interface StaleRead {
  atMs: number;
  from: string;
  to: string;
}

const acked: string[] = [];
const stale: StaleRead[] = [];
let shareCycles = 0;
let shareCyclesAborted = 0;
let worstRefusalMs = 0;

async function reader(instances: Instance[], world: World, until: number, offset: number): Promise<void> {
  for (let i = offset; Date.now() < until; i++) {
    const base = instances[i % instances.length]!.url;
    if (i % 3 === 0) await call("read", base, world.owner.access_token, "GET", `/${world.readAccount}?fields=id,name,currency`);
    else await call("read", base, world.owner.access_token, "GET", `/${world.readAccount}/campaigns?fields=id,name,status,daily_budget&limit=25`);
  }
}

async function writer(instances: Instance[], world: World, until: number, offset: number): Promise<void> {
  for (let i = offset; Date.now() < until; i++) {
    const base = instances[i % instances.length]!.url;
    const result = await call("write", base, world.owner.access_token, "POST", `/${world.readAccount}/campaigns`, {
      name: `Soak ${offset}-${i}`,
      objective: "OUTCOME_SALES",
      status: "PAUSED",
      special_ad_categories: [],
      daily_budget: String(1000 + (i % 500)),
    });
    if (result.status === 200 && typeof result.json.id === "string") acked.push(result.json.id);
  }
}

async function sharer(instances: Instance[], world: World, account: string, until: number, offset: number, startedAt: number): Promise<void> {
  const tasks = JSON.stringify(["ANALYZE"]);
  for (let i = offset; Date.now() < until; i++) {
    const [first, other] = i % 2 === 0 ? [instances[0]!, instances[1]!] : [instances[1]!, instances[0]!];
    const offered = await call("share", first.url, world.owner.access_token, "POST", `/${account}/agencies`, { business: world.agency.business_id, permitted_tasks: tasks });
    const accepted = offered.status === 200 && (await call("share", first.url, world.agency.access_token, "POST", `/${world.agency.business_id}/client_ad_accounts`, { adaccount_id: account })).status === 200;
    const assigned = accepted && (await call("share", first.url, world.agency.access_token, "POST", `/${account}/assigned_users`, { user: world.agency.system_user_id, tasks })).status === 200;
    if (assigned) {
      // The grant must have reached the other instance, or the removal's check there proves nothing.
      const granted = Date.now();
      let visible = false;
      while (!visible && Date.now() - granted < 5000) {
        visible = (await call("probe", other.url, world.agency.access_token, "GET", `/${account}?fields=name`)).status === 200;
        if (!visible) await sleep(5);
      }
      if (!visible) {
        shareCyclesAborted++;
        await call("share", first.url, world.owner.access_token, "DELETE", `/${account}/agencies`, { business: world.agency.business_id });
        continue;
      }
    }
    const removed = await call("share", first.url, world.owner.access_token, "DELETE", `/${account}/agencies`, { business: world.agency.business_id });
    if (!assigned || removed.status !== 200) {
      shareCyclesAborted++;
      continue;
    }
    const acknowledged = Date.now();
    const read = await call("probe", other.url, world.agency.access_token, "GET", `/${account}?fields=name`);
    if (read.status === 200) {
      stale.push({ atMs: acknowledged - startedAt, from: first.name, to: other.name });
      while (Date.now() - acknowledged < 10_000 && (await call("probe", other.url, world.agency.access_token, "GET", `/${account}?fields=name`)).status === 200) await sleep(2);
    }
    worstRefusalMs = Math.max(worstRefusalMs, Date.now() - acknowledged);
    shareCycles++;
  }
}

/** Reads every acknowledged campaign back, on both instances; missing on both is a lost write. */
async function lostWrites(instances: Instance[], world: World): Promise<{ lost: string[]; checked: number }> {
  const lost: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < acked.length) {
      const id = acked[next++]!;
      let found = false;
      for (const instance of instances) {
        for (let attempt = 0; attempt < 3 && !found; attempt++) {
          const result = await call("setup", instance.url, world.owner.access_token, "GET", `/${id}?fields=id,name`);
          if (result.status === 200 && result.json.id === id) found = true;
          else if (result.status !== 0 && result.status < 500) break;
          else await sleep(200);
        }
        if (!found) break; // both must have it
      }
      if (!found) lost.push(id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { lost, checked: acked.length };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    log("soak: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run soak); nothing to do.");
    process.exitCode = 2;
    return;
  }
  const database = `grantline_soak_${process.pid}`;
  const databaseUrl = (() => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  })();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-soak-"));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const redis = new OwnRedis(await freePort(), work);
  const instances: Instance[] = [];
  const cleanups: string[] = [];
  let report: string;
  try {
    await redis.start();
    log(`soak: database ${database}, redis-server pid ${redis.pid} on port ${redis.port}, ${SECONDS} s of load`);
    const unreachable = "1000000000";
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      GRANTLINE_SECRET_KEY: randomBytes(32).toString("base64"),
      GRANTLINE_DATA_DIR: path.join(work, "data"),
      GRANTLINE_AUTOPILOT_SCHEDULE: "off",
      GRANTLINE_SIM_SITE_PORT: "0",
      GRANTLINE_RATE_LIMIT_APP_POINTS: unreachable,
      GRANTLINE_RATE_LIMIT_USER_POINTS: unreachable,
      GRANTLINE_RATE_LIMIT_BUSINESS_POINTS: unreachable,
      LOG_LEVEL: "warn",
    };
    delete env.DATABASE_SCHEMA;
    await runCli(["init", "--json"], env);
    const owner = JSON.parse(await runCli(["bootstrap", "--business-name", "Soak Owner", "--json"], env)) as World["owner"];
    const agency = JSON.parse(await runCli(["bootstrap", "--business-name", "Soak Agency", "--json"], env)) as World["agency"];
    for (const name of ["instance 1", "instance 2"]) {
      instances.push(await startInstance(name, env));
    }
    log(`soak: ${instances.map((i) => `${i.name} pid ${i.child.pid} at ${i.url}`).join("; ")}`);
    const createAccount = async (name: string) => {
      const result = await call("setup", instances[0]!.url, owner.access_token, "POST", `/${owner.business_id}/adaccount`, { name, currency: "USD", timezone_id: 1 });
      if (result.status !== 200) throw new Error(`creating an ad account: ${result.status} ${JSON.stringify(result.json)}`);
      return result.json.id as string;
    };
    const world: World = {
      owner,
      agency,
      readAccount: await createAccount("Soak reads and writes"),
      shareAccounts: await Promise.all(Array.from({ length: SHARERS }, (_, i) => createAccount(`Soak shares ${i}`))),
    };
    tally.byStatus.clear();
    tally.requests = 0;

    const startedAt = Date.now();
    const until = startedAt + SECONDS * 1000;
    const redisDownAt = SECONDS * 500;
    const redisWindow = { down: NaN, up: NaN };
    const sampler = setInterval(() => {
      const t = Date.now() - startedAt;
      for (const instance of instances) sampleRss(instance, t);
    }, 1000);
    let lastRequests = 0;
    const progress = setInterval(() => {
      const t = (Date.now() - startedAt) / 1000;
      const failed = [...tally.byStatus]
        .filter(([k]) => !k.startsWith("2"))
        .reduce((sum, [, row]) => sum + [...row].filter(([kind]) => kind !== "probe").reduce((s, [, n]) => s + n, 0), 0);
      const rss = instances.map((i) => `${fmt(i.rss.at(-1)?.mb ?? 0)} MB`).join(" / ");
      log(
        `  ${fmt(t)} s: ${fmt((tally.requests - lastRequests) / 5)} req/s, ${fmt(tally.requests)} requests, ${fmt(failed)} not 2xx (probes aside), ${fmt(acked.length)} writes acknowledged, ` +
          `${shareCycles} share cycles, ${stale.length} stale reads, RSS ${rss}`,
      );
      lastRequests = tally.requests;
    }, 5000);
    const restart = (async () => {
      await sleep(redisDownAt);
      log(`  ${fmt((Date.now() - startedAt) / 1000)} s: stopping redis-server (pid ${redis.pid}) for ${REDIS_DOWN_SECONDS} s`);
      redisWindow.down = Date.now() - startedAt;
      await redis.stop();
      await sleep(REDIS_DOWN_SECONDS * 1000);
      await redis.start();
      redisWindow.up = Date.now() - startedAt;
      log(`  ${fmt((Date.now() - startedAt) / 1000)} s: redis-server back (pid ${redis.pid})`);
    })();
    await Promise.all([
      ...Array.from({ length: READERS }, (_, i) => reader(instances, world, until, i)),
      ...Array.from({ length: WRITERS }, (_, i) => writer(instances, world, until, i)),
      ...world.shareAccounts.map((account, i) => sharer(instances, world, account, until, i, startedAt)),
      restart,
    ]);
    clearInterval(progress);
    clearInterval(sampler);
    const loadSeconds = (Date.now() - startedAt) / 1000;
    const loadTally = new Map([...tally.byStatus].map(([key, row]) => [key, new Map(row)]));
    const loadRequests = tally.requests;

    log(`soak: load over after ${fmt(loadSeconds, 1)} s; reading back ${fmt(acked.length)} acknowledged writes…`);
    const { lost, checked } = await lostWrites(instances, world);
    const survived = instances.map((i) => ({ name: i.name, alive: i.child.exitCode === null && i.child.signalCode === null, exit: i.child.exitCode }));
    const exits: { name: string; code: number | null; signal: string | null; ms: number }[] = [];
    for (const instance of instances) exits.push({ name: instance.name, ...(await stopInstance(instance)) });

    const statusRows = [...loadTally]
      .filter(([, row]) => KINDS.some((kind) => row.has(kind)))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, row]) => `| ${k} | ${KINDS.map((kind) => fmt(row.get(kind) ?? 0)).join(" | ")} |`);
    const staleWhen = (s: StaleRead) => {
      const where = s.atMs < redisWindow.down ? "before the Redis restart" : s.atMs <= redisWindow.up + 2000 ? "during or just after the Redis restart" : "after the Redis restart";
      return `${fmt(s.atMs / 1000, 1)} s (${s.from} → ${s.to}, ${where})`;
    };
    report = [
      "",
      `## Soak: 2 instances on PostgreSQL + Redis, ${fmt(loadSeconds, 0)} s of mixed load, Redis killed at ${fmt(redisWindow.down / 1000, 1)} s and back at ${fmt(redisWindow.up / 1000, 1)} s`,
      "",
      `Load: ${READERS} readers, ${WRITERS} writers, ${SHARERS} share cycles at once, spread over both instances; ${fmt(loadRequests)} requests (${fmt(loadRequests / loadSeconds)} req/s).`,
      "",
      "| answer | reads | writes | share steps | probes |",
      "|---|---:|---:|---:|---:|",
      ...statusRows,
      "",
      "Reads: account and campaign list; writes: campaign creations; share steps: offer, accept, assign, remove; probes: the partner's reads on the other instance",
      "(refusals there are expected while a grant is on its way and after a removal).",
      "",
      `- Lost writes: **${lost.length}** of ${fmt(checked)} acknowledged campaign creations missing afterwards${lost.length > 0 ? ` (${lost.slice(0, 10).join(", ")}${lost.length > 10 ? ", …" : ""})` : ""}.`,
      `- Stale reads: **${stale.length}** in ${shareCycles} removals acknowledged on one instance and then read on the other (${shareCyclesAborted} cycles abandoned before the removal); the slowest cycle got its refusal ${worstRefusalMs} ms after the acknowledgement (the probe's own latency included; longer only after a stale read).` +
        (stale.length > 0 ? ` At: ${stale.slice(0, 10).map(staleWhen).join("; ")}${stale.length > 10 ? "; …" : ""}.` : ""),
      ...survived.map((s) => `- ${s.name}: ${s.alive ? "running through the whole load" : `exited during the load (code ${s.exit})`}.`),
      "",
      "| instance | RSS first | RSS last | RSS max | slope (after the first " + fmt(WARM_UP_SECONDS) + " s) | SIGTERM → exit |",
      "|---|---:|---:|---:|---:|---|",
      ...instances.map((instance, i) => {
        const points = instance.rss.filter((p) => p.t >= WARM_UP_SECONDS * 1000);
        const exit = exits[i]!;
        return `| ${instance.name} | ${fmt(instance.rss[0]?.mb ?? NaN, 0)} MB | ${fmt(instance.rss.at(-1)?.mb ?? NaN, 0)} MB | ${fmt(Math.max(...instance.rss.map((p) => p.mb)), 0)} MB | ${fmt(slopeMbPerMinute(points), 2)} MB/min | ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`} in ${fmt(exit.ms)} ms |`;
      }),
      "",
      `Load average (1, 5, 15 min) at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(", ")} on ${os.cpus().length} CPUs.`,
      "",
    ].join("\n");
    for (const instance of instances) if (instance.stderrTail.length > 0) log(`${instance.name}, last log lines:\n  ${instance.stderrTail.slice(-5).join("\n  ")}`);
  } finally {
    for (const instance of instances) {
      if (instance.child.exitCode === null && instance.child.signalCode === null) await stopInstance(instance).catch(() => undefined);
    }
    await redis.stop().catch((error: unknown) => cleanups.push(`redis-server: ${String(error)}`));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => cleanups.push(`drop database: ${String(error)}`));
    await admin.end();
    fs.rmSync(work, { recursive: true, force: true });
    if (cleanups.length > 0) log(`soak: cleanup problems: ${cleanups.join("; ")}`);
  }
  process.stdout.write(report);
}

await main();
