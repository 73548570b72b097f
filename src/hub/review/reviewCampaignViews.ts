import type { Finding } from "./findings.ts";
import type { CampaignSource, GraphFixCheck } from "./graphCampaign.ts";
import type { AuditAction } from "../audit/auditActions.ts";

/** A review campaign as shown in Graph answers and in the CSV and PDF evidence. */
export interface ReviewCampaignView extends CampaignSource {
  id: string;
  business_id: string;
  name: string;
  status: string;
  close_policy: string;
  schedule: string | null;
  created_by: string;
  created_at: string | null;
  due_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
  items: number;
}

/** One item of a review campaign, as shown in Graph answers and in the evidence. */
export interface ReviewItemView {
  id: string;
  kind: string;
  principal: { id: string; name: string; type: string };
  asset: { id: string; name: string; type: string };
  path: string;
  tasks: string[];
  grant_id: string;
  groups: { partner: string | null; partner_name: string | null; asset: string; person: string | null };
  advice: Pick<Finding, "kind" | "fix">[];
  status: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  result_tasks: string[] | null;
  /** An open item's grant as it is now, when it still exists (narrowed outside the campaign when it differs from `tasks`). */
  current_tasks: string[] | null;
  /** For an item closed as `already_removed`: the audit entry of the removal made outside the campaign. */
  removal: ReviewItemRemoval | null;
  /** For an item of a Graph-sourced campaign downgraded or revoked through the Graph: the read-back confirmation and removal check. */
  graph_check: GraphFixCheck | null;
}

/** The audit entry of a removal made outside a campaign; all null when the log holds none since the campaign started. */
export interface ReviewItemRemoval {
  audit_entry_id: string | null;
  time: string | null;
  action: AuditAction | null;
  actor: { type: string; id: string | null; name: string | null } | null;
}
