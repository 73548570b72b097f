/**
 * `npm run bench:review`: access-review findings for one business with 100,000 grants and 10 million
 * audit entries on the embedded store, time and memory: findings reading the usage rollup against
 * the same findings computed from the raw audit log, in the same run, with the ratio (the two must
 * be equal, or the run fails), and one plain pass over the log for scale.
 *
 * The history is what a hub records: each entry is a principal using an asset it was granted
 * (reads of insights and of the account, and campaign edits), plus 5% refused attempts by anyone
 * on anything. The rollup is built from that log the way migration 010 builds it for an existing
 * store; it and the other setup phases (writing the world, opening the hub) are timed in a second table.
 *
 * A second table (`graphSourcedReview`, a separate world) times the Graph-sourced review of 100 ad
 * accounts × 50 assignments through the hub's own Graph surface on a loopback port, with the number
 * of Graph calls it made, against the native review of the same data in the same run.
 *
 * Options: --grants 100000 --audit 10000000 [--dir PATH: build the store there and keep it; reused when present]
 *          [--graph-accounts 100 --graph-assignments 50]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { operatorContext } from "../src/hub/context.ts";
import { openGrantline } from "../src/app/openGrantline.ts";
import { openStore } from "../src/store/database.ts";
import { rollupHistory } from "../src/store/migrations/010_usage_rollup.ts";
import type { Executor } from "../src/store/database.ts";
import type { AccessReviewReport } from "../src/hub/review/findings.ts";
import { Mulberry32 } from "../src/random.ts";
import { buildServer } from "../src/http/server.ts";
import { GraphClient } from "../src/graph/client/graphClient.ts";
import { reviewThroughGraph } from "../src/graph/client/graphReview.ts";
import { writeGraphReviewWorld } from "./graphReviewWorld.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const GRANTS = Number(args.get("grants") ?? 100_000);
const AUDIT = Number(args.get("audit") ?? 10_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY = 86_400_000;

/** Uniform numbers in [0, 1) from the simulator's seeded generator, so every run builds the same data. */
function rng(seed: number): () => number {
  const generator = new Mulberry32(seed);
  return () => generator.uniform();
}

const keptDir = args.get("dir");
const reuse = keptDir !== undefined && fs.existsSync(path.join(keptDir, "grantline.sqlite"));
const dir = keptDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-review-"));
try {
  const owner = "1000000000000001";
  /** Building the world, timed by phase; empty when an existing store is reused. */
  const setup: { phase: string; seconds: number }[] = [];
  if (!reuse) {
  let phaseStart = process.hrtime.bigint();
  const endPhase = (phase: string) => {
    const at = process.hrtime.bigint();
    setup.push({ phase, seconds: Number(at - phaseStart) / 1e9 });
    phaseStart = at;
  };
  const created = await openStore({ dataDir: dir });
  await created.close();
  const random = rng(11);
  const pick = (n: number) => Math.floor(random() * n);
  const now = Date.now();
  const sqlite = new SQLite(path.join(dir, "grantline.sqlite"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");

  const partners = Array.from({ length: 100 }, (_, i) => String(2000000000000000 + i));
  const assets = Array.from({ length: Math.max(10, Math.floor(GRANTS / 5)) }, (_, i) => String(3000000000000000 + i));
  const partnerOf = assets.map(() => partners[pick(partners.length)]!);
  const staff = new Map(partners.map((p) => [p, [] as string[]]));
  const people: { id: string; business: string }[] = [];
  for (let i = 0; i < Math.max(100, Math.floor(GRANTS / 10)); i++) {
    const business = i % 5 === 0 ? owner : partners[pick(partners.length)]!;
    const id = String(4000000000000000 + i);
    people.push({ id, business });
    if (business !== owner) staff.get(business)!.push(id);
  }
  const ownerPeople = people.filter((p) => p.business === owner).map((p) => p.id);
  const grants: [string, string][] = [];
  log(`writing ${GRANTS.toLocaleString("en-US")} grants…`);
  sqlite.transaction(() => {
    const business = sqlite.prepare("INSERT INTO businesses (id, name, verification_status, two_factor_required, created_at) VALUES (?, ?, 'verified', 1, 0)");
    business.run(owner, "Owner");
    for (const p of partners) business.run(p, `Partner ${p}`);
    const person = sqlite.prepare("INSERT INTO people (id, name, email, created_at) VALUES (?, ?, ?, 0)");
    const member = sqlite.prepare("INSERT INTO business_members (business_id, person_id, role, created_at) VALUES (?, ?, 'EMPLOYEE', 0)");
    for (const p of people) {
      person.run(p.id, `Person ${p.id}`, `${p.id}@bench.test`);
      member.run(p.business, p.id);
    }
    const asset = sqlite.prepare("INSERT INTO assets (id, type, owner_business_id, name, created_at) VALUES (?, 'ad_account', ?, ?, 0)");
    const account = sqlite.prepare("INSERT INTO ad_accounts (asset_id, currency, timezone_name, spend_cap, account_status) VALUES (?, 'USD', 'UTC', NULL, 1)");
    const share = sqlite.prepare(
      "INSERT INTO partner_shares (id, asset_id, owner_business_id, partner_business_id, status, initiated_by, tasks, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, 'active', 'owner', ?, 0, 0, 'bench')",
    );
    assets.forEach((id, i) => {
      asset.run(id, owner, `Account ${i}`);
      account.run(id);
      share.run(`5${id.slice(1)}`, id, owner, partnerOf[i], JSON.stringify(["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"]));
    });
    const grant = sqlite.prepare(
      "INSERT OR IGNORE INTO assignments (id, asset_id, business_id, principal_id, principal_type, tasks, share_id, created_at, created_by) VALUES (?, ?, ?, ?, 'person', ?, NULL, 0, 'bench')",
    );
    for (let i = 0; i < GRANTS; i++) {
      const a = pick(assets.length);
      const own = random() < 0.2;
      const pool = own ? ownerPeople : staff.get(partnerOf[a]!)!;
      if (pool.length === 0) continue;
      const principal = pool[pick(pool.length)]!;
      grants.push([principal, assets[a]!]);
      grant.run(String(6000000000000000 + i), assets[a], own ? owner : partnerOf[a], principal, JSON.stringify(["ADVERTISE", "ANALYZE", "AA_ANALYZE"]));
    }
  })();
  endPhase(`writing ${GRANTS.toLocaleString("en-US")} grants (and their people, assets and shares)`);
  log(`writing ${AUDIT.toLocaleString("en-US")} audit entries…`);
  const audit = sqlite.prepare(
    "INSERT INTO audit_entries (seq, at, request_id, actor_type, actor_id, app_id, business_id, action, target_type, target_id, before_json, after_json, outcome, reason, prev_hash, hash) VALUES (?, ?, 'bench', 'person', ?, NULL, ?, ?, ?, ?, NULL, NULL, ?, NULL, '', '')",
  );
  const actions = [
    ["graph.get", "insights"],
    ["graph.get", "node"],
    ["campaign.update", "ad_account"],
  ] as const;
  const chunk = 500_000;
  for (let start = 0; start < AUDIT; start += chunk) {
    sqlite.transaction(() => {
      for (let i = start; i < Math.min(AUDIT, start + chunk); i++) {
        const [action, targetType] = actions[pick(actions.length)]!;
        const at = now - Math.floor(random() * 180 * DAY);
        if (random() < 0.05) {
          audit.run(i + 1, at, people[pick(people.length)]!.id, owner, action, targetType, assets[pick(assets.length)], "denied");
        } else {
          // Most grants are used; a tenth of them never, so unused findings exist too.
          let g = pick(grants.length);
          if (g % 10 === 0) g = (g + 1) % grants.length;
          const [principal, asset] = grants[g]!;
          audit.run(i + 1, at, principal, owner, action, targetType, asset, "success");
        }
      }
    })();
    log(`  ${Math.min(AUDIT, start + chunk).toLocaleString("en-US")} written`);
  }
  sqlite.prepare("UPDATE audit_head SET seq = ? WHERE id = 1").run(AUDIT);
  sqlite.close();
  endPhase(`writing ${AUDIT.toLocaleString("en-US")} audit entries`);
  }

  const opening = process.hrtime.bigint();
  const hub = await openGrantline({ dataDir: dir });
  setup.push({ phase: "opening the hub (loads the access index: every grant, in memory)", seconds: Number(process.hrtime.bigint() - opening) / 1e9 });
  log("building the usage rollup from the log (what migration 010 does for an existing store)…");
  const start = process.hrtime.bigint();
  const rebuilt = await rebuildUsageRollup(hub.store.db);
  const rebuildSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  /** Runs one measurement with its own sampling of peak RSS and peak JS heap (both as increases). */
  async function measure<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number; peakMb: number; heapMb: number }> {
    global.gc?.();
    const before = process.memoryUsage();
    let peak = before.rss;
    let heap = before.heapUsed;
    const sample = () => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.rss);
      heap = Math.max(heap, now.heapUsed);
    };
    const sampler = setInterval(sample, 20);
    const cpu = process.cpuUsage();
    const begin = process.hrtime.bigint();
    const value = await work();
    const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    sample();
    return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6, peakMb: (peak - before.rss) / 1048576, heapMb: (heap - before.heapUsed) / 1048576 };
  }

  // For scale: one pass over the same audit log (ninety days, this business), nothing else.
  log("one pass over the log…");
  const scan = await measure(() =>
    hub.store.db
      .selectFrom("audit_entries")
      .select((eb) => eb.fn.count<number>("target_id").distinct().as("n"))
      .where("business_id", "=", owner)
      .where("at", ">=", Date.now() - 90 * DAY)
      .executeTakeFirstOrThrow(),
  );
  log("findings from the raw audit log…");
  const fromLog = await measure(() => hub.review.findings(operatorContext(), owner, { windowDays: 90, usageSource: "audit_log" }));
  log("findings from the usage rollup…");
  const fromRollup = await measure(() => hub.review.findings(operatorContext(), owner, { windowDays: 90 }));
  const rollupRows = await hub.store.db.selectFrom("usage_rollup").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  await hub.close();
  const same = (a: AccessReviewReport, b: AccessReviewReport) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(fromLog.value, fromRollup.value)) throw new Error("findings from the rollup differ from findings from the audit log");

  const byKind = new Map<string, number>();
  for (const f of fromRollup.value.findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const fmt = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const count = (n: number) => n.toLocaleString("en-US");
  process.stdout.write(
    [
      "",
      `## Access-review findings: ${count(GRANTS)} grants, ${count(AUDIT)} audit entries (SQLite, same run)`,
      "",
      "| work | seconds (wall) | CPU seconds | result | peak RSS increase | peak heap increase | wall vs rollup |",
      "|---|---:|---:|---:|---:|---:|---:|",
      `| findings from the usage rollup (${count(Number(rollupRows.n))} rows), window 90 days | ${fmt(fromRollup.seconds)} | ${fmt(fromRollup.cpuSeconds)} | ${count(fromRollup.value.findings.length)} findings | ${fmt(fromRollup.peakMb, 0)} MB | ${fmt(fromRollup.heapMb, 0)} MB | 1.00× |`,
      `| findings reading use from the raw audit log (as before the rollup), window 90 days | ${fmt(fromLog.seconds)} | ${fmt(fromLog.cpuSeconds)} | ${count(fromLog.value.findings.length)} findings | ${fmt(fromLog.peakMb, 0)} MB | ${fmt(fromLog.heapMb, 0)} MB | ${fmt(fromLog.seconds / fromRollup.seconds)}× |`,
      `| one pass over 90 days of this business's audit log (distinct assets touched), for scale | ${fmt(scan.seconds)} | ${fmt(scan.cpuSeconds)} | ${count(Number(scan.value.n))} assets | ${fmt(scan.peakMb, 0)} MB | ${fmt(scan.heapMb, 0)} MB | ${fmt(scan.seconds / fromRollup.seconds)}× |`,
      "",
      "| setup | seconds (wall) |",
      "|---|---:|",
      ...setup.map((p) => `| ${p.phase} | ${fmt(p.seconds)} |`),
      `| building the usage rollup from the whole log (migration 010 on an existing store): ${count(rebuilt.usageRows)} use rows, ${count(rebuilt.activityRows)} principals | ${fmt(rebuildSeconds)} |`,
      "",
      `Both computations return identical findings. Target: under 5 s (${fromRollup.seconds < 5 ? "met" : "NOT met"} in wall time; CPU time shows the cost on a busy machine).`,
      `Load when the run ended: ${os.loadavg().map((n) => n.toFixed(2)).join(", ")} (1, 5, 15 minutes) on ${os.cpus().length} CPUs.`,
      `Findings by kind: ${[...byKind].map(([k, n]) => `${k} ${count(n)}`).join(", ")}`,
      "",
    ].join("\n"),
  );
} finally {
  if (!keptDir) fs.rmSync(dir, { recursive: true, force: true });
}
await graphSourcedReview(Number(args.get("graph-accounts") ?? 100), Number(args.get("graph-assignments") ?? 50));

/**
 * The Graph-sourced review of `accounts` ad accounts with `perAccount` assignments each (four in
 * five by the owner's people, one in five by a partner's under a share), read through the hub's
 * Graph surface on a loopback port, against the native review of the same store in the same run.
 * Use is ad-account changes (what both reviews can see), so both report the same grant findings.
 */
async function graphSourcedReview(accounts: number, perAccount: number): Promise<void> {
  const graphDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-graph-review-"));
  try {
    const owner = await writeGraphReviewWorld(graphDir, accounts, perAccount);

    const hub = await openGrantline({ dataDir: graphDir });
    await rebuildUsageRollup(hub.store.db);
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), owner, { name: "Reviewer", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    const app = await buildServer(hub, { logLevel: "silent" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      log(`graph-sourced review of ${accounts} ad accounts × ${perAccount} assignments…`);
      const nativeStart = process.hrtime.bigint();
      const native = await hub.review.findings(operatorContext(), owner, { windowDays: 90 });
      const nativeSeconds = Number(process.hrtime.bigint() - nativeStart) / 1e9;
      const client = new GraphClient({ baseUrl: url, token });
      const graphStart = process.hrtime.bigint();
      const graph = await reviewThroughGraph(client, { businessId: owner, windowDays: 90, now: Date.now() });
      const graphSeconds = Number(process.hrtime.bigint() - graphStart) / 1e9;
      const grantKinds = (r: AccessReviewReport) => r.findings.filter((f) => f.kind === "unused" || f.kind === "over_privileged" || f.kind === "external").length;
      const fmt = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
      process.stdout.write(
        [
          "",
          `## Graph-sourced access review: ${accounts} ad accounts × ${perAccount} assignments, through the hub's Graph surface on loopback (SQLite, same run)`,
          "",
          "| review | seconds (wall) | Graph calls | findings | unused, over-privileged and external | wall vs native |",
          "|---|---:|---:|---:|---:|---:|",
          `| native (the hub's store and access index) | ${fmt(nativeSeconds)} | 0 | ${native.findings.length} | ${grantKinds(native)} | 1.00× |`,
          `| Graph-sourced (business, people, assets, then agencies, assigned_users, users and activities per account) | ${fmt(graphSeconds)} | ${client.calls} | ${graph.findings.length} | ${grantKinds(graph)} | ${fmt(graphSeconds / nativeSeconds)}× |`,
          "",
          `Graph calls per ad account: ${fmt(client.calls / accounts)}. Not reviewed through the Graph: ${graph.not_reviewed.map((n) => n.what).join("; ") || "nothing"}.`,
          "",
        ].join("\n"),
      );
    } finally {
      await app.close();
      await hub.close();
    }
  } finally {
    fs.rmSync(graphDir, { recursive: true, force: true });
  }
}

/** Sums the whole audit log into the (emptied) usage rollup, as migration 010 does on an existing store. */
async function rebuildUsageRollup(db: Executor): Promise<{ usageRows: number; activityRows: number }> {
  await db.deleteFrom("usage_rollup").execute();
  await db.deleteFrom("principal_activity").execute();
  await rollupHistory(db);
  const usage = await db.selectFrom("usage_rollup").select(({ fn }) => fn.countAll().as("n")).executeTakeFirstOrThrow();
  const activity = await db.selectFrom("principal_activity").select(({ fn }) => fn.countAll().as("n")).executeTakeFirstOrThrow();
  return { usageRows: Number(usage.n), activityRows: Number(activity.n) };
}
