import type { WorkspaceRow } from "../../store/autopilot.repository.ts";
import { adAccountGraphId } from "../../../graphIds.ts";
import type { PilotView } from "../views.ts";
import type { PilotRow } from "../../store/pilot.repository.ts";

export type { PilotView };

/** The UTC calendar day of an instant, YYYY-MM-DD: a pilot's days. */
export const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Running, stopped early, or over: a running pilot whose last day has passed is finished. */
export function pilotStatus(row: PilotRow, now: number): PilotView["status"] {
  if (row.status === "stopped") return "stopped";
  return utcDate(now) > row.end_date ? "finished" : "running";
}

/** A pilot as the CLI and the console show it: accounts as act_<id>, settings parsed, status as of `now`. */
export function presentPilot(row: PilotRow, workspace: WorkspaceRow, now: number): PilotView {
  const settings = JSON.parse(row.settings_json) as PilotView["settings"];
  return {
    id: row.id,
    workspace: workspace.name,
    status: pilotStatus(row, now),
    accounts: (JSON.parse(row.accounts_json) as string[]).map(adAccountGraphId),
    holdout: (JSON.parse(row.holdout_json) as string[]).map(adAccountGraphId),
    start_date: row.start_date,
    end_date: row.end_date,
    days: row.days,
    currency: row.currency,
    settings,
    counterfactual: row.market_json !== null,
    created_at: row.created_at,
    stopped_at: row.stopped_at,
  };
}

