import PDFDocument from "pdfkit";
import type { AuditVerification } from "../audit/audit.service.ts";
import type { ReviewCampaignView, ReviewItemView } from "./reviewCampaignViews.ts";
import { describeGraphCheck } from "./graphCampaign.ts";

/** Evidence for auditors: a campaign's items and decisions, with the audit chain's verification result. */

export const CSV_COLUMNS = [
  "item_id",
  "kind",
  "partner",
  "asset_group",
  "person",
  "principal_id",
  "principal",
  "asset_id",
  "asset",
  "path",
  "tasks",
  "decision",
  "result_tasks",
  "reviewer",
  "decided_at",
  "reason",
  "current_tasks",
  "removal_audit_entry",
  "removal_action",
  "graph_check",
] as const;

/** Where the campaign's grants were read: the hub's own store, or a Graph API and the business read through it. */
export function describeSource(campaign: ReviewCampaignView): string {
  const graph = campaign.graph;
  if (!graph) return "source: hub";
  return `source: graph ${graph.url} business ${graph.business_id}${graph.business_name ? ` (${graph.business_name.replace(/[\r\n]+/g, " ")})` : ""}`;
}

export function describeVerification(v: AuditVerification): string {
  return v.ok ? `audit chain intact: ${v.entries} entries verified` : `audit chain BROKEN at entry ${v.brokenAt ?? "?"}: ${v.problem ?? "unknown problem"}`;
}

function csvCell(value: string | null | undefined): string {
  const text = value ?? "";
  // A leading formula character would run as a formula in spreadsheet apps.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function rowOf(item: ReviewItemView): string[] {
  return [
    item.id,
    item.kind,
    item.groups.partner_name ?? "",
    item.groups.asset,
    item.groups.person ?? "",
    item.principal.id,
    item.principal.name,
    item.asset.id,
    item.asset.name,
    item.path,
    item.tasks.join(" "),
    item.status,
    item.result_tasks?.join(" ") ?? "",
    item.decided_by ?? "",
    item.decided_at ?? "",
    item.reason ?? "",
    item.current_tasks?.join(" ") ?? "",
    item.removal?.audit_entry_id ?? "",
    item.removal?.action ?? "",
    item.graph_check ? describeGraphCheck(item.graph_check) : "",
  ];
}

/** One row per item; comment lines first name the campaign and the chain verification. */
export function renderCsv(campaign: ReviewCampaignView, items: ReviewItemView[], verification: AuditVerification): string {
  const lines = [
    `# campaign: ${campaign.id} ${campaign.name.replace(/[\r\n]+/g, " ")} (${campaign.status}, close policy ${campaign.close_policy}; ${describeSource(campaign)})`,
    `# ${describeVerification(verification)}`,
    CSV_COLUMNS.join(","),
    ...items.map((item) => rowOf(item).map(csvCell).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

function countBy(items: ReviewItemView[]): Record<string, number> {
  const counts: Record<string, number> = { open: 0, certified: 0, downgraded: 0, revoked: 0, skipped: 0, already_removed: 0 };
  for (const item of items) counts[item.status] = (counts[item.status] ?? 0) + 1;
  return counts;
}

/** A PDF report: summary, chain verification, then every item with its decision. */
export async function renderPdf(
  campaign: ReviewCampaignView,
  items: ReviewItemView[],
  verification: AuditVerification,
  options: { compress?: boolean; generatedAt: number },
): Promise<Buffer> {
  const doc = new PDFDocument({ size: "A4", margin: 48, compress: options.compress ?? true, info: { Title: `Access review: ${campaign.name}` } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  doc.font("Helvetica-Bold").fontSize(16).text(`Access review: ${campaign.name}`);
  doc.moveDown(0.5).font("Helvetica").fontSize(10);
  doc.text(`Campaign ${campaign.id} of business ${campaign.business_id}`);
  doc.text(describeSource(campaign).replace(/^source: /, "Source: "));
  doc.text(`Started ${campaign.created_at ?? "-"} by ${campaign.created_by}; due ${campaign.due_at ?? "-"}`);
  doc.text(`Status ${campaign.status}${campaign.closed_at ? `, closed ${campaign.closed_at} by ${campaign.closed_by ?? "-"}` : ""}; close policy ${campaign.close_policy}`);
  doc.text(`Generated ${new Date(options.generatedAt).toISOString()}`);

  doc.moveDown().font("Helvetica-Bold").fontSize(12).text("Summary");
  doc.font("Helvetica").fontSize(10);
  const counts = countBy(items);
  doc.text(`${items.length} items: ${Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(", ")}`);
  doc.text(`Audit log: ${describeVerification(verification)}`);

  doc.moveDown().font("Helvetica-Bold").fontSize(12).text("Items");
  for (const item of items) {
    doc.moveDown(0.4).font("Helvetica-Bold").fontSize(10).text(`${item.principal.name} on ${item.asset.name} [${item.kind}]: ${item.status}`);
    doc.font("Helvetica").fontSize(9).text(item.path);
    const now = item.result_tasks ?? item.current_tasks;
    if (item.tasks.length > 0) doc.text(`Granted: ${item.tasks.join(", ")}${now ? `; now: ${now.join(", ") || "nothing"}` : ""}`);
    if (item.status === "already_removed") doc.text(item.reason ?? "Already removed outside the campaign.");
    else if (item.decided_by) doc.text(`Decided by ${item.decided_by} at ${item.decided_at ?? "-"}: ${item.reason ?? ""}`);
    if (item.graph_check) doc.text(`Through the Graph: ${item.graph_check.summary} ${describeGraphCheck(item.graph_check)}.`);
    // `presentItem` gives each fix once, however many findings advised it.
    for (const advice of item.advice) doc.text(`Advice (${advice.kind}): ${advice.fix.description}`);
  }
  doc.end();
  return done;
}
