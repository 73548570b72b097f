import { errors } from "../../../errors.ts";
import { adAccountGraphId } from "../../../graphIds.ts";
import { latestCompletedScan, type ConnectionRow, type WorkspaceRow } from "../../store/autopilot.repository.ts";
import type { AutopilotDeps } from "../context.ts";
import type { ScannedObjects } from "../scan.service.ts";
import { buildSnapshot } from "../snapshot.ts";
import type { WorkspaceService } from "../workspace.service.ts";
import { auditAccount, type AuditFinding, type AuditInput } from "./auditRules.ts";

/** One account's audit, as `grantline autopilot audit --json` prints it (one line per account). */
export interface AccountAudit {
  workspace: string;
  ad_account_id: string;
  /** The scan the audit read, and the last day it covers. */
  scan_id: string;
  as_of: string;
  findings: AuditFinding[];
  /** What the audit could not judge, and why (e.g. pixels the token cannot read). */
  notes: string[];
}

/** The account audit over each connected account's latest completed scan; it reads nothing new from the Graph. */
export class AuditService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async auditWorkspace(workspaceIdOrName: string): Promise<AccountAudit[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const connections = (await this.workspaces.connections(workspace.id)).filter((c) => c.status === "active");
    if (connections.length === 0) throw errors.invalidParameter("No ad account is connected yet: connect one and scan it before auditing.");
    const out: AccountAudit[] = [];
    for (const connection of connections) out.push(await this.auditConnection(workspace, connection));
    return out;
  }

  async auditConnection(workspace: WorkspaceRow, connection: ConnectionRow): Promise<AccountAudit> {
    const snapshot = await buildSnapshot(this.deps.db, workspace, connection, this.deps.now());
    const scan = await latestCompletedScan(this.deps.db, connection.id);
    const objects = JSON.parse(scan!.objects_json!) as ScannedObjects;
    const adSetRead = new Map(objects.adSets.map((s) => [s.id, s]));
    const input: AuditInput = {
      account: { id: snapshot.accountId, name: snapshot.accountName, currency: snapshot.currency },
      lastDate: snapshot.lastDate,
      campaigns: objects.campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status, effectiveStatus: c.effective_status })),
      adSets: snapshot.adSets.map((s) => ({
        id: s.id,
        name: s.name,
        campaignId: s.campaignId,
        status: s.status,
        effectiveStatus: s.effectiveStatus,
        dailyBudget: s.dailyBudget,
        targeting: adSetRead.get(s.id)?.targeting,
        learningStatus: adSetRead.get(s.id)?.learning_stage_info?.status,
      })),
      ads: snapshot.ads.map((a) => ({
        id: a.id,
        name: a.name,
        adSetId: a.adSetId,
        campaignId: a.campaignId,
        status: a.status,
        effectiveStatus: a.effectiveStatus,
        reviewFeedback: a.reviewFeedback,
        linkUrl: a.linkUrl,
        linkCheck: a.linkCheck,
      })),
      daily: [...snapshot.daily],
      pixels: objects.pixels?.map((p) => ({ id: p.id, name: p.name ?? p.id, lastFiredTime: p.last_fired_time })),
      weekly: objects.weekly?.map((w) => ({ adId: w.ad_id, dateStart: w.date_start, dateStop: w.date_stop, impressions: w.impressions, reach: w.reach, clicks: w.clicks })),
    };
    const notes: string[] = [];
    if (!objects.pixels) notes.push("The pixels could not be read with this connection's token: pixel health was not judged.");
    if (!objects.weekly) notes.push("The latest scan predates the audit's weekly reach: scan again to judge creative fatigue.");
    return { workspace: workspace.name, ad_account_id: adAccountGraphId(connection.ad_account_id), scan_id: snapshot.scanId, as_of: snapshot.lastDate, findings: auditAccount(input), notes };
  }
}
