import path from "node:path";
import SQLite from "better-sqlite3";
import { openStore } from "../src/store/database.ts";
import { Mulberry32 } from "../src/random.ts";

const DAY = 86_400_000;

/**
 * Writes, into a new embedded store in `graphDir`, one business owning `accounts` ad accounts with
 * `perAccount` assignments each (four in five by its 200 people, one in five by a partner's people
 * under the account's share with one of five partners), half of them used in the last 80 days by a
 * change to the account's settings. Seeded, so every run writes the same world. Returns the owner's id.
 */
export async function writeGraphReviewWorld(graphDir: string, accounts: number, perAccount: number): Promise<string> {
  const generator = new Mulberry32(23);
  const random = () => generator.uniform();
  const created = await openStore({ dataDir: graphDir });
  await created.close();
  const pick = (n: number) => Math.floor(random() * n);
  const now = Date.now();
  const owner = "1100000000000001";
  const partners = Array.from({ length: 5 }, (_, i) => String(1200000000000000 + i));
  const ownerPeople = Array.from({ length: 200 }, (_, i) => String(1300000000000000 + i));
  const partnerPeople = new Map(partners.map((p, j) => [p, Array.from({ length: 40 }, (_, i) => String(1400000000000000 + j * 100 + i))]));
  const assets = Array.from({ length: accounts }, (_, i) => String(1500000000000000 + i));
  const sqlite = new SQLite(path.join(graphDir, "grantline.sqlite"));
  const old = now - 200 * DAY;
  sqlite.transaction(() => {
    const business = sqlite.prepare("INSERT INTO businesses (id, name, verification_status, two_factor_required, created_at) VALUES (?, ?, 'verified', 0, ?)");
    business.run(owner, "Owner", old);
    for (const p of partners) business.run(p, `Partner ${p}`, old);
    const person = sqlite.prepare("INSERT INTO people (id, name, email, created_at) VALUES (?, ?, ?, ?)");
    const member = sqlite.prepare("INSERT INTO business_members (business_id, person_id, role, created_at) VALUES (?, ?, ?, ?)");
    ownerPeople.forEach((id, i) => {
      person.run(id, `Person ${id}`, `${id}@bench.test`, old);
      member.run(owner, id, i === 0 ? "ADMIN" : "EMPLOYEE", old);
    });
    for (const [p, ids] of partnerPeople) {
      for (const id of ids) {
        person.run(id, `Person ${id}`, `${id}@bench.test`, old);
        member.run(p, id, "EMPLOYEE", old);
      }
    }
    const asset = sqlite.prepare("INSERT INTO assets (id, type, owner_business_id, name, created_at) VALUES (?, 'ad_account', ?, ?, ?)");
    const account = sqlite.prepare("INSERT INTO ad_accounts (asset_id, currency, timezone_name, spend_cap, account_status) VALUES (?, 'USD', 'UTC', NULL, 1)");
    const share = sqlite.prepare(
      "INSERT INTO partner_shares (id, asset_id, owner_business_id, partner_business_id, status, initiated_by, tasks, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, 'active', 'owner', ?, ?, ?, 'bench')",
    );
    const grant = sqlite.prepare(
      "INSERT OR IGNORE INTO assignments (id, asset_id, business_id, principal_id, principal_type, tasks, share_id, created_at, created_by) VALUES (?, ?, ?, ?, 'person', ?, ?, ?, 'bench')",
    );
    const audit = sqlite.prepare(
      "INSERT INTO audit_entries (seq, at, request_id, actor_type, actor_id, app_id, business_id, action, target_type, target_id, before_json, after_json, outcome, reason, prev_hash, hash) VALUES (?, ?, 'bench', 'person', ?, NULL, ?, 'ad_account.update', 'ad_account', ?, '{\"name\":\"a\"}', '{\"name\":\"b\"}', 'success', NULL, '', '')",
    );
    let seq = 0;
    let n = 0;
    assets.forEach((id, i) => {
      asset.run(id, owner, `Account ${i}`, old);
      account.run(id);
      const partner = partners[i % partners.length]!;
      const shareId = `16${id.slice(2)}`;
      share.run(shareId, id, owner, partner, JSON.stringify(["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"]), old, old);
      for (let k = 0; k < perAccount; k++) {
        const own = k % 5 !== 0;
        const pool = own ? ownerPeople : partnerPeople.get(partner)!;
        const principal = pool[pick(pool.length)]!;
        grant.run(String(1700000000000000 + n++), id, own ? owner : partner, principal, JSON.stringify(["MANAGE", "ADVERTISE", "ANALYZE"]), own ? null : shareId, old);
        // Half the grants are used in the window, by a change to the account's settings.
        if (random() < 0.5) audit.run(++seq, now - pick(80) * DAY - pick(DAY), principal, owner, id);
      }
    });
    sqlite.prepare("UPDATE audit_head SET seq = ? WHERE id = 1").run(seq);
  })();
  sqlite.close();
  return owner;
}
