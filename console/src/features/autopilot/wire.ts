/**
 * What the console reads from Autopilot's /autopilot/… routes (the partner app, served by the hub), as
 * types only; the shapes in src/autopilot/app/views.ts are the server's own.
 */
import type { JobOutcome, LogEntry, ScheduleView } from "../../../../src/autopilot/app/views.ts";

export type { JobOutcome, LogEntry, ScheduleView };

export interface AutopilotGuardrails {
  cpaTarget?: number;
  roasTarget?: number;
  /** Minor units (cents). */
  dailyCap?: number;
  monthlyCap?: number;
  maxStepPct: number;
  maxBudgetChangesPerHour: number;
  cooldownMinutes?: number;
  allowedActions: string[];
  quietHours?: { start: number; end: number };
}

export interface Connection {
  id: string;
  ad_account_id: string;
  ad_account_name: string | null;
  pixel_id: string | null;
  catalog_id: string | null;
  graph_url: string;
  status: string;
  attention: { message?: string } | null;
  token_expires_at: number | null;
  scopes: string[];
}

export interface Workspace {
  id: string;
  name: string;
  business_id: string | null;
  mode: "semi_auto" | "autopilot";
  kill_switch: boolean;
  guardrails: AutopilotGuardrails;
  connections: Connection[];
  schedule: ScheduleView;
}

export interface WorkspacesAnswer {
  data: Workspace[];
  oauth_client: { configured: boolean; client_id?: string };
}
