/**
 * What a bulk launch answers: the CLI's JSON and the HTTP API's (`/autopilot/workspaces/{id}/launch…`).
 * No imports: the console reads these shapes as they are.
 */
export type LaunchPhase = "reading" | "validating" | "creating" | "activating" | "rolling_back";

export interface LaunchProgress {
  phase: LaunchPhase;
  done: number;
  total: number;
}

export interface LaunchObject {
  type: "campaign" | "creative" | "adset" | "ad";
  id: string;
  name: string;
}

export interface LaunchReport {
  ad_account_id: string;
  dry_run: boolean;
  /** What the spec describes and what of it already exists (a re-run creates only what is missing). */
  plan: { campaign: string; ad_sets: number; ads: number; creatives: number; to_create: { campaigns: number; creatives: number; ad_sets: number; ads: number } };
  created: LaunchObject[];
  graph_calls: number;
}

/**
 * The plan object by object, named by the templates, each with the id it already has in the
 * account (null: the launch creates it). What the console shows before anything is created.
 */
export interface LaunchPlanObjects {
  campaign: { name: string; objective: string; status: "ACTIVE" | "PAUSED"; id: string | null };
  creatives: { name: string; id: string | null }[];
  ad_sets: { name: string; audience: string; placement: string; id: string | null }[];
  ads: { name: string; ad_set: string; creative: string; id: string | null }[];
}
