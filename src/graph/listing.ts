import { pageOf, type Cursor } from "../store/paging.ts";
import type { GraphCall, GraphObject, GraphResult } from "./graphTypes.ts";

/**
 * An edge over a list the hub computed in memory: newest first, keyset-paged like stored lists,
 * each item presented in Graph's field names.
 */
export function listOf<T>(
  call: GraphCall,
  items: T[],
  cursorOf: (item: T) => Cursor,
  present: (item: T) => GraphObject,
  defaults: readonly string[],
): GraphResult {
  const sorted = [...items].sort((a, b) => {
    const x = cursorOf(a);
    const y = cursorOf(b);
    return y.createdAt - x.createdAt || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
  });
  const page = pageOf(sorted, call.paging, cursorOf);
  return {
    kind: "list",
    page: { ...page, items: page.items.map(present) },
    defaults,
    total: async () => sorted.length,
  };
}

/**
 * An edge over rows that already come in their order and have no ids of their own (insights
 * rows): paged by position, with the same cursors and links as every other edge.
 */
export function listInOrder<T>(call: GraphCall, items: T[], present: (item: T) => GraphObject, defaults: readonly string[]): GraphResult {
  const width = 12;
  // Keys fall as positions rise, so "newest first" order is the given order.
  const keyed = items.map((item, position) => ({ item, cursor: { createdAt: 0, id: String(10 ** width - position).padStart(width + 1, "0") } }));
  const page = pageOf(keyed, call.paging, (k) => k.cursor);
  return {
    kind: "list",
    page: { ...page, items: page.items.map((k) => present(k.item)) },
    defaults,
    total: async () => items.length,
  };
}
