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
