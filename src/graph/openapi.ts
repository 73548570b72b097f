import type { GraphRegistry } from "./graphRoutes.ts";

/** What each edge is for, in the words of Meta's documentation where it has one. */
const EDGE_SUMMARIES: Record<string, string> = {
  owned_ad_accounts: "Ad accounts the business owns.",
  adaccount: "POST creates an ad account in the business (name, currency, timezone_id or timezone_name, spend_cap).",
  client_ad_accounts: "Ad accounts other businesses shared with this one. POST accepts a pending offer, or requests access (adaccount_id, permitted_tasks).",
  pending_client_ad_accounts: "Offers of ad accounts waiting for this business, and its own pending requests.",
  owned_pages: "Pages the business owns. POST creates one (name).",
  client_pages: "Pages shared with the business. POST accepts or requests (page_id, permitted_tasks).",
  pending_client_pages: "Pending Page offers and requests.",
  owned_pixels: "Pixels the business owns.",
  adspixels: "Pixels the business owns. POST creates one (name).",
  client_pixels: "Pixels shared with the business.",
  owned_product_catalogs: "Catalogs the business owns. POST creates one (name).",
  client_product_catalogs: "Catalogs shared with the business.",
  instagram_accounts: "Instagram accounts the business owns.",
  owned_instagram_assets: "Instagram accounts the business owns. POST creates one (name).",
  client_instagram_assets: "Instagram accounts shared with the business.",
  creative_hub_projects: "Creative Hub projects the business owns. POST creates one (name).",
  client_creative_hub_projects: "Creative Hub projects other businesses shared with this one (Grantline's own edge).",
  agencies:
    "On a business: its partners (DELETE with business removes a partner and everything shared with it). On an asset: the partners it is shared with, with access_status and permitted_tasks; POST offers, approves a request or changes tasks (business, permitted_tasks, end_time; on an ad account also guardrails, see partner_guardrails); DELETE removes one partner (business).",
  clients: "Businesses that shared assets with this one. DELETE (business) leaves a client.",
  business_users: "People of the business. POST adds one (user or email, role); DELETE removes one (user).",
  pending_users: "Invitations waiting for people to join.",
  system_users: "System users of the business. POST creates one (name, role).",
  assigned_users: "People and system users of one business (business) staffed on the asset. POST assigns (user, tasks); DELETE unassigns (user).",
  assigned_ad_accounts: "Ad accounts the user reaches, with its tasks.",
  assigned_pages: "Pages the user reaches, with its tasks.",
  assigned_product_catalogs: "Catalogs the user reaches, with its tasks.",
  assigned_pixels: "Pixels the user reaches, with its tasks.",
  access_tokens: "POST issues a system user token (scope, set_token_expires_in_60_days, business_app). The token is shown once.",
  businesses: "Businesses the user is part of, with its role.",
  subscriptions:
    "On an app: its webhook config per object (object, callback_url, active, fields). POST (object=ad_account or business, callback_url, verify_token, fields) first verifies the callback with Meta's handshake (GET with hub.mode=subscribe, hub.verify_token, hub.challenge; the body must echo hub.challenge), then adds the fields; the first POST also returns signing_secret, shown once, the HMAC key of every delivery's X-Hub-Signature-256 (Meta uses the app secret, which Grantline keeps only hashed). DELETE (object, fields) removes fields or the whole webhook. Admins of the app's business only.",
  subscribed_apps:
    "Apps receiving the ad account's (or, on a business, the business's: system_user_token_expiry) webhooks. POST subscribes the access token's app, or app_id when the caller is an admin of the app's business; DELETE unsubscribes it. The caller must see the ad account (on a business: be its admin).",
  partner_guardrails:
    "Grantline's own edge on an ad account: limits the owner sets on one partner (business), enforced on every write of the partner's people, system users and apps. POST (business and any of max_daily_budget, max_increase_percent, max_daily_increase_percent, max_increase_amount, max_daily_increase_amount, max_daily_new_spend, allowed_hours \"HH-HH\", allowed_days (0 Sunday … 6 Saturday), protected_objects (ids), protected_labels (ad label ids or names, stored as ids), approval_above) by the owner's admins; GET (business optional) lists them, a partner's people see their own; DELETE (business) removes them. A refused write answers code 200 naming the guardrail and its value.",
  pending_changes:
    "Grantline's own edge on an ad account: partners' budget changes held by approval_above. GET lists them (status PENDING by default, or APPROVED, REJECTED, EXPIRED, ALL); POST (id, decision APPROVE or REJECT) by the owner's admins decides one, and an approved change is made at once.",
  adlabels:
    "On an ad account: its ad labels (id, name, account, created_time, updated_time); POST creates one (name). On a campaign: POST adds labels (adlabels=[{\"id\": …}] or [{\"name\": …}]). On an ad set or ad: POST adds, DELETE takes off. Needs what editing the account's ads needs; a protected label refuses a partner's change (see partner_guardrails).",
  webhook_deliveries:
    "Grantline's own edge: the app's webhook delivery log, newest first (status PENDING, DELIVERING, DELIVERED or FAILED; attempts, last_http_status, last_error, created_time, last_attempt_time, next_attempt_time, delivered_time, payload). status filters. Admins of the app's business only.",
};

const COMMON_PARAMETERS = [
  { name: "access_token", in: "query", required: false, schema: { type: "string" }, description: "The access token; also accepted as `Authorization: Bearer` or a body field." },
  { name: "fields", in: "query", required: false, schema: { type: "string" }, description: "Comma-separated fields to return; `id` always comes back." },
];

const LIST_PARAMETERS = [
  { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 25 } },
  { name: "after", in: "query", required: false, schema: { type: "string" }, description: "Cursor from `paging.cursors.after`." },
  { name: "before", in: "query", required: false, schema: { type: "string" }, description: "Cursor from `paging.cursors.before`." },
  { name: "summary", in: "query", required: false, schema: { type: "string" }, description: "`total_count` adds `summary.total_count`." },
];

const errorResponse = {
  description: "Graph error",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: {
              message: { type: "string" },
              type: { type: "string" },
              code: { type: "integer" },
              error_subcode: { type: "integer" },
              error_user_title: { type: "string" },
              error_user_msg: { type: "string" },
              fbtrace_id: { type: "string" },
            },
          },
        },
      },
    },
  },
};

/**
 * The OpenAPI description of the Graph surface, generated from the same registry the router
 * dispatches on, so the documentation lists exactly what is served. Graph paths share shapes across
 * node types (`/{id}/agencies` on every asset type), so each path names the node types it applies to.
 */
export function buildOpenApi(registry: GraphRegistry): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const nodeTypes = Object.keys(registry.nodes).sort();
  const idParam = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "A node id (`act_<n>` for ad accounts, `me` for the caller)." };
  const responses = { "200": { description: "The object, a list envelope `{data, paging}`, or `{success: true}`" }, "400": errorResponse, "403": errorResponse, "404": errorResponse };

  const nodeOps: Record<string, unknown> = {
    get: { summary: "Read a node", description: `Node types: ${nodeTypes.join(", ")}.`, parameters: [idParam, ...COMMON_PARAMETERS], responses },
  };
  const updatable = nodeTypes.filter((t) => registry.nodes[t]!.update);
  if (updatable.length > 0) nodeOps.post = { summary: "Update a node", description: `Node types: ${updatable.join(", ")}.`, parameters: [idParam, ...COMMON_PARAMETERS], responses };
  const removable = nodeTypes.filter((t) => registry.nodes[t]!.remove);
  if (removable.length > 0) nodeOps.delete = { summary: "Delete a node", description: `Node types: ${removable.join(", ")}.`, parameters: [idParam, ...COMMON_PARAMETERS], responses };
  paths["/{id}"] = nodeOps;

  const edges = new Map<string, Map<string, string[]>>();
  for (const type of nodeTypes) {
    for (const [edge, spec] of Object.entries(registry.nodes[type]!.edges)) {
      for (const method of ["GET", "POST", "DELETE"] as const) {
        if (!spec[method]) continue;
        const byMethod = edges.get(edge) ?? new Map<string, string[]>();
        byMethod.set(method, [...(byMethod.get(method) ?? []), type]);
        edges.set(edge, byMethod);
      }
    }
  }
  for (const [edge, byMethod] of [...edges.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ops: Record<string, unknown> = {};
    for (const [method, types] of byMethod) {
      ops[method.toLowerCase()] = {
        summary: `${method} ${edge}`,
        description: `${EDGE_SUMMARIES[edge] ?? ""} Node types: ${types.join(", ")}.`.trim(),
        tags: [edge],
        parameters: [idParam, ...COMMON_PARAMETERS, ...(method === "GET" ? LIST_PARAMETERS : [])],
        responses,
      };
    }
    paths[`/{id}/${edge}`] = ops;
  }
  paths["/"] = {
    get: {
      summary: "Read several nodes",
      parameters: [{ name: "ids", in: "query", required: true, schema: { type: "string" } }, ...COMMON_PARAMETERS],
      responses,
    },
    post: {
      summary: "Batch request",
      description: "`batch` is a JSON list of `{method, relative_url, body}`; the answer is a list of `{code, headers, body}` with each body as a JSON string.",
      parameters: COMMON_PARAMETERS,
      responses,
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Grantline Graph API",
      version: "v24.0",
      description:
        "Meta Graph API wire format for business management and the Marketing API. Every path also works with a version prefix (`/v24.0/...`, any `vNN.N`). Errors use Graph's envelope; `fbtrace_id` is the audit log's request id.",
    },
    servers: [{ url: "/" }],
    paths,
  };
}
