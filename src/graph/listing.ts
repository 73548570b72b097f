import { pageOf, pageWith, type Cursor, type Page } from "../store/paging.ts";
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
    page: pageWith(page, page.items.map(present)),
    defaults,
    total: async () => sorted.length,
  };
}

/**
 * An edge over rows that already come in their order and have no ids of their own (insights
 * rows): paged by position, with the same cursors and links as every other edge. A page costs
 * only its own rows, so reading a large report page by page stays linear.
 */
export function listInOrder<T>(call: GraphCall, items: T[], present: (item: T) => GraphObject, defaults: readonly string[]): GraphResult {
  const width = 12;
  // Keys fall as positions rise, so "newest first" order is the given order.
  const cursorAt = (position: number): Cursor => ({ createdAt: 0, id: String(10 ** width - position).padStart(width + 1, "0") });
  const request = call.paging;
  const positional = (c: Cursor | undefined) => c === undefined || (c.createdAt === 0 && /^\d+$/.test(c.id));
  if (!positional(request.after) || !positional(request.before)) {
    // A cursor from elsewhere: page it the general way.
    const keyed = items.map((item, position) => ({ item, cursor: cursorAt(position) }));
    const page = pageOf(keyed, request, (k) => k.cursor);
    return { kind: "list", page: pageWith(page, page.items.map((k) => present(k.item))), defaults, total: async () => items.length };
  }
  // The row at a cursor's position; rows after it are "older" in keyset terms.
  const positionOf = (c: Cursor) => 10 ** width - Number(c.id);
  let start = 0;
  let end = items.length;
  if (request.after) start = Math.min(items.length, Math.max(0, positionOf(request.after) + 1));
  if (request.before) end = Math.min(items.length, Math.max(0, positionOf(request.before)));
  if (end < start) end = start;
  const [from, to] = request.before && !request.after ? [Math.max(start, end - request.limit), end] : [start, Math.min(end, start + request.limit)];
  const page: Page<GraphObject> = { items: items.slice(from, to).map(present), hasNext: to < items.length, hasPrevious: from > 0 };
  if (to > from) {
    page.first = cursorAt(from);
    page.last = cursorAt(to - 1);
  }
  return { kind: "list", page, defaults, total: async () => items.length };
}
