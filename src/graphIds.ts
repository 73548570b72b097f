/**
 * Asset ids as the Graph API writes them. An ad account's Graph id is `act_<id>`; every other asset
 * is named by its bare id. The hub stores bare ids, so every layer converts at its edge with these.
 */

/** The Graph id of an asset: `act_<id>` for an ad account, the id itself otherwise. */
export function graphIdOf(type: string, id: string): string {
  return type === "ad_account" ? adAccountGraphId(id) : id;
}

/** An ad account's Graph id, `act_<id>`, from its bare id. */
export function adAccountGraphId(id: string): string {
  return `act_${id}`;
}

/** The bare asset id of a Graph id: `act_123` and `123` both name asset 123. */
export function assetIdFromGraph(graphId: string): string {
  return graphId.startsWith("act_") ? graphId.slice(4) : graphId;
}
