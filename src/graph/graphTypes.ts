import type { FastifyRequest } from "fastify";
import type { Hub } from "../hub/hub.ts";
import type { Page, PageRequest } from "../store/paging.ts";
import type { GraphCaller } from "./graphAuth.ts";
import type { GraphParams } from "./params.ts";

/** One Graph call as handlers see it. */
export interface GraphCall {
  hub: Hub;
  caller: GraphCaller;
  params: GraphParams;
  /** Requested `fields`, or undefined for the type's defaults. */
  fields: string[] | undefined;
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
  | { kind: "object"; value: GraphObject; defaults: readonly string[] }
  | {
      kind: "list";
      page: Page<GraphObject>;
      defaults: readonly string[];
      total?: () => Promise<number>;
      /** False when the items already hold exactly the asked-for fields (insights rows). */
      select?: boolean;
    }
  /** Sent as it is: `{"success": true}`, `{"id": "…"}`, tokens. */
  | { kind: "raw"; value: unknown };

export type Handler = (call: GraphCall, node: GraphNode) => Promise<GraphResult>;

export interface EdgeSpec {
  GET?: Handler;
  POST?: Handler;
  DELETE?: Handler;
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
