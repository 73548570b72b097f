/**
 * `npm run bench:access`: the access engine's check latency, throughput and memory at 1k, 100k and
 * 1M grants, against two peers in their best configuration answering the same questions on the same
 * data in the same run: node-casbin (RBAC with domains, the per-object data in its indexed role
 * manager, ten policies or none, enforceSync) and CASL (one ability per user, rules indexed by action and
 * subject type). Each peer must agree with the engine on a sample before it is timed. Also: memory
 * per million grants, and the time to rebuild the index from the store at 1M grants.
 *
 * Options: --sizes 1000,100000,1000000   --peers-max 100000   --rounds 5   --slice-seconds 1   --rebuild 1000000 (0 to skip)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { createMongoAbility, subject, type MongoAbility } from "@casl/ability";
import { newEnforcer, newModelFromString } from "casbin";
import { AccessEngine } from "../src/hub/access/accessEngine.ts";
import { AccessIndex } from "../src/hub/access/accessIndex.ts";
import { requiredTasks, type ActionName } from "../src/hub/catalogue/actions.ts";
import { ASSET_TYPE_INFO, fullMask, tasksOfMask } from "../src/hub/catalogue/assetTypes.ts";
import { openStore } from "../src/store/database.ts";
import { Mulberry32 } from "../src/random.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SIZES = (args.get("sizes") ?? "1000,100000,1000000").split(",").map(Number);
const PEERS_MAX = Number(args.get("peers-max") ?? 100_000);
const REBUILD_AT = Number(args.get("rebuild") ?? 1_000_000);
const ROUNDS = Number(args.get("rounds") ?? 5);
const SLICE_SECONDS = Number(args.get("slice-seconds") ?? 1);
const LATENCY_SECONDS = 3;
/** Questions each peer must answer as the engine does before it is timed. */
const SAMPLE = 20_000;

/** Uniform numbers in [0, 1) from the simulator's seeded generator, so every run builds the same data. */
function rng(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.uniform();
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A world of ad accounts: owners, agencies with a share per asset, people assigned on both sides. */
interface World {
  owners: string[];
  assets: { id: string; owner: string; agency: string; shareMask: number }[];
  people: { id: string; business: string; role: string }[];
  grants: { id: string; asset: number; principal: number; business: string; mask: number }[];
}

function makeWorld(grantCount: number, seed: number): World {
  const random = rng(seed);
  const pick = <T,>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const businessCount = Math.max(10, Math.floor(grantCount / 500));
  const owners = Array.from({ length: businessCount }, (_, i) => `O${i}`);
  const agencies = Array.from({ length: businessCount }, (_, i) => `G${i}`);
  const full = fullMask("ad_account");
  const assets = Array.from({ length: Math.max(5, Math.floor(grantCount / 4)) }, (_, i) => ({
    id: `A${i}`,
    owner: pick(owners),
    agency: pick(agencies),
    shareMask: Math.max(1, Math.floor(random() * full)),
  }));
  const peopleByBusiness = new Map<string, number[]>();
  const people = Array.from({ length: Math.max(20, Math.floor(grantCount / 10)) }, (_, i) => {
    const business = random() < 0.5 ? pick(owners) : pick(agencies);
    const role = random() < 0.01 ? "ADMIN" : "EMPLOYEE";
    (peopleByBusiness.get(business) ?? peopleByBusiness.set(business, []).get(business)!).push(i);
    return { id: `P${i}`, business, role };
  });
  const grants: World["grants"] = [];
  const seen = new Set<string>();
  while (grants.length < grantCount) {
    const asset = Math.floor(random() * assets.length);
    const business = random() < 0.7 ? assets[asset]!.agency : assets[asset]!.owner;
    const staff = peopleByBusiness.get(business);
    if (!staff) continue;
    const principal = pick(staff);
    const key = `${asset}:${principal}`;
    if (seen.has(key)) continue;
    seen.add(key);
    grants.push({ id: `X${grants.length}`, asset, principal, business, mask: Math.max(1, Math.floor(random() * full)) });
  }
  return { owners, assets, people, grants };
}

function fillIndex(index: AccessIndex, world: World): void {
  for (const b of [...world.owners, ...new Set(world.assets.map((a) => a.agency))]) index.setBusiness(b, b);
  for (const p of world.people) {
    index.setPrincipal(p.id, "person", p.id);
    index.setRole(p.id, p.business, p.role);
  }
  for (const a of world.assets) {
    index.setAsset({ id: a.id, type: "ad_account", ownerId: a.owner, name: a.id });
    index.setShare({ id: `S${a.id}`, assetId: a.id, partnerId: a.agency, mask: a.shareMask, endsAt: null });
  }
  for (const g of world.grants) {
    const asset = world.assets[g.asset]!;
    index.setAssignment({ id: g.id, assetId: asset.id, principalId: world.people[g.principal]!.id, businessId: g.business, mask: g.mask });
  }
}

const ACTION_LIST: ActionName[] = ["view_asset", "read_insights", "create_campaign", "change_budget", "manage_settings", "create_draft"];

/** Half the questions are about existing grants (often allowed), half are random (mostly denied). */
interface Query {
  principal: string;
  action: ActionName;
  asset: string;
  owner: string;
  task: string;
}

function makeQueries(world: World, count: number, seed: number): Query[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const action = ACTION_LIST[Math.floor(random() * ACTION_LIST.length)]!;
    let principal: number;
    let asset: number;
    if (i % 2 === 0) {
      const g = world.grants[Math.floor(random() * world.grants.length)]!;
      principal = g.principal;
      asset = g.asset;
    } else {
      principal = Math.floor(random() * world.people.length);
      asset = Math.floor(random() * world.assets.length);
    }
    const a = world.assets[asset]!;
    return { principal: world.people[principal]!.id, action, asset: a.id, owner: a.owner, task: requiredTasks(action, "ad_account")[0]! };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per-call latency from individually timed calls, within a time budget (at most 200,000 calls). */
function latency(count: number, call: (i: number) => boolean, budgetSeconds: number): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < Math.min(count, 2000); i++) call(i); // warm-up
  const timings: number[] = [];
  let spent = 0;
  for (let i = 0; i < Math.min(count, 200_000) && spent < budgetSeconds * 1e9; i++) {
    const start = process.hrtime.bigint();
    call(i);
    const elapsed = Number(process.hrtime.bigint() - start);
    timings.push(elapsed);
    spent += elapsed;
  }
  const sorted = Float64Array.from(timings).sort();
  return { p50: percentile(sorted, 50) / 1000, p99: percentile(sorted, 99) / 1000, mean: spent / timings.length / 1000 };
}

/**
 * One slice of throughput: an untimed loop over the questions in order (starting where the last
 * slice stopped, wrapping around) for about `seconds`. Every answer is compared with the engine's.
 */
function rateSlice(count: number, call: (i: number) => boolean, expected: (i: number) => boolean, from: number, seconds: number): { perSecond: number; next: number; calls: number; allowed: number; wrong: number } {
  let i = from;
  let calls = 0;
  let allowed = 0;
  let wrong = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds * 1e9) {
    for (let k = 0; k < 1000; k++) {
      const answer = call(i);
      if (answer) allowed++;
      if (answer !== expected(i)) wrong++;
      i = i + 1 === count ? 0 : i + 1;
    }
    calls += 1000;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return { perSecond: calls / (elapsed / 1e9), next: i, calls, allowed, wrong };
}

/**
 * node-casbin in the configuration its documentation recommends for many tenants and many rules:
 * RBAC with domains, with the per-object, per-person facts in the role manager (a map per domain,
 * looked up, not scanned) and the policy list kept to a handful of rules ("a well-designed model
 * abstracts the logic … reducing rules to a small set (typically under 100)",
 * https://casbin.org/docs/performance; RBAC with domains, https://casbin.org/docs/rbac-with-domains/).
 *
 * - Each grant's effective tasks are task roles held in the ASSET's domain: `g, P1, ANALYZE, A7`.
 * - An owner's admins hold the `admin` role in the OWNER's domain: `g, P2, admin, O3`.
 *
 * Two matchers over the same role links, both measured:
 * - "10 policies": each task role may perform its task and `admin` every task; the matcher compares
 *   the action first (a string test that rejects 9 of the 10 rules) and only then asks the role
 *   manager, in the asset's domain or the owner's. casbin evaluates the matcher once per policy.
 * - "role lookups": the matcher asks the role manager directly for the task role in the asset's
 *   domain or `admin` in the owner's; with no policy token in it casbin evaluates it once per check.
 *   The cheapest matcher we found that gives the same answers.
 *
 * No domain matching function is registered (`addNamedDomainMatchingFunc`): with one, the role
 * manager walks every domain on each lookup (generateTempRoles in casbin's DefaultRoleManager; see
 * https://casbin.org/docs/rbac-with-pattern/ and casbin/casbin#1004), the opposite of indexed. Role
 * links are built as they are added (auto-build role links, the default, set explicitly).
 */
const CASBIN_MODEL = (matcher: string) => `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = ${matcher}
`;
const CASBIN_MATCHERS = {
  policies: "r.act == p.act && (g(r.sub, p.sub, r.obj) || g(r.sub, p.sub, r.dom))",
  roles: 'g(r.sub, r.act, r.obj) || g(r.sub, "admin", r.dom)',
};

/** Grants' effective tasks per (person, asset), and the owner admins: the same facts every peer gets. */
function effectiveFacts(world: World): { grants: { person: string; asset: string; owner: string; tasks: readonly string[] }[]; admins: { person: string; owner: string }[] } {
  const grants = world.grants.map((g) => {
    const asset = world.assets[g.asset]!;
    const mask = g.business === asset.owner ? g.mask : g.mask & asset.shareMask;
    return { person: world.people[g.principal]!.id, asset: asset.id, owner: asset.owner, tasks: tasksOfMask("ad_account", mask) };
  });
  const owners = new Set(world.owners);
  const admins = world.people.filter((p) => p.role === "ADMIN" && owners.has(p.business)).map((p) => ({ person: p.id, owner: p.business }));
  return { grants, admins };
}

async function casbinFor(world: World, matcher: keyof typeof CASBIN_MATCHERS) {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL(CASBIN_MATCHERS[matcher])));
  enforcer.enableAutoBuildRoleLinks(true);
  const { grants, admins } = effectiveFacts(world);
  const tasks = ASSET_TYPE_INFO.ad_account.tasks;
  const policies = matcher === "policies" ? [...tasks.map((task) => [task, task]), ...tasks.map((task) => ["admin", task])] : [];
  const links: string[][] = [];
  for (const g of grants) for (const task of g.tasks) links.push([g.person, task, g.asset]);
  for (const a of admins) links.push([a.person, "admin", a.owner]);
  if (policies.length > 0) await enforcer.addPolicies(policies);
  await enforcer.addGroupingPolicies(dedupe(links));
  return { check: (q: Query) => enforcer.enforceSync(q.principal, q.owner, q.asset, q.task), rules: policies.length + links.length };
}

/**
 * CASL as its documentation has it: one ability per user, built from that user's rules, each rule a
 * task on the `AdAccount` subject type with conditions on the account (`{ id }` for a grant,
 * `{ ownerId }` for an owner admin). CASL indexes an ability's rules by action and subject type, so a
 * check evaluates only the conditions of that user's rules for that task on that type
 * (RuleIndex in https://github.com/stalniy/casl/blob/master/packages/casl-ability/src/RuleIndex.ts).
 */
function caslFor(world: World) {
  const { grants, admins } = effectiveFacts(world);
  const rulesByPerson = new Map<string, { action: string; subject: string; conditions: Record<string, string> }[]>();
  const rulesOf = (person: string) => rulesByPerson.get(person) ?? rulesByPerson.set(person, []).get(person)!;
  for (const g of grants) for (const task of g.tasks) rulesOf(g.person).push({ action: task, subject: "AdAccount", conditions: { id: g.asset } });
  for (const a of admins) for (const task of ASSET_TYPE_INFO.ad_account.tasks) rulesOf(a.person).push({ action: task, subject: "AdAccount", conditions: { ownerId: a.owner } });
  const abilities = new Map<string, MongoAbility>();
  let rules = 0;
  for (const [person, list] of rulesByPerson) {
    abilities.set(person, createMongoAbility(list));
    rules += list.length;
  }
  const none = createMongoAbility([]);
  // The account as the application would hold it, built once per asset (not per check).
  const accounts = new Map(world.assets.map((a) => [a.id, subject("AdAccount", { id: a.id, ownerId: a.owner })]));
  return { check: (q: Query) => (abilities.get(q.principal) ?? none).can(q.task, accounts.get(q.asset)!), rules, abilities: abilities.size };
}

function dedupe(rows: string[][]): string[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = r.join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function fmt(n: number, digits = 2): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function rebuildFromStore(grantCount: number): Promise<{ seconds: number; rows: number; loadSeconds: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-"));
  try {
    const store = await openStore({ dataDir: dir });
    await store.close();
    const world = makeWorld(grantCount, 7);
    const sqlite = new SQLite(path.join(dir, "grantline.sqlite"));
    const loadStart = process.hrtime.bigint();
    sqlite.transaction(() => {
      const business = sqlite.prepare("INSERT INTO businesses (id, name, verification_status, two_factor_required, created_at) VALUES (?, ?, 'verified', 0, 0)");
      for (const b of new Set([...world.owners, ...world.assets.map((a) => a.agency)])) business.run(b, b);
      const person = sqlite.prepare("INSERT INTO people (id, name, email, created_at) VALUES (?, ?, ?, 0)");
      const member = sqlite.prepare("INSERT INTO business_members (business_id, person_id, role, created_at) VALUES (?, ?, ?, 0)");
      for (const p of world.people) {
        person.run(p.id, p.id, `${p.id}@bench.test`);
        member.run(p.business, p.id, p.role);
      }
      const asset = sqlite.prepare("INSERT INTO assets (id, type, owner_business_id, name, created_at) VALUES (?, 'ad_account', ?, ?, 0)");
      const share = sqlite.prepare(
        "INSERT INTO partner_shares (id, asset_id, owner_business_id, partner_business_id, status, initiated_by, tasks, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, 'active', 'owner', ?, 0, 0, 'bench')",
      );
      for (const a of world.assets) {
        asset.run(a.id, a.owner, a.id);
        share.run(`S${a.id}`, a.id, a.owner, a.agency, JSON.stringify(tasksOfMask("ad_account", a.shareMask)));
      }
      const grant = sqlite.prepare(
        "INSERT INTO assignments (id, asset_id, business_id, principal_id, principal_type, tasks, share_id, created_at, created_by) VALUES (?, ?, ?, ?, 'person', ?, NULL, 0, 'bench')",
      );
      for (const g of world.grants) {
        grant.run(g.id, world.assets[g.asset]!.id, g.business, world.people[g.principal]!.id, JSON.stringify(tasksOfMask("ad_account", g.mask)));
      }
    })();
    sqlite.close();
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
    const reopened = await openStore({ dataDir: dir, migrate: false });
    const engine = new AccessEngine(reopened.db);
    const start = process.hrtime.bigint();
    let lastReport = 0;
    await engine.rebuild((what, rows) => {
      if (rows - lastReport >= 250_000) {
        lastReport = rows;
        log(`  rebuilding: ${rows.toLocaleString("en-US")} rows read (${what})`);
      }
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rows = engine.index.counts.assignments;
    await reopened.close();
    return { seconds, rows, loadSeconds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Contender {
  name: string;
  check: (q: Query) => boolean;
  heapMB: number;
  buildSeconds: number;
  rules: number;
  p50: number;
  p99: number;
  mean: number;
  /** Best slice's rate, all slices' calls and allowed answers. */
  perSecond: number;
  calls: number;
  allowed: number;
  next: number;
}

/**
 * Builds a peer (its memory measured as the heap it adds) and checks that it gives the engine's
 * answer on a sample of the questions before anything is timed.
 */
async function buildPeer(
  name: string,
  build: () => Promise<{ check: (q: Query) => boolean; rules: number }> | { check: (q: Query) => boolean; rules: number },
  queries: Query[],
  expected: (i: number) => boolean,
): Promise<Contender> {
  log(`  ${name}: building…`);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const peer = await build();
  const buildSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  gc();
  const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
  // Same data, same answers: a comparison of engines that disagree would mean nothing.
  const sample = Math.min(queries.length, SAMPLE);
  let disagreements = 0;
  for (let i = 0; i < sample; i++) if (peer.check(queries[i]!) !== expected(i)) disagreements++;
  if (disagreements > 0) throw new Error(`${name} and the engine disagree on ${disagreements} of ${sample} checks`);
  log(`  ${name}: ${peer.rules.toLocaleString("en-US")} rules, ${fmt(heapMB, 1)} MB, built in ${fmt(buildSeconds, 1)} s; agrees with the engine on ${sample.toLocaleString("en-US")} checks`);
  return { name, check: peer.check, heapMB, buildSeconds, rules: peer.rules, p50: 0, p99: 0, mean: 0, perSecond: 0, calls: 0, allowed: 0, next: 0 };
}

/**
 * Latency for each, then throughput in rounds that take turns (engine, casbin ×2, CASL, engine, …) so
 * that a change in the machine's load during the run weighs on all alike; the rate is each one's
 * best slice. Every timed answer is compared with the engine's.
 */
function race(contenders: Contender[], queries: Query[], expected: (i: number) => boolean): void {
  for (const c of contenders) Object.assign(c, latency(queries.length, (i) => c.check(queries[i]!), LATENCY_SECONDS));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      const slice = rateSlice(queries.length, (i) => c.check(queries[i]!), expected, c.next, SLICE_SECONDS);
      if (slice.wrong > 0) throw new Error(`${c.name} and the engine disagree on ${slice.wrong} timed checks`);
      c.perSecond = Math.max(c.perSecond, slice.perSecond);
      c.calls += slice.calls;
      c.allowed += slice.allowed;
      c.next = slice.next;
    }
  }
  for (const c of contenders) log(`  ${c.name}: p50 ${fmt(c.p50, 2)} µs, mean ${fmt(c.mean, 2)} µs, p99 ${fmt(c.p99, 2)} µs, ${fmt(c.perSecond, 0)} checks/s (best of ${ROUNDS} slices)`);
}

async function main(): Promise<void> {
  log(`Access engine benchmark on Node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}`);
  const rows: string[] = [];
  const memoryRows: string[] = [];
  for (const size of SIZES) {
    log(`\n${size.toLocaleString("en-US")} grants: building world…`);
    const world = makeWorld(size, 42);
    const queries = makeQueries(world, Math.min(1_000_000, Math.max(200_000, size)), 1);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const index = new AccessIndex();
    const buildStart = process.hrtime.bigint();
    fillIndex(index, world);
    const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const engineMB = (heapAfter - heapBefore) / 1048576;
    const bytesPerGrant = (heapAfter - heapBefore) / size;
    memoryRows.push(
      `| ${size.toLocaleString("en-US")} | ${fmt(engineMB, 1)} MB | ${fmt(bytesPerGrant, 0)} B | ${fmt((bytesPerGrant * 1e6) / 1048576, 0)} MB | ${fmt(buildSeconds, 2)} s |`,
    );
    const now = Date.now();
    const engineCheck = (q: Query) => index.check({ principalId: q.principal }, q.action, q.asset, now);
    const answers = queries.map(engineCheck);
    const expected = (i: number) => answers[i]!;
    const engine: Contender = { name: "Grantline engine", check: engineCheck, heapMB: engineMB, buildSeconds, rules: size, p50: 0, p99: 0, mean: 0, perSecond: 0, calls: 0, allowed: 0, next: 0 };
    const contenders = [engine];
    if (size <= PEERS_MAX) {
      contenders.push(await buildPeer("casbin, 10 policies", () => casbinFor(world, "policies"), queries, expected));
      contenders.push(await buildPeer("casbin, role lookups", () => casbinFor(world, "roles"), queries, expected));
      contenders.push(await buildPeer("CASL", () => caslFor(world), queries, expected));
    }
    log(`  measuring ${contenders.map((c) => c.name).join(", ")}…`);
    race(contenders, queries, expected);
    const n = size.toLocaleString("en-US");
    for (const c of contenders) {
      const own = c === engine;
      rows.push(
        `| ${n} | ${own ? c.name : `${c.name} (${c.rules.toLocaleString("en-US")} rules, built in ${fmt(c.buildSeconds, 1)} s)`} | ${fmt(c.p50, 2)} µs | ${fmt(c.p99, 2)} µs | ${fmt(c.mean, 2)} µs | ${fmt(c.perSecond, 0)} | ${fmt(c.heapMB, 1)} MB | ` +
          (own ? "– | – |" : `**${fmt(engine.perSecond / c.perSecond, 1)}×** | **${fmt(c.heapMB / engine.heapMB, 2)}×** |`) +
          ` ${fmt((100 * c.allowed) / c.calls, 0)}% | ${c.calls.toLocaleString("en-US")} |`,
      );
    }
    if (size > PEERS_MAX) rows.push(`| ${n} | casbin, CASL | not run (--peers-max ${PEERS_MAX.toLocaleString("en-US")}) | | | | | | | | |`);
    contenders.length = 0;
    gc();
  }

  let rebuildLine = "(skipped)";
  if (REBUILD_AT > 0) {
    log(`\nRebuild: writing ${REBUILD_AT.toLocaleString("en-US")} grants into a SQLite store…`);
    const result = await rebuildFromStore(REBUILD_AT);
    rebuildLine = `${fmt(result.seconds, 2)} s to rebuild the index from SQLite with ${result.rows.toLocaleString("en-US")} grants (store written in ${fmt(result.loadSeconds, 1)} s)`;
  }

  const out = [
    "",
    "## Access check: Grantline engine vs node-casbin (RBAC with domains, indexed role links) and CASL (per-user abilities), same data, same questions, same run",
    "",
    "Each peer was checked to give the engine's answer on a sample of the questions before timing, and every timed answer was compared with the engine's.",
    `Checks/s: best of ${ROUNDS} slices of ${SLICE_SECONDS} s taken in turns. Memory: the heap each one adds once built (after GC). Ratios: engine checks/s ÷ peer checks/s, and peer memory ÷ engine memory.`,
    "",
    "| grants | implementation | p50 | p99 | mean | checks/s | memory | engine speed-up | peer memory ÷ engine | allowed | checks timed |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "## Index memory",
    "",
    "| grants | heap | per grant | per million grants | build |",
    "|---:|---:|---:|---:|---:|",
    ...memoryRows,
    "",
    `Index rebuild at ${REBUILD_AT.toLocaleString("en-US")} grants: ${rebuildLine}`,
    "",
    `Load average (1, 5, 15 min) at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(", ")} on ${os.cpus().length} CPUs.`,
    "",
  ];
  process.stdout.write(out.join("\n"));
}

await main();
