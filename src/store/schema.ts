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
}

export interface AppGrantsTable {
  id: string;
  app_id: string;
  principal_id: string;
  principal_type: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AppGrantAssetsTable {
  grant_id: string;
  asset_id: string;
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
}

/** One row: the last change sequence number; updating it serializes writers so seq order is commit order. */
export interface AccessSeqTable {
  id: number;
  seq: number;
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
  access_tokens: AccessTokensTable;
  access_seq: AccessSeqTable;
  access_changes: AccessChangesTable;
  audit_head: AuditHeadTable;
  audit_entries: AuditEntriesTable;
}
