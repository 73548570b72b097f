import { describeGrant } from "../catalogue/permissionLevels.ts";
import { isAssetType } from "../catalogue/assetTypes.ts";
import type { ReviewProgress } from "./reviewSnapshot.ts";
import type { AccessReviewReport, FindingFix } from "./findings.ts";
import type { ReviewItemRow } from "./reviewCampaign.repository.ts";

/**
 * Review campaigns over a business read through a Graph API (Meta's, or another hub's) with the
 * business's own token. The hub keeps the campaign; reading the business and changing its grants
 * go through a `GraphReviewSource`, which the Graph layer provides (the hub does not call URLs).
 */

/** The business reviewed through a Graph API, with its token opened for one use. */
export interface GraphTarget {
  graphUrl: string;
  businessId: string;
  token: string;
}

/** A grant as the Graph showed it, ready to become a campaign item. */
export interface GraphGrant {
  /** `<asset>:<principal>` or `<asset>:<partner>`: the ids the Graph-sourced findings' fixes name. */
  id: string;
  asset: { id: string; type: string; name: string };
  principal: { id: string; type: string; name: string };
  tasks: string[];
}

/** What a Graph-sourced review read: its findings, and the grants on the business's own assets. */
export interface GraphReading {
  businessName: string;
  report: AccessReviewReport & { graph_calls: number; not_reviewed: { what: string; why: string }[] };
  /** The business's own people and system users assigned to its own assets. */
  assignments: GraphGrant[];
  /** Partners sharing its own assets (the principal is the partner business). */
  shares: GraphGrant[];
}

/** A change made through the Graph, confirmed by reading it back, with the removal check. */
export interface GraphFixCheck {
  action: string;
  summary: string;
  confirmed: boolean;
  removal_check: { verified: boolean; remaining: string[] };
}

/** Reads a business and changes its grants through a Graph API; throws GrantlineErrors. */
export interface GraphReviewSource {
  /** The business's name; refuses a token or business the Graph will not read. */
  businessName(target: GraphTarget): Promise<string>;
  read(target: GraphTarget, options?: { windowDays?: number; now?: number; onProgress?: (progress: ReviewProgress) => void }): Promise<GraphReading>;
  apply(target: GraphTarget, fix: FindingFix): Promise<GraphFixCheck>;
}

/** Where a campaign's grants were read: in the views, the evidence and the Graph answers. */
export interface CampaignSource {
  source: "hub" | "graph";
  /** For `graph`: the Graph API and the business read through it (never its token). */
  graph: { target_id: string; url: string; business_id: string; business_name: string | null } | null;
}

/** The sealing context of a target's token, so a sealed token copied onto another row does not open. */
export const tokenContext = (targetId: string) => `graph_review_token:${targetId}`;

type ItemBase = Omit<ReviewItemRow, "id" | "seq" | "advice_json">;

/** Campaign items (without ids and advice) for the grants a Graph-sourced review read, as for the hub's own assets. */
export function graphItems(campaignId: string, reading: GraphReading): (ItemBase & { kind: "owner_assignment" | "partner_share" })[] {
  const base = { campaign_id: campaignId, status: "open", decided_by: null, decided_at: null, reason: null, result_tasks: null, removal_json: null, graph_check_json: null };
  const describe = (g: GraphGrant) => (isAssetType(g.asset.type) ? describeGrant(g.asset.type, g.tasks) : g.tasks.join(", "));
  const assignments = reading.assignments.map((g) => ({
    ...base,
    kind: "owner_assignment" as const,
    principal_id: g.principal.id,
    principal_type: g.principal.type,
    principal_name: g.principal.name,
    asset_id: g.asset.id,
    asset_type: g.asset.type,
    asset_name: g.asset.name,
    path: `${g.principal.name} was assigned ${describe(g)} on ${g.asset.name} by ${reading.businessName}`,
    tasks: JSON.stringify(g.tasks),
    grant_ref: g.id,
    grant_business_id: reading.report.business_id,
    group_partner: null,
    group_partner_name: null,
    group_asset: g.asset.id,
    group_person: g.principal.id,
  }));
  const shares = reading.shares.map((g) => ({
    ...base,
    kind: "partner_share" as const,
    principal_id: g.principal.id,
    principal_type: "business",
    principal_name: g.principal.name,
    asset_id: g.asset.id,
    asset_type: g.asset.type,
    asset_name: g.asset.name,
    path: `${reading.businessName} shared ${g.asset.name} with ${g.principal.name} (${describe(g)})`,
    tasks: JSON.stringify(g.tasks),
    grant_ref: g.id,
    grant_business_id: null,
    group_partner: g.principal.id,
    group_partner_name: g.principal.name,
    group_asset: g.asset.id,
    group_person: null,
  }));
  return [...assignments, ...shares];
}

/**
 * The Graph fix that carries out a revoke (tasks `[]`) or a downgrade (the tasks to keep) of an
 * item: the same fixes a Graph-sourced finding offers, applied by `applyFixThroughGraph`.
 */
export function fixForDecision(item: Pick<ReviewItemRow, "kind" | "asset_id" | "principal_id" | "principal_name" | "asset_name" | "grant_ref" | "grant_business_id">, tasks: string[]): FindingFix {
  const share = item.kind === "partner_share";
  if (tasks.length === 0) {
    return share
      ? { action: "revoke_share", description: `End ${item.principal_name}'s access to ${item.asset_name}.`, params: { share_id: item.grant_ref, asset_id: item.asset_id, partner_business_id: item.principal_id } }
      : {
          action: "remove_assignment",
          description: `Remove ${item.principal_name}'s assignment to ${item.asset_name}.`,
          params: { assignment_id: item.grant_ref, asset_id: item.asset_id, principal_id: item.principal_id, business_id: item.grant_business_id },
        };
  }
  const params = share ? { share_id: item.grant_ref, asset_id: item.asset_id, partner_business_id: item.principal_id, tasks } : { assignment_id: item.grant_ref, asset_id: item.asset_id, principal_id: item.principal_id, tasks };
  return { action: "downgrade", description: `Narrow ${item.principal_name}'s access to ${item.asset_name} to ${tasks.join(", ")}.`, params };
}

/** A Graph check in words, for the evidence: confirmed or not, and what the removal check found. */
export function describeGraphCheck(check: GraphFixCheck): string {
  const confirmed = check.confirmed ? "confirmed by reading the Graph back" : "NOT confirmed by reading the Graph back";
  const removal = check.removal_check.verified ? "removal check passed" : `removal check FAILED: ${check.removal_check.remaining.join("; ")}`;
  return `${confirmed}; ${removal}`;
}
