import type { Finding } from "./findings.ts";

/** A review campaign as shown in Graph answers and in the CSV and PDF evidence. */
export interface CampaignView {
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
export interface ItemView {
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
}
