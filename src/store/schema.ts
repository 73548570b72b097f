import type { ColumnType, Generated } from "kysely";

/**
 * Row types of the one schema both dialects share. Ids are numeric strings (Meta-style), times are
 * epoch milliseconds, flags are 0/1 integers and task lists are JSON arrays in text columns, so the
 * same query means the same thing on SQLite and PostgreSQL.
 */
export interface PeopleTable {
  id: string;
  name: string;
  email: string;
  created_at: number;
}

export interface BusinessesTable {
  id: string;
  name: string;
  verification_status: string;
  two_factor_required: number;
  created_at: number;
}

export interface BusinessMembersTable {
  business_id: string;
  person_id: string;
  role: string;
  created_at: number;
}

export interface SystemUsersTable {
  id: string;
  business_id: string;
  name: string;
  role: string;
  created_at: number;
}

export interface AssetsTable {
  id: string;
  type: string;
  owner_business_id: string;
  name: string;
  created_at: number;
}

export interface AdAccountsTable {
  asset_id: string;
  currency: string;
  timezone_name: string;
  /** Minor currency units; null means no cap. */
  spend_cap: number | null;
  /** Meta's account_status: 1 active, 2 disabled, 3 unsettled, 101 closed. */
  account_status: number;
}

export interface PartnerSharesTable {
  id: string;
  asset_id: string;
  owner_business_id: string;
  partner_business_id: string;
  /** pending | active | declined | cancelled | expired | ended | removed */
  status: string;
  /** owner (an offer) | partner (a request) */
  initiated_by: string;
  tasks: string;
  created_at: number;
  updated_at: number;
  pending_expires_at: number | null;
  ends_at: number | null;
  created_by: string;
}

export interface AssignmentsTable {
  id: string;
  asset_id: string;
  business_id: string;
  principal_id: string;
  principal_type: string;
  tasks: string;
  share_id: string | null;
  created_at: number;
  created_by: string;
}

export interface AppsTable {
  id: string;
  business_id: string;
  name: string;
  created_at: number;
  /** Exact redirect URIs, JSON array (OAuth). */
  redirect_uris: Generated<string>;
  /** Scopes the app asks for, JSON array. */
  requested_scopes: Generated<string>;
  client_secret_hash: string | null;
  /** The client secret sealed with the instance key, only for apps that require appsecret_proof (an HMAC keyed by it); client authentication uses the hash. */
  client_secret_sealed: string | null;
  /** unreviewed | verified | rejected, set by the platform operator. */
  review_status: Generated<string>;
  reviewed_at: number | null;
  require_appsecret_proof: Generated<number>;
  /** 1: the hub's own app (Autopilot), registered by the hub's operator; 0: an app a business registered. */
  first_party: Generated<number>;
}

export interface AppGrantsTable {
  id: string;
  app_id: string;
  principal_id: string;
  principal_type: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  /** The authorization server's grant this app grant was made through (OAuth consent), if any. */
  oidc_grant_id: string | null;
}

export interface AppGrantAssetsTable {
  grant_id: string;
  asset_id: string;
}

/** A business picked at consent: the grant's business_management reaches this business's own edges. */
export interface AppGrantBusinessesTable {
  grant_id: string;
  business_id: string;
}

export interface AccessTokensTable {
  id: string;
  token_hash: string;
  principal_id: string;
  principal_type: string;
  app_id: string | null;
  grant_id: string | null;
  scopes: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /** system_user | console (a signed-in session) | oauth (issued to an app); null for older rows. */
  kind: string | null;
  expiry_warned_at: number | null;
  /** The one asset a Page access token reaches; null for tokens not limited to an asset. */
  asset_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The token a Page access token was minted from; it ends with it. */
  parent_token_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One row: the last change sequence number; updating it serializes writers so seq order is commit order. */
export interface AccessSeqTable {
  id: number;
  seq: number;
}

/** Per ad account: moves with every write to its campaigns, ad sets, ads and creatives. */
export interface AdObjectVersionsTable {
  account_id: string;
  version: number;
}

export interface AccessChangesTable {
  seq: number;
  /** member | system_user | asset | share | assignment | grant | business */
  kind: string;
  entity_id: string;
  at: number;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditEntriesTable {
  seq: number;
  at: number;
  request_id: string;
  actor_type: string;
  actor_id: string | null;
  app_id: string | null;
  business_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  /** success | denied | invalid */
  outcome: string;
  reason: string | null;
  prev_hash: string;
  hash: string;
}

/** Marketing API objects live under an ad account (`account_id` is the ad account's asset id). */
export interface CampaignsTable {
  id: string;
  account_id: string;
  name: string;
  /** OUTCOME_SALES, OUTCOME_TRAFFIC, … */
  objective: string;
  /** ACTIVE | PAUSED | ARCHIVED | DELETED (Meta's configured status). */
  status: string;
  /** JSON array of Meta's special ad categories; [] when none. */
  special_ad_categories: string;
  bid_strategy: string | null;
  /** Minor currency units. A campaign budget means Advantage campaign budget (CBO). */
  daily_budget: number | null;
  lifetime_budget: number | null;
  spend_cap: number | null;
  start_time: number | null;
  stop_time: number | null;
  created_at: number;
  updated_at: number;
}

export interface AdSetsTable {
  id: string;
  account_id: string;
  campaign_id: string;
  name: string;
  status: string;
  optimization_goal: string;
  billing_event: string;
  bid_strategy: string | null;
  /** Minor currency units. */
  bid_amount: number | null;
  /** JSON object, e.g. {"roas_average_floor": 20000}. */
  bid_constraints: string | null;
  daily_budget: number | null;
  lifetime_budget: number | null;
  start_time: number | null;
  end_time: number | null;
  /** JSON object (Meta's targeting spec), stored as given. */
  targeting: string | null;
  /** JSON object (Meta's promoted_object), e.g. {"pixel_id": "…", "custom_event_type": "PURCHASE"}. */
  promoted_object: string | null;
  created_at: number;
  updated_at: number;
}

export interface AdCreativesTable {
  id: string;
  account_id: string;
  name: string;
  /** ACTIVE | DELETED */
  status: string;
  title: string | null;
  body: string | null;
  /** The destination: `link_url`, or `object_story_spec.link_data.link` when a story spec is given. */
  link_url: string | null;
  image_url: string | null;
  image_hash: string | null;
  call_to_action_type: string | null;
  /** JSON object (Meta's object_story_spec), stored as given. */
  object_story_spec: string | null;
  url_tags: string | null;
  created_at: number;
  updated_at: number;
}

/** An uploaded ad image (`act_<id>/adimages`), keyed by account and hash. */
export interface AdImagesTable {
  /** `<account id>:<hash>`, Meta's AdImage id. */
  id: string;
  account_id: string;
  /** MD5 of the bytes, lowercase hex, as Meta's image hash. */
  hash: string;
  name: string;
  content_type: string;
  width: number;
  height: number;
  byte_size: number;
  data: Buffer;
  /** ACTIVE | DELETED */
  status: string;
  created_at: number;
  updated_at: number;
}

/** An ad label of an ad account (Meta's AdLabel). */
export interface AdLabelsTable {
  id: string;
  account_id: string;
  /** Unique within the account. */
  name: string;
  created_at: number;
  updated_at: number;
}

/** A campaign, ad set or ad carrying an ad label. */
export interface AdObjectLabelsTable {
  object_id: string;
  label_id: string;
  account_id: string;
  /** campaign | adset | ad */
  object_type: string;
  created_at: number;
}

export interface AdsTable {
  id: string;
  account_id: string;
  campaign_id: string;
  adset_id: string;
  creative_id: string;
  name: string;
  status: string;
  /** APPROVED | PENDING_REVIEW | DISAPPROVED | WITH_ISSUES, set by ad review (the simulator). */
  review_status: string;
  review_feedback: string | null;
  created_at: number;
  updated_at: number;
}

/** Delivery of one ad on one day (the ad account's calendar day); money in minor currency units. */
/** An ad's delivery in one hour (0–23) of the account's day; same measures as a daily row. */
export interface AdInsightsHourlyTable extends AdInsightsDailyTable {
  hour: number;
}

export interface AdInsightsDailyTable {
  ad_id: string;
  /** YYYY-MM-DD */
  date: string;
  adset_id: string;
  campaign_id: string;
  account_id: string;
  impressions: number;
  reach: number;
  clicks: number;
  link_clicks: number;
  spend: number;
  /** Purchases. */
  conversions: number;
  /** Purchase value. */
  revenue: number;
  updated_at: number;
}

/** One row per accepted ad set budget change, for Meta's limit of 4 per ad set per hour. */
export interface BudgetChangesTable {
  id: string;
  adset_id: string;
  at: number;
}

export interface PartnerGuardrailsTable {
  asset_id: string;
  partner_business_id: string;
  max_daily_budget: number | null;
  max_increase_percent: number | null;
  max_daily_increase_percent: number | null;
  /** "HH-HH" in the ad account's time zone. */
  allowed_hours: string | null;
  approval_above: number | null;
  max_increase_amount: number | null;
  max_daily_increase_amount: number | null;
  max_daily_new_spend: number | null;
  /** "1,2,3,4,5": days of the week (0 Sunday … 6 Saturday) in the ad account's time zone. */
  allowed_days: string | null;
  /** "120…,120…": ids of the campaigns, ad sets and ads the partner may not touch. */
  protected_objects: string | null;
  /** "120…,120…": ids of the ad labels whose objects the partner may not touch. */
  protected_labels: string | null;
  created_at: number;
  updated_at: number;
}

export interface BudgetHistoryTable {
  id: string;
  /**
   * The change's place in its object's chain (1, 2, …). Writes to one object are serialized by its
   * row lock, so this, not `at` or the random id, is the order the changes happened in.
   */
  seq: number;
  /** A campaign or ad set. */
  object_id: string;
  account_id: string;
  at: number;
  /** The budget amount (daily or lifetime, minor units) before and after; null before creation. */
  before_amount: number | null;
  after_amount: number | null;
}

/** Daily spend a partner's principals added to an ad account (a budget raise, a new object's budget), for max_daily_new_spend. */
export interface PartnerNewSpendTable {
  id: string;
  account_id: string;
  partner_business_id: string;
  /** The campaign or ad set whose budget was set or raised. */
  object_id: string;
  at: number;
  /** Minor units per day (a lifetime budget per day of its schedule). */
  amount: number;
}

export interface PendingChangesTable {
  id: string;
  account_id: string;
  partner_business_id: string;
  object_type: string;
  object_id: string;
  /** The write's parameters as JSON, applied as they are on approval. */
  params: string;
  /** Why it is held, in words. */
  reason: string;
  requested_by: string;
  requested_at: number;
  expires_at: number;
  /** pending, approved, rejected or expired. */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
}

export interface BusinessInvitationsTable {
  id: string;
  business_id: string;
  email: string;
  role: string;
  /** pending | accepted | cancelled | expired */
  status: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  /** SHA-256 of the link's one-time token; null once the invitation is no longer pending, or before its first mail. */
  token_hash: string | null;
  /** When the last invitation mail was written. */
  sent_at: number | null;
}

export interface InsightsReportRunsTable {
  id: string;
  account_id: string;
  principal_id: string;
  query_json: string;
  /** "Job Completed" or "Job Failed", Meta's async_status values. */
  status: string;
  rows_json: string | null;
  created_at: number;
  completed_at: number | null;
}

/** An app's webhook callback for one object type (only `ad_account` so far); `fields` is a JSON array. */
export interface WebhookConfigsTable {
  app_id: string;
  object: string;
  callback_url: string;
  fields: string;
  created_at: number;
  updated_at: number;
}

/** The app's webhook signing secret, sealed with the instance's secret key (AES-256-GCM). */
export interface WebhookSecretsTable {
  app_id: string;
  sealed_secret: string;
  created_at: number;
}

/** An app subscribed to an ad account (`POST /act_<id>/subscribed_apps`); `subscribed_by` is the principal, null for the operator. */
export interface WebhookSubscriptionsTable {
  object_id: string;
  app_id: string;
  subscribed_by: string | null;
  created_at: number;
}

/** An app subscribed to a business's events (`POST /{business_id}/subscribed_apps`). */
export interface BusinessWebhookSubscriptionsTable {
  business_id: string;
  app_id: string;
  subscribed_by: string | null;
  created_at: number;
}

/** The outbox: one row per event and app, with the exact body sent on every attempt. */
export interface WebhookDeliveriesTable {
  id: string;
  app_id: string;
  object: string;
  object_id: string;
  field: string;
  payload: string;
  /** pending | delivering | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** While delivering: when another worker may take the row over (the sender is presumed dead). */
  lease_until: number | null;
  last_attempt_at: number | null;
  last_http_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

export interface SimulationRunsTable {
  id: number;
  seed: number;
  /** Calendar day of simulated day 0, YYYY-MM-DD. */
  start_date: string;
  /** Index of the next day to simulate. */
  next_day: number;
  /** Market state keyed by hub ids (learning, spend, frequency), JSON. */
  state_json: string;
  /** The last days' deliveries, whose late conversions are still being reported, JSON. */
  recent_json: string;
  updated_at: number;
}

/**
 * The hub's tables. The migrations also create Autopilot's tables in every store; those are typed in
 * Autopilot's own schema (src/autopilot/store/schema.ts), and only Autopilot queries them.
 */
export interface Database {
  people: PeopleTable;
  businesses: BusinessesTable;
  business_members: BusinessMembersTable;
  system_users: SystemUsersTable;
  assets: AssetsTable;
  ad_accounts: AdAccountsTable;
  partner_shares: PartnerSharesTable;
  assignments: AssignmentsTable;
  apps: AppsTable;
  app_grants: AppGrantsTable;
  app_grant_assets: AppGrantAssetsTable;
  app_grant_businesses: AppGrantBusinessesTable;
  business_webhook_subscriptions: BusinessWebhookSubscriptionsTable;
  access_tokens: AccessTokensTable;
  access_seq: AccessSeqTable;
  access_changes: AccessChangesTable;
  ad_object_versions: AdObjectVersionsTable;
  audit_head: AuditHeadTable;
  audit_entries: AuditEntriesTable;
  business_invitations: BusinessInvitationsTable;
  insights_report_runs: InsightsReportRunsTable;
  simulation_runs: SimulationRunsTable;
  campaigns: CampaignsTable;
  ad_sets: AdSetsTable;
  ad_creatives: AdCreativesTable;
  ad_images: AdImagesTable;
  ad_labels: AdLabelsTable;
  ad_object_labels: AdObjectLabelsTable;
  ads: AdsTable;
  ad_insights_daily: AdInsightsDailyTable;
  ad_insights_hourly: AdInsightsHourlyTable;
  budget_changes: BudgetChangesTable;
  partner_guardrails: PartnerGuardrailsTable;
  budget_history: BudgetHistoryTable;
  partner_new_spend: PartnerNewSpendTable;
  pending_changes: PendingChangesTable;
  webhook_configs: WebhookConfigsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  review_campaigns: ReviewCampaignsTable;
  review_items: ReviewItemsTable;
  graph_review_targets: GraphReviewTargetsTable;
  person_credentials: PersonCredentialsTable;
  auth_sessions: AuthSessionsTable;
  login_failures: LoginFailuresTable;
  password_resets: PasswordResetsTable;
  oidc_payloads: OidcPayloadsTable;
  oauth_keys: OAuthKeysTable;
  notification_channels: NotificationChannelsTable;
  notification_alerts: NotificationAlertsTable;
  notification_dedup: NotificationDedupTable;
  notification_deliveries: NotificationDeliveriesTable;
  security_alert_cursor: SecurityAlertCursorTable;
  security_alert_denials: SecurityAlertDenialsTable;
  usage_rollup: UsageRollupTable;
  principal_activity: PrincipalActivityTable;
}

export interface ReviewCampaignsTable {
  id: string;
  business_id: string;
  name: string;
  /** open | closed */
  status: string;
  created_by: string;
  created_at: number;
  due_at: number;
  /** What closing does to items nobody decided: skip | revoke */
  close_policy: string;
  closed_at: number | null;
  closed_by: string | null;
  /** 'quarterly' for campaigns the scheduler started; null for ones started by hand. */
  schedule: string | null;
  /** The scheduled slot this campaign fills (unique per business); null for ones started by hand. */
  schedule_key: string | null;
  /** When the last reminder of open items went out. */
  reminded_at: number | null;
  /** For a campaign over a business read through a Graph API: the `graph_review_targets` row; null for the hub's own. */
  graph_target_id: string | null;
}

/** A business read through a Graph API, held by a business of this hub whose admins review it. */
export interface GraphReviewTargetsTable {
  id: string;
  /** The business of this hub holding it. */
  business_id: string;
  /** The Graph API's base URL, with any version prefix, as given. */
  graph_url: string;
  graph_business_id: string;
  /** The name the Graph gave, once read. */
  graph_business_name: string | null;
  /** The business's access token, sealed (`SecretBox`, context `graph_review_token:<id>`). */
  token_sealed: string;
  created_by: string;
  created_at: number;
}

export interface ReviewItemsTable {
  id: string;
  campaign_id: string;
  /** Order of the snapshot, so lists and exports are stable. */
  seq: number;
  /** owner_assignment | partner_share | app_grant */
  kind: string;
  principal_id: string;
  principal_type: string;
  principal_name: string;
  asset_id: string;
  asset_type: string;
  asset_name: string;
  path: string;
  /** Tasks (or app scopes) the grant gave when the campaign started, JSON. */
  tasks: string;
  /** The assignment, share or app grant id. */
  grant_ref: string;
  /** The business that made the assignment (owner assignments only). */
  grant_business_id: string | null;
  /** Findings about this grant at the start, with their fixes, JSON. */
  advice_json: string;
  group_partner: string | null;
  group_partner_name: string | null;
  group_asset: string;
  group_person: string | null;
  /** open | certified | downgraded | revoked | skipped | already_removed */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
  /** Tasks left after a downgrade, JSON. */
  result_tasks: string | null;
  /**
   * For an item closed as `already_removed`: the audit entry of the removal made outside the
   * campaign, JSON `{audit_entry_id, time, actor_type, actor_id, action}` (null fields when the log
   * has no such entry).
   */
  removal_json: string | null;
  /**
   * For an item of a Graph-sourced campaign downgraded or revoked through the Graph: the change's
   * confirmation and removal check, JSON `{action, summary, confirmed, removal_check}`.
   */
  graph_check_json: string | null;
}

export interface PersonCredentialsTable {
  person_id: string;
  /** scrypt$N$r$p$salt$hash */
  password_hash: string | null;
  password_changed_at: number | null;
  totp_sealed: string | null;
  /** A TOTP secret being enrolled, until its first code is confirmed. */
  totp_pending_sealed: string | null;
  totp_enabled: Generated<number>;
  /** The last 30-second step a code was accepted for; a code is never accepted twice. */
  totp_last_step: number | null;
  updated_at: number;
}

export interface AuthSessionsTable {
  id: string;
  token_hash: string;
  person_id: string;
  /** The console's Graph token of this session, revoked with it. */
  access_token_id: string | null;
  /** 1 while a business requires 2FA and the person has not enrolled yet. */
  two_factor_setup_required: Generated<number>;
  ip: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface LoginFailuresTable {
  id: string;
  /** account:<email> or ip:<address> */
  key: string;
  at: number;
}

export interface PasswordResetsTable {
  id: string;
  token_hash: string;
  person_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface OAuthKeysTable {
  id: number;
  sealed_jwks: string;
  created_at: number;
}
/** A business's notification channel; secrets (webhook URLs, tokens) only sealed. */
export interface NotificationChannelsTable {
  id: string;
  business_id: string;
  /** slack | email | whatsapp | webhook */
  kind: string;
  name: string;
  config_json: string;
  sealed_secret: string | null;
  secret_hint: string | null;
  /** info | warning | critical: alerts below it are not sent here. */
  min_severity: string;
  quiet_start: number | null;
  quiet_end: number | null;
  time_zone: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface NotificationAlertsTable {
  id: string;
  business_id: string;
  /** hub (security alerts) | autopilot | test */
  source: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  fields_json: string;
  link: string | null;
  dedup_key: string;
  evidence_json: string;
  created_at: number;
}

export interface NotificationDedupTable {
  business_id: string;
  dedup_key: string;
  alert_id: string;
  window_started_at: number;
  suppressed: number;
  last_seen_at: number;
}

export interface NotificationDeliveriesTable {
  id: string;
  channel_id: string;
  business_id: string;
  alert_id: string | null;
  /** pending | held | delivering | delivered | failed | digested */
  status: string;
  held_reason: string | null;
  digest_id: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_attempt_at: number | null;
  last_http_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

export interface SecurityAlertCursorTable {
  id: number;
  last_seq: number;
  updated_at: number;
}

export interface SecurityAlertDenialsTable {
  seq: number;
  actor_id: string;
  business_id: string | null;
  at: number;
}

/** Use of an asset by a principal: one row per catalogue action and path (direct, share:<id>, app_grant:<id>, app:<id>, none, history). */
export interface UsageRollupTable {
  principal_id: string;
  asset_id: string;
  action: string;
  via: string;
  first_at: number;
  last_at: number;
  count: number;
}

/** The latest audited activity of a person or system user. */
export interface PrincipalActivityTable {
  principal_id: string;
  last_at: number;
}
