import type { FastifyRequest } from "fastify";
import type { Hub } from "../hub/hub.ts";
import type { Page, PageRequest } from "../store/paging.ts";
import type { GraphCaller } from "../web/graphAuth.ts";
import type { FieldNode } from "./fieldSelection.ts";
import type { GraphRegistry } from "./graphRoutes.ts";
import type { GraphParams } from "./params.ts";

/** One Graph call as handlers see it. */
export interface GraphCall {
  hub: Hub;
  caller: GraphCaller;
  params: GraphParams;
  /** Requested `fields` (top-level names), or undefined for the type's defaults. */
  fields: string[] | undefined;
  /** The whole `fields` selection, with sub-fields and modifiers (`campaigns.limit(5){name}`). */
  selection?: readonly FieldNode[] | undefined;
  /** The node types served, for expanding references and edges named in `fields`. */
  registry?: GraphRegistry;
  paging: PageRequest;
  request: FastifyRequest;
}

/** A node the path named, resolved to what it is. */
export interface GraphNode {
  type: string;
  /** The id the store knows (no `act_`). */
  id: string;
  /** The ad account the node belongs to (itself for an ad account), for its rate-limit bucket. */
  adAccountId?: string;
}

export type GraphObject = Record<string, unknown>;

export type GraphResult =
  | { kind: "object"; value: GraphObject; defaults: readonly string[]; node?: GraphNode }
  | {
      kind: "list";
      page: Page<GraphObject>;
      defaults: readonly string[];
      /** Meta's type name of the items (AdAccount, Page, …), for field checks and errors. */
      itemType?: string | undefined;
      /** The registry's node type of the items, when they are nodes whose edges `fields` may expand. */
      itemNode?: string | undefined;
      /** Names the edge adds to each item beyond the type's own fields. */
      itemFields?: readonly string[] | undefined;
      /** The node whose edge this is. */
      parent?: GraphNode | undefined;
      total?: () => Promise<number>;
      /** False when the items already hold exactly the asked-for fields (insights rows). */
      select?: boolean;
      /** The edge's own `summary` object (insights totals), answered instead of total_count when `summary` asks for fields. */
      summary?: (() => Promise<Record<string, unknown> | undefined>) | undefined;
    }
  /** Sent as it is: `{"success": true}`, `{"id": "…"}`, tokens. */
  | { kind: "raw"; value: unknown };

export type Handler = (call: GraphCall, node: GraphNode) => Promise<GraphResult>;

/** What an edge's items are: Meta's type name, the registry's node type when they are nodes, and fields the edge adds. */
export interface EdgeItems {
  type: string;
  node?: string;
  fields?: readonly string[];
}

export interface EdgeSpec {
  GET?: Handler;
  POST?: Handler;
  DELETE?: Handler;
  returns?: EdgeItems;
}

export interface NodeSpec {
  /** Fields returned when the caller asks for none. */
  defaults: readonly string[];
  /** The full object, after checking the caller may see it (else the same error as a missing node). */
  read(call: GraphCall, node: GraphNode): Promise<GraphObject>;
  update?: Handler;
  remove?: Handler;
  edges: Record<string, EdgeSpec>;
}

/** Finds what a bare id is (campaign, ad set, …) for node types the hub's index does not hold. */
export type NodeResolver = (hub: Hub, id: string) => Promise<GraphNode | undefined>;

export const raw = (value: unknown): GraphResult => ({ kind: "raw", value });
export const success = (): GraphResult => raw({ success: true });
