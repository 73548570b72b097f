import { errors } from "../../errors.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import { accountClock, addDays, zoneOrUtc } from "./accountTime.ts";
import { describeChange } from "./actionLog.ts";
import { listActions, type ConnectionRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff } from "./graphClient.ts";
import type { WorkspaceService } from "./workspace.service.ts";

export interface PerformanceDay {
  date: string;
  /** Major currency units, as the Graph reports spend. */
  spend: number;
  conversions: number;
  revenue: number;
  /** Spend per purchase; null on days without purchases. */
  cpa: number | null;
  /** Purchase value per unit spent; null on days without spend. */
  roas: number | null;
}

export interface PerformanceMarker {
  date: string;
  action_id: string;
  text: string;
  approved_by: string | null;
}

export interface ConnectionPerformance {
  connection: string;
  ad_account_id: string;
  /** The account's name as the Graph last gave it; null until known. */
  ad_account_name: string | null;
  currency: string | null;
  days: PerformanceDay[];
  /** Autopilot's confirmed changes on the account, to mark on the charts. */
  changes: PerformanceMarker[];
  /** Why the results could not be read (the connection needs attention, the Graph did not answer). */
  error: string | null;
}

interface InsightsRow {
  date_start: string;
  spend?: string;
  actions?: { action_type: string; value: string }[];
  action_values?: { action_type: string; value: string }[];
}

const purchases = (list: InsightsRow["actions"]) => Number(list?.find((a) => a.action_type === "purchase")?.value ?? 0);

/**
 * Spend, purchases, CPA and ROAS per day of each connected account, read live through the Graph with
 * the connection's own token, and Autopilot's confirmed changes on the same days.
 */
export class PerformanceService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async daily(workspaceIdOrName: string, days: number): Promise<ConnectionPerformance[]> {
    if (!Number.isInteger(days) || days < 1 || days > 90) throw errors.invalidParameter("days must be a whole number from 1 to 90.");
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const now = this.deps.now();
    const confirmed = await listActions(this.deps.db, workspace.id, { states: ["CONFIRMED"], limit: 500 });
    const out: ConnectionPerformance[] = [];
    for (const connection of await this.workspaces.connections(workspace.id)) {
      const { timeZone, ...performance } = await this.read(connection, now, days);
      // Days in the account's time zone, once it is known; the change markers fall on the same days.
      const dayOf = (ms: number) => accountClock(ms, timeZone).today;
      const since = addDays(dayOf(now), -(days - 1));
      out.push({
        connection: connection.id,
        ad_account_id: adAccountGraphId(connection.ad_account_id),
        ad_account_name: connection.ad_account_name,
        ...performance,
        changes: confirmed
          .filter((a) => a.connection_id === connection.id && a.executed_at !== null && dayOf(a.executed_at) >= since)
          .map((a) => ({ date: dayOf(a.executed_at!), action_id: a.id, text: describeChange(a, "done"), approved_by: a.approved_by }))
          .reverse(),
      });
    }
    return out;
  }

  private async read(connection: ConnectionRow, now: number, dayCount: number): Promise<{ currency: string | null; days: PerformanceDay[]; error: string | null; timeZone: string }> {
    if (connection.status !== "active") return { currency: null, days: [], error: `act_${connection.ad_account_id} needs attention; reconnect it to see its results.`, timeZone: "UTC" };
    return this.workspaces.withClient(connection, "reading performance for the charts", async (client) => {
      const account = await client.get<{ currency?: string; timezone_name?: string }>(adAccountGraphId(connection.ad_account_id), { fields: "currency,timezone_name" });
      const timeZone = zoneOrUtc(account.timezone_name);
      const until = accountClock(now, timeZone).today;
      const since = addDays(until, -(dayCount - 1));
      const rows = await client.getAll<InsightsRow>(`act_${connection.ad_account_id}/insights`, {
        time_increment: 1,
        time_range: { since, until },
        fields: "spend,actions,action_values",
        limit: 100,
      });
      const days = rows
        .map((r) => {
          const spend = Number(r.spend ?? 0);
          const conversions = purchases(r.actions);
          const revenue = purchases(r.action_values);
          return { date: r.date_start, spend, conversions, revenue, cpa: conversions > 0 ? spend / conversions : null, roas: spend > 0 ? revenue / spend : null };
        })
        .sort((a, b) => a.date.localeCompare(b.date));
      return { currency: account.currency ?? null, days, error: null, timeZone };
    }).catch((error: unknown) => {
      // One account's failure is reported on its chart; the others still show.
      if (error instanceof GraphApiError) return { currency: null, days: [], error: `The Graph refused to give the results: ${error.userMsg ?? error.message}`, timeZone: "UTC" };
      if (error instanceof GraphTransportError || error instanceof RateLimitBackoff) return { currency: null, days: [], error: error.message, timeZone: "UTC" };
      throw error;
    });
  }
}
