import { isDeepStrictEqual } from "node:util";
import { errors } from "../../errors.ts";
import type { AppGrantService } from "../apps/appGrant.service.ts";
import type { AssignmentService } from "../assignments/assignment.service.ts";
import type { BusinessService } from "../businesses/business.service.ts";
import { systemContext, type RequestContext } from "../context.ts";
import { inOneTransaction, type HubDeps } from "../hubCommand.ts";
import type { PartnerShareService } from "../partners/partnerShare.service.ts";
import type { AccessTokenService } from "../tokens/accessToken.service.ts";
import type { AccessReviewService } from "./accessReview.service.ts";
import { fixesOf, type Finding, type FindingFix, type FixAction } from "./findings.ts";

export interface FindingFixServices {
  review: AccessReviewService;
  partners: PartnerShareService;
  assignments: AssignmentService;
  apps: AppGrantService;
  businesses: BusinessService;
  tokens: AccessTokenService;
}

/** What applying a fix did, in plain words, and the finding it resolved. */
export interface AppliedFix {
  action: FixAction;
  finding: Pick<Finding, "kind" | "principal" | "asset" | "path">;
  summary: string;
}

const str = (params: Record<string, unknown>, key: string): string => {
  const value = params[key];
  if (typeof value !== "string" || value === "") throw errors.invalidParameter(`The fix is missing ${key}.`);
  return value;
};

/**
 * Applies the fix an access review finding suggests ("one click" in the console). Only a fix the
 * business's current findings really contain is applied, so a stale page or a hand-made request
 * cannot turn this into a general-purpose access editor; the change itself goes through the
 * partner, assignment, member, token and app services, which check and audit it as usual.
 */
export class FindingFixService {
  constructor(
    private readonly deps: HubDeps,
    private readonly services: FindingFixServices,
  ) {}

  async apply(ctx: RequestContext, businessId: string, fix: { action: string; params: Record<string, unknown> }): Promise<AppliedFix> {
    // The findings call checks that the caller is an admin of the business.
    const report = await this.services.review.findings(ctx, businessId);
    // Any of a finding's fixes may be chosen, the narrowest first offered or the widest.
    const matches = (f: FindingFix) => f.action === fix.action && isDeepStrictEqual(f.params, fix.params);
    const finding = report.findings.find((f) => fixesOf(f).some(matches));
    const chosen = finding === undefined ? undefined : fixesOf(finding).find(matches);
    if (!finding || !chosen) throw errors.invalidParameter("This fix is not among the business's current findings; reload the review and try again.");
    const summary = await inOneTransaction(this.deps, () => this.run(ctx, businessId, chosen));
    return { action: chosen.action, finding: { kind: finding.kind, principal: finding.principal, asset: finding.asset, path: finding.path }, summary };
  }

  private async run(ctx: RequestContext, businessId: string, fix: FindingFix): Promise<string> {
    const p = fix.params;
    const { partners, assignments, apps, businesses, tokens } = this.services;
    switch (fix.action) {
      case "downgrade": {
        const tasks = p.tasks;
        if (typeof p.assignment_id === "string") {
          await assignments.assign(ctx, { assetId: str(p, "asset_id"), principalId: str(p, "principal_id"), tasks, businessId: str(p, "business_id") });
        } else {
          await partners.offer(ctx, { assetId: str(p, "asset_id"), partnerBusinessId: str(p, "partner_business_id"), tasks });
        }
        return `Access narrowed to ${String(p.level)}.`;
      }
      case "remove_assignment":
        if (str(p, "business_id") !== businessId) {
          // A partner's assignment under the business's share: only that one goes, the share stays.
          await assignments.removePartnerAssignment(ctx, { assetId: str(p, "asset_id"), principalId: str(p, "principal_id"), partnerBusinessId: str(p, "business_id") });
          return "Assignment removed; the partner's share and its other people's access stay.";
        }
        await assignments.unassign(ctx, { assetId: str(p, "asset_id"), principalId: str(p, "principal_id"), businessId: str(p, "business_id") });
        return "Assignment removed.";
      case "revoke_share":
      case "renew_or_end_share":
        await partners.removeShare(ctx, { assetId: str(p, "asset_id"), partnerBusinessId: str(p, "partner_business_id") });
        return "Share ended; the partner's people and apps lost this access with it.";
      case "remove_member": {
        const { removedAssignments } = await businesses.removeMember(ctx, str(p, "business_id"), str(p, "person_id"));
        return `Removed from the business with ${removedAssignments} assignment(s).`;
      }
      case "revoke_token": {
        const ids = Array.isArray(p.token_ids) ? p.token_ids.filter((t): t is string => typeof t === "string") : [];
        for (const id of ids) await tokens.revoke(ctx, id, businessId);
        return `${ids.length} token(s) revoked.`;
      }
      case "remove_app":
        // Only the connecting person may revoke through the app service; the business's admin was
        // authorized by the findings call, so the revoke runs as the hub (as review campaigns do).
        await apps.revoke(systemContext(ctx.requestId), str(p, "grant_id"));
        return "App grant revoked; its tokens no longer work.";
      case "set_guardrails":
        throw errors.invalidParameter(
          "Guardrails are limits only the owner can choose: set them with POST /{ad_account_id}/partner_guardrails or grantline guardrails set (see docs/guardrails.md).",
        );
      case "require_2fa":
        throw errors.invalidParameter("Turning on two-factor is up to the person; ask them, or remove them from the business.");
    }
  }
}
