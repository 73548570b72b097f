import type { AssetType } from "../catalogue/assetTypes.ts";
import type { PooledUseRow } from "./accessReview.repository.ts";
import type { FindingKind } from "./findings.ts";

/**
 * What the access review judges: a snapshot of a business that says nothing of where it was read,
 * the hub's own store (`AccessReviewService`) or the Graph API of any business reachable with its
 * token (`src/graph/client/graphReview.ts`), Meta's included. What a source could not tell is `null`
 * in the snapshot, and the rules then judge on what is known and say so in the finding
 * (`ReviewSnapshot.undetermined`).
 */

export interface SnapshotAsset {
  id: string;
  name: string;
  type: AssetType;
}

export interface SnapshotAssignment {
  id: string;
  asset_id: string;
  principal_id: string;
  /** JSON list of task names (as the store keeps them; parsed once per distinct list). */
  tasks: string;
  /** When it was given; null when the source does not tell (Meta's AssignedUser has no time). */
  created_at: number | null;
}

export interface SnapshotShare {
  id: string;
  asset_id: string;
  partner_business_id: string;
  partner_name: string;
  /** JSON list of task names. */
  tasks: string;
  ends_at: number | null;
  /** When its tasks were last set; null when the source does not tell. */
  updated_at: number | null;
}

/** One of a partner's people or system users let in by a share, with the tasks the path gives. */
export interface ShareReach {
  principalId: string;
  tasks: readonly string[];
  via: string;
  /**
   * The partner's assignment that lets the principal in, when the source can name it (the hub's
   * store can; the Graph cannot): the owner can then remove that one assignment and keep the share.
   */
  assignmentId?: string;
}

export interface SnapshotMember {
  id: string;
  name: string;
  role: string;
  /** When they joined; null when the source does not tell. */
  created_at: number | null;
  /** 1 enrolled, 0 or null not enrolled; undefined when the source does not tell. */
  totp_enabled: number | null | undefined;
}

export interface SnapshotToken {
  id: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SnapshotSystemUser {
  id: string;
  name: string;
  role: string;
  created_at: number | null;
  /** Live tokens; null when the source cannot list them (the Graph cannot). */
  tokens: SnapshotToken[] | null;
}

export interface SnapshotAppGrant {
  grant_id: string;
  app_id: string;
  app_name: string;
  app_business_id: string;
  app_business_name: string;
  verification_status: string;
  principal_id: string;
  /** JSON list of scopes. */
  scopes: string;
  created_at: number;
  asset_id: string;
}

/** What a source could not tell, per finding kind, in plain words; findings of that kind carry it. */
export type Undetermined = Partial<Record<FindingKind, readonly string[]>>;

export interface ReviewSnapshot {
  /** `twoFactorRequired`: of everyone, of admins only (Meta's `admin_required`), or not at all. */
  business: { id: string; name: string; twoFactorRequired: boolean | "admins" };
  now: number;
  windowDays: number;
  assets: ReadonlyMap<string, SnapshotAsset>;
  assignments: readonly SnapshotAssignment[];
  shares: readonly SnapshotShare[];
  /** Who each share lets in, by share id. */
  reach: ReadonlyMap<string, readonly ShareReach[]>;
  members: readonly SnapshotMember[];
  systemUsers: readonly SnapshotSystemUser[];
  appGrants: readonly SnapshotAppGrant[];
  /** Use in the window: one row per principal and asset, actions as `ACTION_BITS`. */
  uses: readonly PooledUseRow[];
  /** Latest activity in the window of each person and system user of the business. */
  activity: ReadonlyMap<string, number>;
  /** A principal's name and type for findings. */
  principal(id: string): { name: string; type: string };
  /** How an assignment reaches its asset, in plain words, when the source can say better than the default. */
  assignmentPath?(assignment: SnapshotAssignment, principalName: string, asset: SnapshotAsset): string | undefined;
  /** Where the evidence was read ("graph"); absent for the hub's own store, whose findings keep their original shape. */
  source?: string;
  undetermined?: Undetermined;
}

/** A per-review cache of what depends only on an asset type and a mask (task lists, level names). */
export function byTypeAndMask<T>(compute: (type: AssetType, mask: number) => T): (type: AssetType, mask: number) => T {
  const cache = new Map<AssetType, Map<number, T>>();
  return (type, mask) => {
    let forType = cache.get(type);
    if (!forType) cache.set(type, (forType = new Map()));
    let value = forType.get(mask);
    if (value === undefined) forType.set(mask, (value = compute(type, mask)));
    return value;
  };
}

export function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

/** How far a review is: items judged of the total, and what it is looking at now. */
export interface ReviewProgress {
  done: number;
  total: number;
  phase: string;
}
