import type { Executor } from "../store/database.ts";
import { inChunks } from "../store/inChunks.ts";
import type { SimulationRunsTable } from "../store/schema.ts";

export type SimulationRunRow = SimulationRunsTable;

/** What the market needs of the hub's ad objects: structure, statuses, budgets and destinations. */
export async function loadHubAdObjects(db: Executor) {
  const accounts = await db
    .selectFrom("assets")
    .innerJoin("ad_accounts", "ad_accounts.asset_id", "assets.id")
    .select(["assets.id", "ad_accounts.currency", "ad_accounts.timezone_name", "ad_accounts.spend_cap", "ad_accounts.account_status"])
    .where("assets.type", "=", "ad_account")
    .orderBy("assets.id")
    .execute();
  const campaigns = await db
    .selectFrom("campaigns")
    .select(["id", "account_id", "status", "daily_budget", "lifetime_budget", "stop_time"])
    .orderBy("id")
    .execute();
  const adSets = await db
    .selectFrom("ad_sets")
    .select(["id", "campaign_id", "status", "daily_budget", "lifetime_budget", "end_time"])
    .orderBy("id")
    .execute();
  const ads = await db
    .selectFrom("ads")
    .leftJoin("ad_creatives", "ad_creatives.id", "ads.creative_id")
    .select(["ads.id", "ads.adset_id", "ads.status", "ads.review_status", "ad_creatives.link_url"])
    .orderBy("ads.id")
    .execute();
  return { accounts, campaigns, adSets, ads };
}

/** The ad accounts the hub files these campaigns, ad sets and ads under (ids it does not know are left out). */
export async function accountsFilingAdObjects(db: Executor, named: { campaignIds: readonly string[]; adSetIds: readonly string[]; adIds: readonly string[] }): Promise<string[]> {
  const accounts = new Set<string>();
  for (const ids of inChunks([...new Set(named.campaignIds)])) {
    for (const row of await db.selectFrom("campaigns").select("account_id").distinct().where("id", "in", ids).execute()) accounts.add(row.account_id);
  }
  for (const ids of inChunks([...new Set(named.adSetIds)])) {
    const rows = await db.selectFrom("ad_sets").innerJoin("campaigns", "campaigns.id", "ad_sets.campaign_id").select("campaigns.account_id").distinct().where("ad_sets.id", "in", ids).execute();
    for (const row of rows) accounts.add(row.account_id);
  }
  for (const ids of inChunks([...new Set(named.adIds)])) {
    const rows = await db
      .selectFrom("ads")
      .innerJoin("ad_sets", "ad_sets.id", "ads.adset_id")
      .innerJoin("campaigns", "campaigns.id", "ad_sets.campaign_id")
      .select("campaigns.account_id")
      .distinct()
      .where("ads.id", "in", ids)
      .execute();
    for (const row of rows) accounts.add(row.account_id);
  }
  return [...accounts];
}

export async function findSimulationRun(db: Executor): Promise<SimulationRunRow | undefined> {
  return db.selectFrom("simulation_runs").selectAll().where("id", "=", 1).executeTakeFirst();
}

export async function saveSimulationRun(db: Executor, row: SimulationRunRow): Promise<void> {
  await db
    .insertInto("simulation_runs")
    .values(row)
    .onConflict((oc) =>
      oc.column("id").doUpdateSet({
        next_day: row.next_day,
        state_json: row.state_json,
        recent_json: row.recent_json,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}
