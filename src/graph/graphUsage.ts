import type { Hub } from "../hub/hub.ts";
import { principalMay } from "../hub/access/callerAccess.ts";
import type { RequestContext } from "../hub/context.ts";
import type { GraphNode } from "./graphTypes.ts";

/**
 * Counts a successful Graph read as use of the asset it read (the asset itself, or the ad account an
 * ad object or report belongs to): `read_insights` for insights, `view_asset` otherwise. Only callers
 * who can see the asset count (a troubleshooter question about it is not use). The read is not
 * audited; it goes into the usage rollup in batches.
 */
export function noteGraphRead(hub: Hub, ctx: RequestContext, node: GraphNode, edge: string | undefined): void {
  const assetId = node.adAccountId ?? (hub.engine.index.assets.has(node.id) ? node.id : undefined);
  if (!assetId) return;
  const action = edge === "insights" ? "read_insights" : "view_asset";
  if (!principalMay(hub, ctx, action, assetId)) return;
  hub.usage.noteRead(ctx, assetId, action);
}
