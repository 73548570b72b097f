import { withChanges } from "./queryChanges.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { errors, GrantlineError } from "../errors.ts";
import { assetIdFromGraph } from "../graphIds.ts";
import { belongsTo, mayKnowNode, reachesAsset } from "../hub/access/callerAccess.ts";
import type { AuditAction } from "../hub/audit/auditActions.ts";
import type { Hub } from "../hub/hub.ts";
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, type PageRequest } from "../store/paging.ts";
import { authenticate, type GraphCaller } from "../web/graphAuth.ts";
import type { GraphCall, GraphNode, GraphResult, NodeResolver, NodeSpec } from "./graphTypes.ts";
import { collectParams, intParam, listParam, stringParam, type GraphParams } from "./params.ts";
import { parseFieldSelection } from "./fieldSelection.ts";
import { renderItems, renderObject, typeNameOf, withEdgeItems, type RenderHooks } from "./graphRender.ts";
import { isBatchItem, runBatch } from "./batch.ts";
import { errorFor } from "./rateLimit/rateLimitError.ts";
import { POINTS, pointsFor, type RateLimiter } from "./rateLimit/rateLimiter.ts";
import { usageHeaders } from "./rateLimit/usageHeaders.ts";
import { noteGraphRead } from "./graphUsage.ts";
import { ActiveAdCounts } from "./rateLimit/activeAdCounts.ts";

export interface GraphRegistry {
  nodes: Record<string, NodeSpec>;
  resolvers: NodeResolver[];
}

const activeAdCounts = new WeakMap<Hub, ActiveAdCounts>();

/** Active ads of an ad account, which size its quota; counted at most once a minute. */
function activeAdsOf(hub: Hub, adAccountId: string): Promise<number> {
  let counts = activeAdCounts.get(hub);
  if (!counts) activeAdCounts.set(hub, (counts = new ActiveAdCounts((id) => hub.ads.activeAdCount(id))));
  return counts.get(adAccountId);
}

/**
 * Whom a call is made for; every rate-limit bucket is scoped to it, so no two businesses share one.
 * A console session is a tenant of its own: API traffic cannot starve the people in the console.
 */
function tenantOf(hub: Hub, caller: GraphCaller): string {
  const { token } = caller;
  if (token.console) return `console:${token.principalId}`;
  if (token.principalType === "system_user") {
    const business = hub.engine.index.principals.get(token.principalId)?.roles.keys().next().value;
    if (business !== undefined) return `business:${business}`;
  }
  return `principal:${token.principalId}`;
}

/** Counts the call against its app, user, ad account and business buckets; sets Meta's usage headers; refuses when full. */
async function limitRate(hub: Hub, limiter: RateLimiter, reply: FastifyReply, caller: GraphCaller, points: number, node?: GraphNode, record = true): Promise<void> {
  // Only callers who reach the ad account count against its quota and see its usage: a stranger
  // can neither use up another business's quota nor learn from the headers that the account exists.
  const adAccountId = node?.adAccountId !== undefined && reachesAsset(hub, caller.ctx, node.adAccountId) ? node.adAccountId : undefined;
  // The same for a business's management quota: only its own people and system users count against it.
  const businessId = node?.type === "business" && belongsTo(hub, caller.ctx, node.id) ? node.id : undefined;
  const request = {
    appId: caller.token.appId,
    principalId: caller.token.principalId,
    tenant: tenantOf(hub, caller),
    adAccountId,
    activeAds: adAccountId ? await activeAdsOf(hub, adAccountId) : 0,
    businessId,
    points,
  };
  const result = record ? await limiter.consume(request) : await limiter.peek(request);
  for (const [name, value] of Object.entries(usageHeaders(result))) if (value !== undefined) void reply.header(name, value);
  const refusal = errorFor(result);
  if (refusal) {
    void reply.header("retry-after", String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
    throw refusal;
  }
}

/** Strips any `vNN.N` prefix so every Graph path works with and without a version. */
export function stripGraphVersion(url: string): string {
  const stripped = url.replace(/^\/v\d+(\.\d+)?(?=\/|\?|$)/, "");
  return stripped === "" || stripped.startsWith("?") ? `/${stripped}` : stripped;
}

function pageRequest(params: GraphParams): PageRequest {
  const limit = intParam(params, "limit") ?? DEFAULT_PAGE_SIZE;
  if (limit < 1) throw errors.invalidParameter("The parameter limit must be at least 1.");
  const after = stringParam(params, "after");
  const before = stringParam(params, "before");
  return {
    limit: Math.min(limit, MAX_PAGE_SIZE),
    after: after ? decodeCursor(after) : undefined,
    before: before ? decodeCursor(before) : undefined,
  };
}

/** Works out what a path's first segment names: `me`, `act_<n>`, a business, asset, person, system user, or an ad object. */
export async function resolveNode(hub: Hub, registry: GraphRegistry, caller: GraphCaller, raw: string): Promise<GraphNode> {
  const index = hub.engine.index;
  if (raw === "me") {
    // A Page access token speaks for its Page: `/me` is the Page, as on Meta.
    const limit = caller.token.assetLimit ? index.assets.get(caller.token.assetLimit) : undefined;
    if (limit) return { type: limit.type, id: limit.id };
    return { type: caller.token.principalType === "person" ? "user" : "system_user", id: caller.token.principalId };
  }
  if (/^act_\d+$/.test(raw)) {
    const id = assetIdFromGraph(raw);
    if (index.assets.get(id)?.type === "ad_account") return { type: "ad_account", id, adAccountId: id };
    throw errors.notFound(`Object with ID '${raw}'`);
  }
  if (!/^\d+$/.test(raw)) throw errors.unknownAlias(raw);
  if (index.businesses.has(raw)) return { type: "business", id: raw };
  const asset = index.assets.get(raw);
  if (asset) return { type: asset.type, id: raw, ...(asset.type === "ad_account" ? { adAccountId: raw } : {}) };
  const principal = index.principals.get(raw);
  if (principal) return { type: principal.type === "person" ? "user" : "system_user", id: raw };
  for (const resolve of registry.resolvers) {
    const node = await resolve(hub, raw);
    if (node) return node;
  }
  throw errors.notFound(`Object with ID '${raw}'`);
}

/** Normalized `origin + path` of the paths paging links were made for, by protocol, host and raw path. */
const linkBases = new Map<string, string>();

/** The absolute URL of this request with some parameters replaced; paging links carry the token. */
function linkTo(request: FastifyRequest, accessToken: string, changes: Record<string, string | undefined>): string {
  const host = request.headers.host ?? `${request.hostname}`;
  const raw = request.originalUrl;
  const queryAt = raw.indexOf("?");
  const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
  // The URL parser normalizes origin and path; a list's next pages share them, so each is parsed once.
  const baseKey = `${request.protocol}://${host}${rawPath}`;
  let base = linkBases.get(baseKey);
  if (base === undefined) {
    const url = new URL(rawPath, `${request.protocol}://${host}`);
    base = `${url.origin}${url.pathname}`;
    if (linkBases.size >= 1000) linkBases.clear();
    linkBases.set(baseKey, base);
  }
  return `${base}?${withChanges(queryAt < 0 ? "" : raw.slice(queryAt + 1), changes, accessToken)}`;
}

/** Paging links of an edge expanded inside `fields`: its own path, with its sub-fields and limit. */
function nestedLinkTo(request: FastifyRequest, accessToken: string, path: string, childrenText: string | undefined, changes: Record<string, string | undefined>): string {
  const host = request.headers.host ?? `${request.hostname}`;
  const version = /^\/(v\d+(\.\d+)?)\//.exec(request.url)?.[1];
  const params = new URLSearchParams();
  if (childrenText) params.set("fields", childrenText);
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) params.set(key, value);
  params.set("access_token", accessToken);
  return `${request.protocol}://${host}/${version ? `${version}/` : ""}${path}?${params.toString()}`;
}

const renderHooks: RenderHooks = {
  // An expanded edge's paging links carry its modifiers (`.date_preset(last_7d)`) as parameters, so the next page is of the same list.
  renderEdge: (childCall, result, path, childrenText) =>
    render(childCall, result, (changes) => nestedLinkTo(childCall.request, childCall.caller.accessToken, path, childrenText, { ...modifierParams(childCall), ...changes })),
  resolve: (call, id) => resolveNode(call.hub, call.registry!, call.caller, id),
};

/** An expanded edge's parameters (its modifiers) as query text. */
function modifierParams(call: GraphCall): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.params)) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}

/** Turns a handler's result into Graph JSON: selected fields, or an edge envelope with paging. */
export async function render(
  call: GraphCall,
  result: GraphResult,
  link: (changes: Record<string, string | undefined>) => string = (changes) => linkTo(call.request, call.caller.accessToken, changes),
): Promise<unknown> {
  if (result.kind === "raw") return result.value;
  if (result.kind === "object") return renderObject(call, result.value, result.node, result.defaults, renderHooks);
  const { page } = result;
  const items = result.select === false ? page.items : await renderItems(call, page.items, result, renderHooks);
  const body: Record<string, unknown> = { data: items };
  const paging: Record<string, unknown> = {};
  if (page.first && page.last) {
    paging.cursors = { before: encodeCursor(page.first), after: encodeCursor(page.last) };
    if (page.hasNext) paging.next = link({ after: encodeCursor(page.last), before: undefined, limit: String(call.paging.limit) });
    if (page.hasPrevious) paging.previous = link({ before: encodeCursor(page.first), after: undefined, limit: String(call.paging.limit) });
  }
  body.paging = paging;
  const summary = listParam(call.params, "summary");
  const ownSummary = result.summary ? await result.summary() : undefined;
  if (ownSummary) body.summary = ownSummary;
  else if (summary && (summary.includes("total_count") || summary.includes("true"))) {
    body.summary = { total_count: result.total ? await result.total() : page.items.length };
  }
  return body;
}

function unsupported(method: string, node: GraphNode, edge?: string): GrantlineError {
  if (edge) return errors.nonexistingField(edge, typeNameOf(node.type));
  return new GrantlineError(
    "UNSUPPORTED_METHOD",
    400,
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${node.id}' does not support this operation.`,
    { subcode: 33, type: "GraphMethodException" },
  );
}

/** Refusals that concern the caller's own quota, never the object it named. */
const ABOUT_THE_CALLER = new Set(["RATE_LIMITED", "APP_RATE_LIMITED", "AD_ACCOUNT_RATE_LIMITED"]);

/**
 * What a failed call on a node may say. To a caller the node is hidden from (no relation to it, per
 * `mayKnowNode` in hub/access), every failure — a refusal, a bad parameter, an unsupported method —
 * is the answer for an id that does not exist, so probing tells a stranger nothing. And a not-found
 * about the path's own object (or an ad object's ad account) names the id exactly as the path did.
 */
function asSeenByCaller(error: unknown, hub: Hub, caller: GraphCaller, nodeId: string, node: GraphNode): unknown {
  // Answers about the caller (its own quota) or the hub (a dependency down) are the same for any id.
  if (!(error instanceof GrantlineError) || error.status >= 500 || ABOUT_THE_CALLER.has(error.id)) return error;
  const hidden = !mayKnowNode(hub, caller.ctx, node);
  const about = error.options.subcode === 33 ? error.options.objectId && assetIdFromGraph(error.options.objectId) : undefined;
  if (!hidden && (about === undefined || (about !== node.id && about !== node.adAccountId))) return error;
  const reworded = errors.notFound(`Object with ID '${nodeId}'`, nodeId);
  reworded.concealed = hidden || error.concealed;
  reworded.audited = error.audited;
  return reworded;
}

function graphCall(hub: Hub, registry: GraphRegistry, caller: GraphCaller, params: GraphParams, request: FastifyRequest): GraphCall {
  const selection = parseFieldSelection(params.fields);
  return { hub, caller, params, fields: selection?.map((f) => f.name), selection, registry, paging: pageRequest(params), request };
}

type GraphMethod = "GET" | "POST" | "DELETE";

/** The audit action of a Graph call refused outside any command, by its method. */
const REFUSED_CALL_ACTION = { GET: "graph.get", POST: "graph.post", DELETE: "graph.delete" } as const satisfies Record<GraphMethod, AuditAction>;

/** Runs one Graph call: authenticate, resolve the node, dispatch to its handler, render. */
export async function handleGraph(
  hub: Hub,
  registry: GraphRegistry,
  limiter: RateLimiter,
  request: FastifyRequest,
  reply: FastifyReply,
  method: GraphMethod,
  nodeId: string,
  edge: string | undefined,
): Promise<unknown> {
  const caller = await authenticate(hub, request);
  const params = collectParams(request.query, request.body);
  const call = graphCall(hub, registry, caller, params, request);
  let node: GraphNode | undefined;
  try {
    try {
      node = await resolveNode(hub, registry, caller, nodeId);
    } catch (error) {
      // A call on a node that does not resolve still counts against the app.
      await limitRate(hub, limiter, reply, caller, pointsFor(method));
      throw error;
    }
    await limitRate(hub, limiter, reply, caller, pointsFor(method), node);
    const spec = registry.nodes[node.type];
    if (!spec) throw errors.notFound(`Object with ID '${nodeId}'`);
    let result: GraphResult;
    if (!edge) {
      if (method === "GET") result = { kind: "object", value: await spec.read(call, node), defaults: spec.defaults, node };
      else if (method === "POST" && spec.update) result = await spec.update(call, node);
      else if (method === "DELETE" && spec.remove) result = await spec.remove(call, node);
      else throw unsupported(method, node);
    } else {
      const handler = spec.edges[edge]?.[method];
      if (!handler) throw spec.edges[edge] ? unsupported(method, node) : unsupported(method, node, edge);
      result = withEdgeItems(await handler(call, node), spec.edges[edge]!.returns, node);
    }
    const body = await render(call, result);
    if (method === "GET") noteGraphRead(hub, caller.ctx, node, edge);
    return body;
  } catch (caught) {
    const error = node ? asSeenByCaller(caught, hub, caller, nodeId, node) : caught;
    // Reads are refused outside any command; the refusal still belongs in the audit log.
    if (error instanceof GrantlineError && error.isDenial && !error.audited) {
      error.audited = true;
      await hub.audit.record(call.caller.ctx, {
        action: REFUSED_CALL_ACTION[method],
        targetType: edge ? `${nodeId}/${edge}` : "node",
        targetId: nodeId,
        outcome: "denied",
        reason: error.options.userMsg ?? error.message,
      });
    }
    throw error;
  }
}

/** The route patterns of the Graph surface: nodes, edges, and the root (`GET /?ids=`, batch `POST /`). */
export const GRAPH_ROUTE_PATTERNS: ReadonlySet<string> = new Set(["/:node", "/:node/:edge", "/"]);

/** Registers the Graph surface: nodes, edges, `GET /?ids=`, and batch `POST /`. */
export function registerGraphRoutes(app: FastifyInstance, hub: Hub, registry: GraphRegistry, limiter: RateLimiter): void {
  app.decorateRequest("graphToken", null);
  const dispatch = (method: GraphMethod) => async (request: FastifyRequest<{ Params: { node: string; edge?: string } }>, reply: FastifyReply) => {
    const body = await handleGraph(hub, registry, limiter, request, reply, method, request.params.node, request.params.edge);
    return reply.send(body);
  };
  for (const method of ["GET", "POST", "DELETE"] as const) {
    app.route({ method, url: "/:node", handler: dispatch(method) });
    app.route({ method, url: "/:node/:edge", handler: dispatch(method) });
  }

  app.get("/", async (request, reply) => {
    const caller = await authenticate(hub, request);
    const params = collectParams(request.query, request.body);
    const ids = listParam(params, "ids", true)!;
    if (ids.length > 50) throw errors.invalidParameter("At most 50 ids can be read at once.");
    // Meta counts each id of a multi-id read as a call of its own.
    await limitRate(hub, limiter, reply, caller, Math.max(1, ids.length) * POINTS.read);
    const call = graphCall(hub, registry, caller, params, request);
    const out: Record<string, unknown> = {};
    for (const id of ids) {
      const node = await resolveNode(hub, registry, caller, id);
      const spec = registry.nodes[node.type];
      if (!spec) throw errors.notFound(`Object with ID '${id}'`);
      try {
        out[id] = await render(call, { kind: "object", value: await spec.read(call, node), defaults: spec.defaults, node });
      } catch (caught) {
        // As for a single node: a hidden one reads as an unknown id (not, say, its ad account's id).
        throw asSeenByCaller(caught, hub, caller, id, node);
      }
      noteGraphRead(hub, caller.ctx, node, undefined);
    }
    return reply.send(out);
  });

  app.post("/", async (request, reply) => {
    if (isBatchItem(request)) throw errors.nestedBatch();
    const caller = await authenticate(hub, request);
    const params = collectParams(request.query, request.body);
    // "Each call within the batch is counted separately" (developers.facebook.com/docs/graph-api/batch-requests):
    // the items pay as they run, so the batch itself only looks, and is refused at once when already full.
    await limitRate(hub, limiter, reply, caller, POINTS.read, undefined, false);
    return reply.send(await runBatch(app, request, caller, params));
  });
}
