import type { GraphRegistry } from "./graphRoutes.ts";
import { assetNodes } from "./nodes/assetNodes.ts";
import { businessNode } from "./nodes/businessNode.ts";
import { systemUserNode, userNode } from "./nodes/principalNodes.ts";

/** Every node type the Graph surface serves, and how bare ids of non-hub objects are resolved. */
export function buildGraphRegistry(): GraphRegistry {
  return {
    nodes: {
      business: businessNode,
      user: userNode,
      system_user: systemUserNode,
      ...assetNodes,
    },
    resolvers: [],
  };
}
