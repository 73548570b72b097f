import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import { CompiledQueries } from "../../store/compiledQueries.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { CampaignsTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type CampaignRow = CampaignsTable;

/** `campaigns.special_ad_categories`: the campaign's special ad categories. */
export const specialAdCategoriesColumn = stringList("campaigns.special_ad_categories");

/** A campaign with what presenting it needs: the account's time zone and the derived effective status. */
export interface CampaignRecord extends CampaignRow {
  timezone_name: string;
  effective_status: string;
}

/** A campaign's effective status is its own: nothing above it pauses it. */
const effectiveStatus = sql<string>`${sql.ref("c.status")}`;

function selectCampaigns(db: Executor) {
  return db
    .selectFrom("campaigns as c")
    .innerJoin("ad_accounts as acc", "acc.asset_id", "c.account_id")
    .selectAll("c")
    .select("acc.timezone_name")
    .select(effectiveStatus.as("effective_status"));
}

export async function insertCampaign(db: Executor, row: CampaignRow): Promise<void> {
  await db.insertInto("campaigns").values(row).execute();
}

export async function findCampaign(db: Executor, id: string): Promise<CampaignRecord | undefined> {
  return selectCampaigns(db).where("c.id", "=", id).executeTakeFirst();
}

/**
 * Takes the campaign's row lock until the transaction ends (a no-op update), so concurrent changes
 * to one campaign read and write in turn on PostgreSQL; SQLite already runs one writer at a time.
 */
export async function lockCampaign(db: Executor, id: string): Promise<void> {
  await db.updateTable("campaigns").set((eb) => ({ id: eb.ref("id") })).where("id", "=", id).execute();
}

export async function updateCampaign(db: Executor, id: string, changes: Partial<Omit<CampaignRow, "id" | "account_id">>): Promise<void> {
  await db.updateTable("campaigns").set(changes).where("id", "=", id).execute();
}

const compiled = new CompiledQueries();

/** A page window of an account's campaigns; the hottest read of the Graph surface, so compiled once per shape. */
export async function listCampaigns(
  db: Executor,
  filter: { accountId: string; effectiveStatuses: readonly string[] },
  window: KeysetWindow,
): Promise<CampaignRecord[]> {
  const bound = (b: KeysetWindow["olderThan"]) => (b ? (b.inclusive ? "i" : "x") : "-");
  const shape = `campaigns|${filter.effectiveStatuses.length}|${bound(window.olderThan)}|${bound(window.newerThan)}|${window.newestFirst}`;
  const values: Record<string, unknown> = { account: filter.accountId, limit: window.limit };
  filter.effectiveStatuses.forEach((status, i) => (values[`s${i}`] = status));
  if (window.olderThan) Object.assign(values, { olderAt: window.olderThan.cursor.createdAt, olderId: window.olderThan.cursor.id });
  if (window.newerThan) Object.assign(values, { newerAt: window.newerThan.cursor.createdAt, newerId: window.newerThan.cursor.id });
  return compiled.execute<CampaignRecord>(
    db,
    shape,
    (param) => {
      let query = selectCampaigns(db)
        .where("c.account_id", "=", param("account") as never)
        .where(effectiveStatus, "in", filter.effectiveStatuses.map((_, i) => param(`s${i}`) as never));
      const placeholders: KeysetWindow = { newestFirst: window.newestFirst, limit: 0 };
      if (window.olderThan) placeholders.olderThan = { inclusive: window.olderThan.inclusive, cursor: { createdAt: param("olderAt") as never, id: param("olderId") as never } };
      if (window.newerThan) placeholders.newerThan = { inclusive: window.newerThan.inclusive, cursor: { createdAt: param("newerAt") as never, id: param("newerId") as never } };
      for (const condition of keysetConditions("c", placeholders)) query = query.where(condition);
      const order = window.newestFirst ? "desc" : "asc";
      return query.orderBy("c.created_at", order).orderBy("c.id", order).limit(param("limit") as never);
    },
    values,
  );
}

export async function campaignNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("campaigns").select(["id", "name"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}

/** Every campaign of an account newest first, at most `limit`; what the in-memory read model loads. */
export async function listAccountCampaigns(db: Executor, accountId: string, limit: number): Promise<CampaignRecord[]> {
  return compiled.execute<CampaignRecord>(
    db,
    "campaigns-of-account",
    (param) =>
      selectCampaigns(db)
        .where("c.account_id", "=", param("account") as never)
        .orderBy("c.created_at", "desc")
        .orderBy("c.id", "desc")
        .limit(param("limit") as never),
    { account: accountId, limit },
  );
}
