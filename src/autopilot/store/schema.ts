/**
 * Row types of Autopilot's own tables, in the conventions of the hub's schema (src/store/schema.ts):
 * ids are numeric strings, times epoch milliseconds, flags 0/1 integers, lists and objects JSON in
 * text columns. The store's frozen migrations create these tables in every store, whether Autopilot
 * runs in the hub's process (on the hub's store) or in a process of its own (on its own store).
 */
export interface AutopilotDatabase {
  autopilot_workspaces: AutopilotWorkspacesTable;
  autopilot_connections: AutopilotConnectionsTable;
  autopilot_scans: AutopilotScansTable;
  autopilot_insights: AutopilotInsightsTable;
  autopilot_actions: AutopilotActionsTable;
  autopilot_alerts: AutopilotAlertsTable;
  autopilot_link_checks: AutopilotLinkChecksTable;
  autopilot_oauth_clients: AutopilotOAuthClientsTable;
  autopilot_oauth_flows: AutopilotOAuthFlowsTable;
  autopilot_schedule: AutopilotScheduleTable;
  autopilot_pilots: AutopilotPilotsTable;
  autopilot_pilot_baseline: AutopilotPilotBaselineTable;
}

/** Autopilot (the partner app): one workspace per advertiser. */
export interface AutopilotWorkspacesTable {
  id: string;
  name: string;
  /** The advertiser's business, when known. */
  business_id: string | null;
  /** semi_auto | autopilot */
  mode: string;
  /** 1 while the kill switch is on: no automated action at all. */
  killed: number;
  /** Guardrails the advertiser set (targets, caps, step, allowed actions, quiet hours), JSON. */
  guardrails_json: string;
  /** Where alerts go, JSON. */
  alert_channels_json: string;
  created_at: number;
  updated_at: number;
}

/** An ad account the workspace reaches through the Graph surface with its own token (sealed). */
export interface AutopilotConnectionsTable {
  id: string;
  workspace_id: string;
  /** Bare ad account id (without act_). */
  ad_account_id: string;
  /** The account's name as the Graph last gave it (connect, scan); null before the first. */
  ad_account_name: string | null;
  pixel_id: string | null;
  catalog_id: string | null;
  graph_url: string;
  /** The access token sealed with the secret key (context `autopilot_token:<connection id>`). */
  sealed_token: string;
  token_expires_at: number | null;
  scopes_json: string;
  /** active | needs_attention */
  status: string;
  /** Why it needs attention (Graph code/subcode and message), JSON. */
  attention_json: string | null;
  /** The last usage headers read, JSON. */
  usage_json: string | null;
  created_at: number;
  updated_at: number;
}

/** A calibration scan of one connection: progress, then the snapshot of objects it read. */
export interface AutopilotScansTable {
  id: string;
  connection_id: string;
  /** running | completed | failed | superseded (a newer scan replaced it) */
  status: string;
  since: string;
  until: string;
  done: number;
  total: number;
  rows: number;
  /** Campaigns, ad sets, ads and creatives as read, JSON. */
  objects_json: string | null;
  /** Hash of what was read, so approvals can tell that the data changed. */
  fingerprint: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

/** Daily insights of one ad as a scan read them; money in minor units. */
export interface AutopilotInsightsTable {
  scan_id: string;
  ad_id: string;
  date: string;
  adset_id: string;
  campaign_id: string;
  impressions: number;
  clicks: number;
  spend: number;
  conversions: number;
  revenue: number;
}

/** The action log: every proposed, approved, executed and refused change, with old and new values. */
export interface AutopilotActionsTable {
  id: string;
  workspace_id: string;
  connection_id: string;
  idempotency_key: string;
  /** pause_ad | resume_ad | pause_adset | resume_adset | change_budget */
  kind: string;
  /** ad | adset | campaign */
  object_type: string;
  object_id: string;
  object_name: string;
  /** The ad account's currency, for amounts in the log. */
  currency: string;
  /** status | daily_budget */
  field: string;
  old_value: string | null;
  new_value: string;
  reason: string;
  evidence_json: string;
  expected_effect: string;
  /** planner | text | monitor | undo */
  source: string;
  /** pending_approval | approved | declined | expired | executing | CONFIRMED | REJECTED | UNKNOWN | refused */
  state: string;
  fingerprint: string | null;
  approved_by: string | null;
  outcome_json: string | null;
  undo_of: string | null;
  created_at: number;
  updated_at: number;
  executed_at: number | null;
}

export interface AutopilotAlertsTable {
  id: string;
  workspace_id: string;
  /** spend_spike | disapproved_ad | url_down | token_expiring | lost_permission | rate_limited */
  kind: string;
  dedup_key: string;
  severity: string;
  title: string;
  body: string;
  details_json: string;
  delivery_json: string | null;
  created_at: number;
}

/** One landing-page check Autopilot's monitor made for a connection. */
export interface AutopilotLinkChecksTable {
  id: string;
  connection_id: string;
  url: string;
  checked_at: number;
  /** The account's calendar day of the check, YYYY-MM-DD. */
  date: string;
  ok: number;
  status: number | null;
  error: string | null;
}

/** A pilot: accounts Autopilot runs for a fixed period, measured against a baseline and holdouts. */
export interface AutopilotPilotsTable {
  id: string;
  workspace_id: string;
  /** running | stopped (ended early by a person); a running pilot past its end date is over. */
  status: string;
  /** Bare ad account ids Autopilot runs during the pilot, JSON array. */
  accounts_json: string;
  /** Bare ad account ids left alone during the pilot, JSON array. */
  holdout_json: string;
  /** The workspace's mode, kill switch and guardrails when the pilot started, JSON. */
  settings_json: string;
  /** First and last day of the pilot, YYYY-MM-DD (UTC). */
  start_date: string;
  end_date: string;
  days: number;
  currency: string;
  /** The simulated market's state at the start, for the no-change counterfactual; null off the simulator. */
  market_json: string | null;
  created_at: number;
  stopped_at: number | null;
}

/** One account's day of the 90-day baseline recorded when a pilot started; money in minor units. */
export interface AutopilotPilotBaselineTable {
  pilot_id: string;
  ad_account_id: string;
  date: string;
  spend: number;
  conversions: number;
  revenue: number;
}

/** Autopilot's registration as an OAuth client of an authorization server (the hub, or Meta). */
export interface AutopilotOAuthClientsTable {
  id: string;
  /** The authorization server (its discovery document is read from here). */
  issuer: string;
  /** Base URL of the Graph the tokens are for. */
  graph_url: string;
  client_id: string;
  /** The client secret sealed with the secret key (context `autopilot_client_secret:<id>`). */
  sealed_secret: string;
  /** Autopilot's callback, exactly as registered with the app. */
  redirect_uri: string;
  /** Scopes Autopilot asks for, JSON. */
  scopes_json: string;
  created_at: number;
  /** The login dialog, when the server has no discovery (Facebook Login); null: read from the issuer's discovery. */
  authorization_endpoint: string | null;
  /** The code exchange (`GET … ?client_id&redirect_uri&client_secret&code`), with authorization_endpoint. */
  token_endpoint: string | null;
}

/** An authorization request in progress: its state (hashed), PKCE verifier (sealed) and who started it. */
export interface AutopilotOAuthFlowsTable {
  /** SHA-256 of the `state` sent with the request. */
  state_hash: string;
  workspace_id: string;
  client_row_id: string;
  /** The PKCE code verifier sealed with the secret key (context `autopilot_pkce:<state hash>`). */
  sealed_verifier: string;
  /** SHA-256 of the value in the browser's flow cookie: the callback must come from the same browser. */
  browser_hash: string;
  /** `person:<id>` or `system_user:<id>` who pressed Connect. */
  initiated_by: string;
  /** Where the browser goes after the callback (a path on this server). */
  return_to: string | null;
  created_at: number;
  expires_at: number;
  /** Set when the callback used it; a state is good once. */
  finished_at: number | null;
}

/** One scheduled job of a workspace (`scan`: daily scan then plan or run; `monitors`), claimed by one instance at a time. */
export interface AutopilotScheduleTable {
  workspace_id: string;
  /** scan | monitors */
  job: string;
  next_due_at: number;
  /** While an instance runs the job: until when it holds it (another may take over after). */
  lease_until: number | null;
  /** Claims so far; the one finishing a run must hold the latest. */
  runs: number;
  /** Failed runs in a row (retries back off on it); 0 after a success. */
  failures: number;
  last_run_at: number | null;
  /** How the last run ended: ok or the error, and what it did, JSON. */
  last_outcome_json: string | null;
}
