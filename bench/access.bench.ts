/**
 * `npm run bench:access`: the access engine's check latency and throughput at 1k, 100k and 1M
 * grants, against node-casbin (RBAC with domains, enforceSync) answering the same questions on the
 * same data in the same run; memory per million grants; and the time to rebuild the index from the
 * store at 1M grants.
 *
 * Options: --sizes 1000,100000,1000000   --casbin-max 100000   --rebuild 1000000 (0 to skip)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { newEnforcer, newModelFromString } from "casbin";
import { AccessEngine } from "../src/hub/access/accessEngine.ts";
import { AccessIndex } from "../src/hub/access/accessIndex.ts";
import { requiredTasks, type ActionName } from "../src/hub/catalogue/actions.ts";
import { ASSET_TYPE_INFO, fullMask, tasksOfMask } from "../src/hub/catalogue/assetTypes.ts";
import { openStore } from "../src/store/database.ts";
import { Mulberry32 } from "../src/simulator/random.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SIZES = (args.get("sizes") ?? "1000,100000,1000000").split(",").map(Number);
const CASBIN_MAX = Number(args.get("casbin-max") ?? 100_000);
const REBUILD_AT = Number(args.get("rebuild") ?? 1_000_000);
const CASBIN_SECONDS = Number(args.get("casbin-seconds") ?? 20);

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
function makeQueries(world: World, count: number, seed: number): { principal: string; action: ActionName; asset: string; owner: string; task: string }[] {
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

interface Measured {
  p50: number;
  p99: number;
  perSecond: number;
  allowed: number;
}

/** Per-call latency from individual timings; throughput from an untimed loop over the same calls. */
function measure(count: number, call: (i: number) => boolean, samples: number): Measured {
  for (let i = 0; i < Math.min(count, 2000); i++) call(i); // warm-up
  const timings = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    call(i % count);
    timings[i] = Number(process.hrtime.bigint() - start);
  }
  timings.sort();
  let allowed = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) if (call(i)) allowed++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { p50: percentile(timings, 50) / 1000, p99: percentile(timings, 99) / 1000, perSecond: count / seconds, allowed };
}

/**
 * For a slow peer: time each call until the budget runs out (at least `minimum` calls), and take the
 * rate from the same calls. Returns the answers so they can be compared with the engine's.
 */
function measureWithin(count: number, call: (i: number) => boolean, budgetSeconds: number, minimum: number): Measured & { answers: boolean[] } {
  const timings: number[] = [];
  const answers: boolean[] = [];
  let total = 0;
  for (let i = 0; i < count && (total < budgetSeconds * 1e9 || i < minimum); i++) {
    const start = process.hrtime.bigint();
    answers.push(call(i));
    const elapsed = Number(process.hrtime.bigint() - start);
    timings.push(elapsed);
    total += elapsed;
  }
  const sorted = Float64Array.from(timings).sort();
  return {
    p50: percentile(sorted, 50) / 1000,
    p99: percentile(sorted, 99) / 1000,
    perSecond: timings.length / (total / 1e9),
    allowed: answers.filter(Boolean).length,
    answers,
  };
}

const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`;

/** The same world for casbin: each grant's effective tasks as policies in the owner's domain; owner admins as a role. */
async function casbinFor(world: World) {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  const policies: string[][] = [];
  const groupings: string[][] = [];
  const adminTasks = ASSET_TYPE_INFO.ad_account.tasks;
  for (const g of world.grants) {
    const asset = world.assets[g.asset]!;
    const person = world.people[g.principal]!;
    const mask = g.business === asset.owner ? g.mask : g.mask & asset.shareMask;
    for (const task of tasksOfMask("ad_account", mask)) policies.push([person.id, asset.owner, asset.id, task]);
  }
  const adminOwners = new Set<string>();
  for (const p of world.people) {
    if (p.role === "ADMIN" && world.owners.includes(p.business)) {
      groupings.push([p.id, "admin", p.business]);
      adminOwners.add(p.business);
    }
  }
  for (const a of world.assets) {
    if (adminOwners.has(a.owner)) for (const task of adminTasks) policies.push(["admin", a.owner, a.id, task]);
  }
  await enforcer.addPolicies(dedupe(policies));
  if (groupings.length > 0) await enforcer.addGroupingPolicies(groupings);
  return { enforcer, rules: policies.length + groupings.length };
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
    const bytesPerGrant = (heapAfter - heapBefore) / size;
    memoryRows.push(
      `| ${size.toLocaleString("en-US")} | ${fmt((heapAfter - heapBefore) / 1048576, 1)} MB | ${fmt(bytesPerGrant, 0)} B | ${fmt((bytesPerGrant * 1e6) / 1048576, 0)} MB | ${fmt(buildSeconds, 2)} s |`,
    );
    const now = Date.now();
    log("  engine: measuring…");
    const ours = measure(queries.length, (i) => {
      const q = queries[i]!;
      return index.check({ principalId: q.principal }, q.action, q.asset, now);
    }, 200_000);

    let theirs: Measured | undefined;
    let casbinRules = 0;
    let casbinAsked = 0;
    if (size <= CASBIN_MAX) {
      log("  casbin: loading policies…");
      const { enforcer, rules } = await casbinFor(world);
      casbinRules = rules;
      // casbin scans its policies on every request that does not match early, so it answers the same
      // questions in the same order for a fixed time budget; rates are per question either way.
      log(`  casbin: measuring for up to ${CASBIN_SECONDS} s over ${rules.toLocaleString("en-US")} rules…`);
      for (let i = 0; i < Math.min(200, queries.length); i++) enforcer.enforceSync(queries[i]!.principal, queries[i]!.owner, queries[i]!.asset, queries[i]!.task);
      const result = measureWithin(queries.length, (i) => {
        const q = queries[i]!;
        return enforcer.enforceSync(q.principal, q.owner, q.asset, q.task);
      }, CASBIN_SECONDS, 100);
      theirs = result;
      casbinAsked = result.answers.length;
      // Same data, same answers: a comparison of two engines that disagree would mean nothing.
      const disagreements = result.answers.filter((answer, i) => {
        const q = queries[i]!;
        return answer !== index.check({ principalId: q.principal }, q.action, q.asset, now);
      }).length;
      if (disagreements > 0) throw new Error(`casbin and the engine disagree on ${disagreements} checks`);
    }
    rows.push(
      `| ${size.toLocaleString("en-US")} | ${fmt(ours.p50, 3)} µs | ${fmt(ours.p99, 3)} µs | ${fmt(ours.perSecond / 1e6, 2)} M/s | ` +
        (theirs
          ? `${fmt(theirs.p50, 1)} µs | ${fmt(theirs.p99, 1)} µs | ${fmt(theirs.perSecond, 0)} /s | **${fmt(ours.perSecond / theirs.perSecond, 0)}×** |`
          : `not run | | | |`) +
        ` ${fmt((100 * ours.allowed) / queries.length, 0)}% | ${casbinRules ? `${casbinRules.toLocaleString("en-US")} (${casbinAsked.toLocaleString("en-US")} asked)` : "–"} |`,
    );
    log(`  engine p50 ${fmt(ours.p50, 3)} µs p99 ${fmt(ours.p99, 3)} µs; ${fmt(ours.perSecond / 1e6, 2)} M checks/s`);
    if (theirs) log(`  casbin p50 ${fmt(theirs.p50, 1)} µs p99 ${fmt(theirs.p99, 1)} µs; ${fmt(theirs.perSecond, 0)} checks/s`);
  }

  let rebuildLine = "(skipped)";
  if (REBUILD_AT > 0) {
    log(`\nRebuild: writing ${REBUILD_AT.toLocaleString("en-US")} grants into a SQLite store…`);
    const result = await rebuildFromStore(REBUILD_AT);
    rebuildLine = `${fmt(result.seconds, 2)} s to rebuild the index from SQLite with ${result.rows.toLocaleString("en-US")} grants (store written in ${fmt(result.loadSeconds, 1)} s)`;
  }

  const out = [
    "",
    "## Access check: Grantline engine vs node-casbin (RBAC with domains, enforceSync), same data, same run",
    "",
    "| grants | engine p50 | engine p99 | engine checks/s | casbin p50 | casbin p99 | casbin checks/s | engine ÷ casbin | allowed | casbin rules |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
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
  ];
  process.stdout.write(out.join("\n"));
}

await main();
