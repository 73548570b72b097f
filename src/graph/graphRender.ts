import { errors, GrantlineError } from "../errors.ts";
import { assetIdFromGraph, graphIdOf } from "../graphIds.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../store/paging.ts";
import { isExpansion, type FieldNode } from "./fieldSelection.ts";
import type { EdgeItems, EdgeSpec, GraphCall, GraphNode, GraphObject, GraphResult } from "./graphTypes.ts";
import type { GraphRegistry } from "./graphRoutes.ts";
import { asksFixedFields, isRefusedSpecField, withFixedFields } from "./fieldCoverage.ts";
import { META_EDGES, META_FIELDS, META_REFERENCES } from "./metaFields.ts";
import { decodeValue, selectFields, selectFieldsOfEach } from "./params.ts";

/** Meta's names of the node types this surface serves, as errors and field checks use them. */
const TYPE_NAMES: Record<string, string> = {
  business: "Business",
  user: "User",
  system_user: "SystemUser",
  ad_account: "AdAccount",
  page: "Page",
  pixel: "AdsPixel",
  instagram_account: "IGUser",
  product_catalog: "ProductCatalog",
  creative_hub_project: "CreativeHubProject",
  campaign: "Campaign",
  adset: "AdSet",
  ad: "Ad",
  adcreative: "AdCreative",
  report_run: "AdReportRun",
  app: "Application",
};

export function typeNameOf(nodeType: string): string {
  return TYPE_NAMES[nodeType] ?? nodeType;
}

/**
 * Fields Grantline serves that Meta's specs do not list for the type (its own node types have
 * no spec at all). They stay known, so asking for them never fails.
 */
const GRANTLINE_FIELDS: Record<string, readonly string[]> = {
  Business: ["shared_asset_count"],
  SystemUser: ["role", "business"],
  Page: ["created_time"],
  AdsPixel: ["created_time"],
  ProductCatalog: ["created_time"],
  BusinessAdAccountRequest: ["owner", "permitted_tasks", "status", "initiated_by", "created_time", "expiration_time"],
  BusinessPageRequest: ["owner", "permitted_tasks", "status", "initiated_by", "created_time", "expiration_time"],
  AssignedUser: ["tasks", "permitted_tasks"],
  CreativeHubProject: ["id", "name", "created_time", "owner_business"],
  AdReportRun: ["id", "account_id", "async_status", "async_percent_completion", "date_start", "date_stop", "time_ref", "time_completed"],
};

const knownByType = new Map<string, ReadonlySet<string>>();

/** Every name `fields` may ask for on a type, or undefined for types whose fields are not checked. */
function knownNames(typeName: string): ReadonlySet<string> | undefined {
  let known = knownByType.get(typeName);
  if (known) return known;
  const meta = META_FIELDS[typeName];
  const extra = GRANTLINE_FIELDS[typeName];
  if (meta === undefined && extra === undefined) return undefined;
  known = new Set(["id", ...(meta ?? "").split(" "), ...(META_EDGES[typeName] ?? "").split(" "), ...(extra ?? [])].filter(Boolean));
  knownByType.set(typeName, known);
  return known;
}

/** What the objects being rendered are: Meta's type name, and the node type when they are nodes of the registry. */
export interface RenderTarget {
  typeName?: string | undefined;
  nodeType?: string | undefined;
  /** Names an edge adds to its items (`tasks`, `permitted_tasks`, `access_status`, …). */
  extraFields?: readonly string[] | undefined;
}

/** What rendering needs from the routes: rendering an expanded edge's envelope, and resolving an id to a node. */
export interface RenderHooks {
  renderEdge(childCall: GraphCall, result: GraphResult, path: string, childrenText: string | undefined): Promise<unknown>;
  resolve(call: GraphCall, id: string): Promise<GraphNode>;
}

interface RenderContext {
  call: GraphCall;
  registry: GraphRegistry;
  hooks: RenderHooks;
}

/**
 * Meta refuses a name the type does not have with #100 rather than dropping it. A name is known
 * when Meta's spec lists it (field or edge), when Grantline serves it for the type, or when the
 * objects at hand carry it. A spec field Grantline does not keep is refused with #100 too
 * (src/graph/fieldCoverage.ts), never silently dropped.
 */
function checkKnown(selection: readonly FieldNode[], target: RenderTarget, objects: readonly object[], edges: Record<string, EdgeSpec> | undefined): void {
  if (!target.typeName) return;
  const known = knownNames(target.typeName);
  if (!known) return;
  for (const field of selection) {
    if (edges?.[field.name] !== undefined || target.extraFields?.includes(field.name)) continue;
    // A spec name Grantline answers needs no look through the objects (a list's items, each time).
    const refused = isRefusedSpecField(target.typeName, field.name);
    if (known.has(field.name) && !refused) continue;
    if (objects.some((object) => field.name in object)) continue;
    if (refused) throw errors.unsupportedField(field.name, target.typeName);
    throw errors.nonexistingField(field.name, target.typeName);
  }
}

function edgesOf(rc: RenderContext, nodeType: string | undefined): Record<string, EdgeSpec> | undefined {
  return nodeType ? rc.registry.nodes[nodeType]?.edges : undefined;
}

/** The node an item of a list is, for expanding its own edges. */
function nodeOfItem(item: GraphObject, nodeType: string, parent: GraphNode | undefined): GraphNode {
  const id = assetIdFromGraph(String(item.id));
  if (nodeType === "ad_account") return { type: nodeType, id, adAccountId: id };
  const account = typeof item.account_id === "string" ? item.account_id : parent?.adAccountId;
  return { type: nodeType, id, ...(account ? { adAccountId: account } : {}) };
}

/** The id a reference field points at: `{id}` in the object, or its `<name>_id` sibling. */
function referenceId(object: GraphObject, name: string): string | undefined {
  const value = object[name];
  if (value && typeof value === "object" && "id" in value) return String((value as { id: unknown }).id);
  const sibling = object[`${name}_id`];
  return typeof sibling === "string" || typeof sibling === "number" ? String(sibling) : undefined;
}

function referenceType(target: RenderTarget, name: string): string | undefined {
  return target.typeName ? META_REFERENCES[target.typeName]?.[name] : undefined;
}

function pickStruct(value: unknown, children: readonly FieldNode[]): unknown {
  if (Array.isArray(value)) return value.map((v) => pickStruct(v, children));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const child of children) {
    const inner = (value as Record<string, unknown>)[child.name];
    if (inner !== undefined) out[child.name] = child.children ? pickStruct(inner, child.children) : inner;
  }
  return out;
}

function limitOf(field: FieldNode): number {
  const raw = field.modifiers.limit;
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw errors.invalidParameter(`(#100) The limit of ${field.name} must be a positive integer, not "${raw}".`);
  return Math.min(limit, MAX_PAGE_SIZE);
}

/** `edge{fields}.limit(n)` on a node: the edge read as its own call, rendered as an envelope. */
async function expandEdge(rc: RenderContext, node: GraphNode, field: FieldNode, edge: EdgeSpec): Promise<unknown> {
  const { limit: _limit, ...modifiers } = field.modifiers;
  // Modifier values are written as parameters are: `.time_range({'since':…})`, `.filtering([…])`.
  const params = Object.fromEntries(Object.entries(modifiers).map(([key, value]) => [key, decodeValue(value)]));
  const childCall: GraphCall = {
    ...rc.call,
    params,
    fields: field.children?.map((c) => c.name),
    selection: field.children,
    paging: { limit: limitOf(field) },
  };
  const result = withEdgeItems(await edge.GET!(childCall, node), edge.returns, node);
  const path = `${graphIdOf(node.type, node.id)}/${field.name}`;
  return rc.hooks.renderEdge(childCall, result, path, field.childrenText);
}

/** `ref{fields}`: the node a reference field points at, read with the caller's own checks. */
async function expandReference(rc: RenderContext, id: string, field: FieldNode): Promise<unknown> {
  try {
    const node = await rc.hooks.resolve(rc.call, id);
    const spec = rc.registry.nodes[node.type];
    if (!spec) return { id };
    const object = await spec.read(rc.call, node);
    return await selectObject(rc, object, { typeName: typeNameOf(node.type), nodeType: node.type }, node, field.children, spec.defaults);
  } catch (error) {
    // A referenced object the caller may not read shows as its id alone, as it does unexpanded.
    if (error instanceof GrantlineError && (error.isDenial || error.id === "NOT_FOUND")) return { id };
    throw error;
  }
}

async function selectObject(
  rc: RenderContext,
  object: GraphObject,
  target: RenderTarget,
  node: GraphNode | undefined,
  selection: readonly FieldNode[] | undefined,
  defaults: readonly string[],
): Promise<Record<string, unknown>> {
  const edges = edgesOf(rc, target.nodeType);
  if (!selection || selection.length === 0) return selectFields(object, undefined, defaults);
  object = withFixedFields(target.typeName, object, selection.map((f) => f.name), rc.call.hub.now());
  checkKnown(selection, target, [object], edges);
  const out: Record<string, unknown> = {};
  if ("id" in object) out.id = object.id;
  for (const field of selection) {
    const value = object[field.name];
    const edge = edges?.[field.name]?.GET ? edges[field.name] : undefined;
    if (!isExpansion(field) && value !== undefined) {
      out[field.name] = value;
      continue;
    }
    if (edge && node) {
      out[field.name] = await expandEdge(rc, node, field, edge);
      continue;
    }
    const refType = referenceType(target, field.name);
    const refId = refType ? referenceId(object, field.name) : undefined;
    if (refId !== undefined) {
      out[field.name] = field.children ? await expandReference(rc, refId, field) : { id: refId };
      continue;
    }
    if (value !== undefined) out[field.name] = field.children ? pickStruct(value, field.children) : value;
  }
  return out;
}

/** Whether a selection is plain names the objects answer themselves (the common, cacheable case). */
function plain(selection: readonly FieldNode[], target: RenderTarget, edges: Record<string, EdgeSpec> | undefined, items: readonly GraphObject[]): boolean {
  return selection.every((field) => {
    if (isExpansion(field)) return false;
    if (items.some((item) => item[field.name] !== undefined)) return true;
    return !edges?.[field.name]?.GET && !referenceType(target, field.name);
  });
}

function contextOf(call: GraphCall, hooks: RenderHooks): RenderContext {
  if (!call.registry) throw new Error("A Graph call is rendered without its registry.");
  return { call, registry: call.registry, hooks };
}

/** A node's fields as the caller's `fields` select them, expanding references and edges. */
export function renderObject(call: GraphCall, object: GraphObject, node: GraphNode | undefined, defaults: readonly string[], hooks: RenderHooks) {
  const target: RenderTarget = node ? { typeName: typeNameOf(node.type), nodeType: node.type } : {};
  return selectObject(contextOf(call, hooks), object, target, node, call.selection, defaults);
}

/** An edge's items as the caller's `fields` select them. */
export async function renderItems(
  call: GraphCall,
  items: readonly GraphObject[],
  result: Extract<GraphResult, { kind: "list" }>,
  hooks: RenderHooks,
): Promise<readonly Record<string, unknown>[]> {
  const rc = contextOf(call, hooks);
  const target: RenderTarget = { typeName: result.itemType, nodeType: result.itemNode, extraFields: result.itemFields };
  const selection = call.selection;
  if (!selection || selection.length === 0) return selectFieldsOfEach(items, undefined, result.defaults);
  const names = selection.map((f) => f.name);
  const now = call.hub.now();
  // The same list when no item gains a fixed field, so that a frozen page held in memory keeps its
  // projections (selectFieldsOfEach) from request to request.
  if (asksFixedFields(target.typeName, names)) {
    const filled = items.map((item) => withFixedFields(target.typeName, item, names, now));
    if (filled.some((item, i) => item !== items[i])) items = filled;
  }
  const edges = edgesOf(rc, target.nodeType);
  checkKnown(selection, target, items, edges);
  if (plain(selection, target, edges, items)) return selectFieldsOfEach(items, call.fields, result.defaults);
  return Promise.all(
    items.map((item) =>
      selectObject(rc, item, target, target.nodeType ? nodeOfItem(item, target.nodeType, result.parent) : undefined, selection, result.defaults),
    ),
  );
}

/**
 * Marks a handler's list with what its items are, from the edge's declaration (a handler's own marks
 * win). Written out field by field rather than spread: every edge's handler returns its own shape of
 * list, and a spread that sees that many shapes takes V8's slow path on every call (9 µs of a
 * campaign list's request, `npm run bench:api`). A field added to the list result is added here too.
 */
export function withEdgeItems(result: GraphResult, items: EdgeItems | undefined, parent: GraphNode): GraphResult {
  if (result.kind !== "list") return result;
  return {
    kind: "list",
    page: result.page,
    defaults: result.defaults,
    total: result.total,
    select: result.select,
    summary: result.summary,
    itemType: result.itemType ?? items?.type,
    itemNode: result.itemNode ?? items?.node,
    itemFields: result.itemFields ?? items?.fields,
    parent,
  };
}
