/**
 * `npm run bench:review`: access-review findings for one business with 100,000 grants and 10 million
 * audit entries on the embedded store, time and memory, against one plain pass over the same audit
 * log in the same run (the least any review that looks at usage must do), with the ratio.
 *
 * Options: --grants 100000 --audit 10000000
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { operatorContext } from "../src/hub/context.ts";
import { openHub } from "../src/hub/hub.ts";
import { openStore } from "../src/store/database.ts";
import { Mulberry32 } from "../src/simulator/random.ts";

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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-review-"));
try {
  const created = await openStore({ dataDir: dir });
  await created.close();
  const random = rng(11);
  const pick = (n: number) => Math.floor(random() * n);
  const now = Date.now();
  const sqlite = new SQLite(path.join(dir, "grantline.sqlite"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = OFF");

  const owner = "1000000000000001";
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
      grant.run(String(6000000000000000 + i), assets[a], own ? owner : partnerOf[a], pool[pick(pool.length)], JSON.stringify(["ADVERTISE", "ANALYZE", "AA_ANALYZE"]));
    }
  })();
  log(`writing ${AUDIT.toLocaleString("en-US")} audit entries…`);
  const audit = sqlite.prepare(
    "INSERT INTO audit_entries (seq, at, request_id, actor_type, actor_id, app_id, business_id, action, target_type, target_id, before_json, after_json, outcome, reason, prev_hash, hash) VALUES (?, ?, 'bench', 'person', ?, NULL, ?, ?, ?, ?, NULL, NULL, 'success', NULL, '', '')",
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
        audit.run(i + 1, now - Math.floor(random() * 180 * DAY), people[pick(people.length)]!.id, owner, action, targetType, assets[pick(assets.length)]);
      }
    })();
    log(`  ${Math.min(AUDIT, start + chunk).toLocaleString("en-US")} written`);
  }
  sqlite.prepare("UPDATE audit_head SET seq = ? WHERE id = 1").run(AUDIT);
  sqlite.close();

  const hub = await openHub({ dataDir: dir });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

  // The peer: one pass over the same audit log (ninety days, this business), nothing else.
  let start = process.hrtime.bigint();
  const scanned = await hub.store.db
    .selectFrom("audit_entries")
    .select((eb) => eb.fn.count<number>("target_id").distinct().as("n"))
    .where("business_id", "=", owner)
    .where("at", ">=", now - 90 * DAY)
    .executeTakeFirstOrThrow();
  const scanSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  start = process.hrtime.bigint();
  const result = await hub.review.findings(operatorContext(), owner, { windowDays: 90 });
  const findingsSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await hub.close();

  const byKind = new Map<string, number>();
  for (const f of result.findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const fmt = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  process.stdout.write(
    [
      "",
      `## Access-review findings: ${GRANTS.toLocaleString("en-US")} grants, ${AUDIT.toLocaleString("en-US")} audit entries (SQLite, same run)`,
      "",
      "| work | seconds | result | memory (peak RSS increase) |",
      "|---|---:|---:|---:|",
      `| one pass over 90 days of this business's audit log (distinct assets touched) | ${fmt(scanSeconds)} | ${Number(scanned.n).toLocaleString("en-US")} assets | |`,
      `| findings (window 90 days) | ${fmt(findingsSeconds)} | ${result.findings.length.toLocaleString("en-US")} findings | ${fmt((peakRss - rssBefore) / 1048576, 0)} MB |`,
      "",
      `Findings ÷ one pass: ${fmt(findingsSeconds / scanSeconds)}×. Target: under 5 s.`,
      `Findings by kind: ${[...byKind].map(([k, n]) => `${k} ${n.toLocaleString("en-US")}`).join(", ")}`,
      "",
    ].join("\n"),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
