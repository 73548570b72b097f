/** The planted tree's tables: one, enough for a query to type-check. */
export interface PlantedTables {
  report_runs: { id: string; status: string; created_at: number };
}
