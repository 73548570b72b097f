/**
 * The shapes the console reads from the hub's Graph surface, as types only (nothing here reaches the
 * bundle). Autopilot's shapes are the server's own, in src/autopilot/app/views.ts.
 */

export interface GraphErrorBody {
  message: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_user_msg?: string;
  fbtrace_id?: string;
}

export interface GraphList<T> {
  data: T[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

export type AssetType = "ad_account" | "page" | "pixel" | "instagram_account" | "product_catalog" | "creative_hub_project";

export interface Person {
  id: string;
  name: string;
  email?: string;
}

export interface MyBusiness {
  id: string;
  name: string;
  role: string;
}

export interface Business {
  id: string;
  name: string;
  verification_status?: string;
  two_factor_type?: string;
  created_time?: string;
}

export interface Asset {
  id: string;
  name: string;
  account_id?: string;
  permitted_tasks?: string[];
}

export interface Share {
  id: string;
  asset: { id: string; asset_id: string; type: AssetType; name: string };
  owner: { id: string; name: string };
  partner: { id: string; name: string };
  status: "ACTIVE" | "PENDING";
  initiated_by: "OWNER" | "PARTNER";
  direction: "INCOMING" | "OUTGOING";
  permitted_tasks: string[];
  access_level: string;
  expiration_time?: string;
  end_time?: string;
}

export interface PermissionLevel {
  level: string;
  label: string;
  description: string;
  tasks: string[];
}

export interface Capability {
  action: string;
  label: string;
  allowed: boolean;
  reason: string;
  fix: string | null;
}

export interface RemovalVerification {
  removed: { kind: string; id: string; name: string; from: string | null };
  verified: boolean;
  checked_assets: number;
  remaining: { kind: string; asset: { id: string; name: string } | null; principal: { id: string; name: string } | null; path: string }[];
  summary: string;
}

