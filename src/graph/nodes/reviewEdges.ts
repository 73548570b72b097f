import type { FastifyInstance } from "fastify";
import { errors } from "../../errors.ts";
import { isActionName } from "../../hub/catalogue/actions.ts";
import type { Hub } from "../../hub/hub.ts";
import type { ReviewCampaignView, GroupKey } from "../../hub/review/reviewCampaign.service.ts";
import { authenticate } from "../../web/graphAuth.ts";
import type { GraphRegistry } from "../graphRoutes.ts";
import { answerWithProgress } from "../../web/progressStream.ts";
import { raw, type EdgeSpec, type GraphCall, type GraphObject, type NodeResolver, type NodeSpec } from "../graphTypes.ts";
import { intParam, stringParam } from "../params.ts";

/**
 * The access-review surface, Graph style: findings and review campaigns on a business, campaigns as
 * nodes (items, decisions, reminders, close), removal checks, and the troubleshooter. Every call goes
 * through the hub's services, which check with the access engine that the caller is an admin of the
 * business (or, for the troubleshooter, may ask about that principal and asset).
 */

const CAMPAIGN_DEFAULTS = ["id", "name", "status", "close_policy", "schedule", "created_time", "due_time", "closed_time", "items", "source"] as const;

function presentCampaign(c: ReviewCampaignView): GraphObject {
  return {
    id: c.id,
    business_id: c.business_id,
    name: c.name,
    status: c.status,
    close_policy: c.close_policy,
    schedule: c.schedule,
    created_by: c.created_by,
    created_time: c.created_at,
    due_time: c.due_at,
    closed_time: c.closed_at,
    closed_by: c.closed_by,
    items: c.items,
    source: c.source,
    graph_url: c.graph?.url ?? null,
    graph_business_id: c.graph?.business_id ?? null,
    graph_business_name: c.graph?.business_name ?? null,
  };
}

function oneOf<T extends string>(call: GraphCall, name: string, allowed: readonly T[], required: true): T;
function oneOf<T extends string>(call: GraphCall, name: string, allowed: readonly T[], required?: false): T | undefined;
function oneOf<T extends string>(call: GraphCall, name: string, allowed: readonly T[], required = false): T | undefined {
  const value = required ? stringParam(call.params, name, true) : stringParam(call.params, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw errors.invalidParameter(`Invalid ${name} ${value}: use ${allowed.join(", ")}.`);
  return value as T;
}

/** `since` as an ISO date/time or epoch milliseconds. */
function timeParam(call: GraphCall, name: string): number {
  const value = stringParam(call.params, name, true);
  const at = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(at)) throw errors.invalidParameter(`Invalid ${name} ${value}: use an ISO date or time, e.g. 2026-01-01.`);
  return at;
}

/** `/{business}/access_review_findings?window_days=90`: the business's findings, each with evidence and a fix. */
const findings: EdgeSpec = {
  GET: async (call, node) => {
    const windowDays = intParam(call.params, "window_days");
    const report = await call.hub.review.findings(call.caller.ctx, node.id, windowDays === undefined ? {} : { windowDays });
    return raw({ business_id: report.business_id, window_days: report.window_days, data: report.findings, summary: { total_count: report.findings.length } });
  },
};

/**
 * `POST /{business}/access_review_fixes` with `action` and `params` (a finding's `fix`, as the
 * findings edge gave it): applies that fix now, if the business's current findings still contain it.
 */
const fixes: EdgeSpec = {
  POST: async (call, node) => {
    const action = stringParam(call.params, "action", true);
    const params = call.params.params;
    if (!params || typeof params !== "object" || Array.isArray(params)) throw errors.invalidParameter("The parameter params must be the finding's fix params (a JSON object).");
    const applied = await call.hub.reviewFixes.apply(call.caller.ctx, node.id, { action, params: params as Record<string, unknown> });
    return raw({ success: true, ...applied });
  },
};

/** `/{business}/access_review_campaigns`: list (GET) or start one now (POST name, due_in_days, close_policy). */
const campaigns: EdgeSpec = {
  GET: async (call, node) => {
    const list = await call.hub.reviewCampaigns.list(call.caller.ctx, node.id);
    return raw({ data: list.map(presentCampaign), summary: { total_count: list.length } });
  },
  POST: async (call, node) => {
    const name = stringParam(call.params, "name");
    const dueInDays = intParam(call.params, "due_in_days");
    const closePolicy = stringParam(call.params, "close_policy");
    const graphTargetId = stringParam(call.params, "graph_target_id");
    const campaign = await call.hub.reviewCampaigns.start(call.caller.ctx, node.id, {
      ...(name !== undefined ? { name } : {}),
      ...(graphTargetId !== undefined ? { graphTargetId } : {}),
      ...(dueInDays !== undefined ? { dueInDays } : {}),
      ...(closePolicy !== undefined ? { closePolicy } : {}),
    });
    return raw(presentCampaign(campaign));
  },
};

/**
 * `/{business}/graph_review_targets`: businesses of another Graph API (Meta's, or another hub's)
 * this business reviews. POST `graph_url`, `graph_business_id` and `graph_token` (the reviewed
 * business's own token, sealed at once and never shown again); GET lists them, without tokens;
 * DELETE `target_id` erases the token (and the business, unless campaigns name it).
 */
const graphTargets: EdgeSpec = {
  GET: async (call, node) => {
    const list = await call.hub.reviewCampaigns.listGraphTargets(call.caller.ctx, node.id);
    return raw({ data: list, summary: { total_count: list.length } });
  },
  POST: async (call, node) =>
    raw(
      await call.hub.reviewCampaigns.addGraphTarget(call.caller.ctx, node.id, {
        graphUrl: stringParam(call.params, "graph_url", true),
        graphBusinessId: stringParam(call.params, "graph_business_id", true),
        token: stringParam(call.params, "graph_token", true),
      }),
    ),
  DELETE: async (call, node) => raw(await call.hub.reviewCampaigns.removeGraphTarget(call.caller.ctx, node.id, stringParam(call.params, "target_id", true))),
};

/** `/{business}/graph_review_findings?target_id=…&window_days=90`: the held business's findings, read through its Graph API now. */
const graphFindings: EdgeSpec = {
  GET: async (call, node) => {
    const windowDays = intParam(call.params, "window_days");
    const report = await call.hub.reviewCampaigns.graphFindings(call.caller.ctx, node.id, stringParam(call.params, "target_id", true), windowDays === undefined ? {} : { windowDays });
    const { findings: data, ...rest } = report;
    return raw({ ...rest, data, summary: { total_count: data.length } });
  },
};

/**
 * `/{business}/removal_verifications`: POST checks that nothing reaches the business's assets any
 * more through a removed partner (`partner_business_id`), person (`person_id`) or app grant
 * (`grant_id`), records the result and returns it; GET lists the recorded checks.
 */
const removalVerifications: EdgeSpec = {
  GET: async (call, node) => {
    const list = await call.hub.removal.listVerifications(call.caller.ctx, node.id, intParam(call.params, "limit") ?? 50);
    return raw({ data: list });
  },
  POST: async (call, node) => {
    const partner = stringParam(call.params, "partner_business_id");
    const person = stringParam(call.params, "person_id");
    const grant = stringParam(call.params, "grant_id");
    if ([partner, person, grant].filter((v) => v !== undefined).length !== 1) {
      throw errors.invalidParameter("Give exactly one of partner_business_id, person_id or grant_id.");
    }
    const ctx = call.caller.ctx;
    if (partner) return raw(await call.hub.removal.verifyPartnerRemoved(ctx, node.id, partner));
    if (person) return raw(await call.hub.removal.verifyPersonRemoved(ctx, node.id, person));
    return raw(await call.hub.removal.verifyAppRemoved(ctx, grant!));
  },
};

/** `/{business}/troubleshoot?problem=invitation&owner_business_id=…[&asset_id=…]`: why the business did not get an invitation. */
const businessTroubleshoot: EdgeSpec = {
  GET: async (call, node) => {
    oneOf(call, "problem", ["invitation"] as const, true);
    const assetId = stringParam(call.params, "asset_id");
    return raw(
      await call.hub.troubleshoot.invitationNotReceived(call.caller.ctx, {
        partnerBusinessId: node.id,
        ownerBusinessIdEntered: stringParam(call.params, "owner_business_id", true),
        ...(assetId ? { assetId } : {}),
      }),
    );
  },
};

/**
 * `/{asset}/troubleshoot?problem=missing_asset|permissions|spend_spike`: which task a principal is
 * missing and who can grant it (`principal_id`, optional `action`), what the principal's share and
 * assignment allow (`principal_id`), or what changed before a spend spike and who changed it (`since`).
 */
const assetTroubleshoot: EdgeSpec = {
  GET: async (call, node) => {
    const problem = oneOf(call, "problem", ["missing_asset", "permissions", "spend_spike"] as const, true);
    const ctx = call.caller.ctx;
    if (problem === "spend_spike") return raw(await call.hub.troubleshoot.spendSpike(ctx, { assetId: node.id, since: timeParam(call, "since") }));
    const principalId = stringParam(call.params, "principal_id", true);
    if (problem === "permissions") return raw(await call.hub.troubleshoot.wrongPermissions(ctx, { principalId, assetId: node.id }));
    const action = stringParam(call.params, "action");
    if (action !== undefined && !isActionName(action)) throw errors.invalidParameter(`Invalid action ${action}.`);
    return raw(await call.hub.troubleshoot.missingAsset(ctx, { principalId, assetId: node.id, ...(action ? { action } : {}) }));
  },
};

/** `/{campaign}/items?group_by=asset|partner|person`: the campaign's items, grouped. */
const items: EdgeSpec = {
  GET: async (call, node) => {
    const groupBy = oneOf(call, "group_by", ["asset", "partner", "person"] as const);
    const result = await call.hub.reviewCampaigns.listItems(call.caller.ctx, node.id, groupBy ? { groupBy: groupBy as GroupKey } : {});
    return raw({ group_by: result.group_by, data: result.groups });
  },
};

/** `/{campaign}/decisions` (POST item_id, decision certify|downgrade|revoke, reason, optional level): decides one item; access changes at once. */
const decisions: EdgeSpec = {
  POST: async (call) => {
    const decision = oneOf(call, "decision", ["certify", "downgrade", "revoke"] as const, true);
    const level = stringParam(call.params, "level");
    const item = await call.hub.reviewCampaigns.decide(call.caller.ctx, stringParam(call.params, "item_id", true), {
      decision,
      reason: stringParam(call.params, "reason", true),
      ...(level ? { level } : {}),
    });
    return raw(item);
  },
};

/** `/{campaign}/reminders` (POST): reminds the reviewers of open items (recorded in the audit log). */
const reminders: EdgeSpec = {
  POST: async (call, node) => raw(await call.hub.reviewCampaigns.remind(call.caller.ctx, node.id)),
};

/** `/{campaign}/close` (POST): closes the campaign, skipping or revoking open items per its close policy. */
const close: EdgeSpec = {
  POST: async (call, node) => {
    const summary = await call.hub.reviewCampaigns.close(call.caller.ctx, node.id);
    return raw({ ...summary, campaign: presentCampaign(summary.campaign) });
  },
};

/** A review campaign as a Graph node, readable by the admins of its business. */
export const reviewCampaignNode: NodeSpec = {
  defaults: CAMPAIGN_DEFAULTS,
  read: async (call, node) => presentCampaign(await call.hub.reviewCampaigns.get(call.caller.ctx, node.id)),
  edges: { items, decisions, reminders, close },
};

/** A bare id that names a review campaign resolves to a `review_campaign` node. */
export const resolveReviewCampaign: NodeResolver = async (hub, id) => ((await hub.reviewCampaigns.exists(id)) ? { type: "review_campaign", id } : undefined);

/** Adds the review surface to a registry: business and asset edges, the campaign node and its resolver. */
export function withReviewEdges(registry: GraphRegistry): GraphRegistry {
  const nodes = { ...registry.nodes };
  const business = nodes.business!;
  nodes.business = {
    ...business,
    edges: { ...business.edges, access_review_findings: findings, access_review_fixes: fixes, access_review_campaigns: campaigns, graph_review_targets: graphTargets, graph_review_findings: graphFindings, removal_verifications: removalVerifications, troubleshoot: businessTroubleshoot },
  };
  for (const [type, spec] of Object.entries(nodes)) {
    if (["business", "user", "system_user", "campaign", "adset", "ad", "adcreative", "report_run", "app"].includes(type)) continue;
    nodes[type] = { ...spec, edges: { ...spec.edges, troubleshoot: assetTroubleshoot } };
  }
  nodes.review_campaign = reviewCampaignNode;
  return { nodes, resolvers: [...registry.resolvers, resolveReviewCampaign] };
}

/**
 * `GET /{campaign}/evidence?format=csv|pdf`: the campaign's evidence for auditors, with the audit
 * chain's verification result, as a file. A route of its own because it answers a file, not JSON.
 */
export function registerReviewEvidenceRoute(app: FastifyInstance, hub: Hub): void {
  app.get<{ Params: { node: string }; Querystring: Record<string, unknown> }>("/:node/evidence", async (request, reply) => {
    const caller = await authenticate(hub, request);
    const campaignId = request.params.node;
    const format = typeof request.query.format === "string" && request.query.format !== "" ? request.query.format : "csv";
    if (format !== "csv" && format !== "pdf") throw errors.invalidParameter(`Invalid format ${format}: use csv or pdf.`);
    if (!(await hub.reviewCampaigns.exists(campaignId))) throw errors.notFound(`Object with ID '${campaignId}'`);
    const fileName = `access-review-${campaignId}.${format}`;
    void reply.header("content-disposition", `attachment; filename="${fileName}"`);
    if (format === "csv") return reply.type("text/csv; charset=utf-8").send(await hub.reviewCampaigns.exportCsv(caller.ctx, campaignId));
    return reply.type("application/pdf").send(await hub.reviewCampaigns.exportPdf(caller.ctx, campaignId));
  });
}

/**
 * `GET /{business}/access_review_findings_stream?window_days=90`: the same findings as the
 * `access_review_findings` edge, with the review's progress while it is computed, as NDJSON lines:
 * `{"progress":{"done","total","phase"}}` after each phase, then `{"report":{…}}` (or
 * `{"error":{…}}` when it fails after the first line; before that, the usual Graph error). One
 * request carries it all, so it works behind any load balancer.
 */
export function registerReviewProgressRoute(app: FastifyInstance, hub: Hub): void {
  app.get<{ Params: { node: string }; Querystring: Record<string, unknown> }>("/:node/access_review_findings_stream", async (request, reply) => {
    const caller = await authenticate(hub, request);
    const windowDays = intParam(request.query, "window_days");
    await answerWithProgress(request, reply, async (onProgress) => {
      const report = await hub.review.findings(caller.ctx, request.params.node, { ...(windowDays === undefined ? {} : { windowDays }), onProgress });
      return { business_id: report.business_id, window_days: report.window_days, data: report.findings, summary: { total_count: report.findings.length } };
    });
  });
}
