import { errors } from "../../errors.ts";
import type { KeysetWindow } from "../../store/keyset.ts";
import { MAX_PAGE_SIZE, type Cursor, type Page, type PageRequest } from "../../store/paging.ts";

/**
 * Keyset paging of SQL lists, with the same meaning as `pageOf` in store/paging.ts: rows newest
 * first by (created_at, id); `after` continues past a row, `before` comes back from one, and
 * hasNext/hasPrevious say whether any row lies beyond the page in either direction. A repository
 * turns a window into its where-conditions with `keysetConditions` (store/keyset.ts).
 */

interface Keyed {
  created_at: number;
  id: string;
}

export function pageLimit(request: PageRequest): number {
  if (!Number.isInteger(request.limit) || request.limit < 1) {
    throw errors.invalidParameter("Invalid limit: it must be a whole number from 1 to 500.");
  }
  return Math.min(request.limit, MAX_PAGE_SIZE);
}

const cursorOf = (row: Keyed): Cursor => ({ createdAt: row.created_at, id: row.id });

/**
 * One page of a list. `fetch` runs the list's query for a window (its own filters plus
 * `keysetConditions`, ordered by (created_at, id) as asked, limited).
 */
export async function keysetPage<R extends Keyed>(request: PageRequest, fetch: (window: KeysetWindow) => Promise<R[]>): Promise<Page<R>> {
  const limit = pageLimit(request);
  const backwards = request.before !== undefined && request.after === undefined;
  const bounds: Pick<KeysetWindow, "olderThan" | "newerThan"> = {};
  if (request.after) bounds.olderThan = { cursor: request.after, inclusive: false };
  if (request.before) bounds.newerThan = { cursor: request.before, inclusive: false };
  const rows = await fetch({ ...bounds, newestFirst: !backwards, limit: limit + 1 });
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (backwards) items.reverse();

  const exists = async (bound: Pick<KeysetWindow, "olderThan" | "newerThan">) =>
    (await fetch({ ...bound, newestFirst: true, limit: 1 })).length > 0;
  const first = items[0];
  const last = items[items.length - 1];
  let hasNext: boolean;
  let hasPrevious: boolean;
  if (first && last) {
    hasNext = !backwards && !request.before ? more : await exists({ olderThan: { cursor: cursorOf(last), inclusive: false } });
    hasPrevious = backwards ? more : request.after ? await exists({ newerThan: { cursor: cursorOf(first), inclusive: false } }) : false;
  } else if (request.after) {
    // An empty page sits just past `after`: the cursor's row and everything newer come before it.
    hasNext = await exists({ olderThan: { cursor: request.after, inclusive: false } });
    hasPrevious = await exists({ newerThan: { cursor: request.after, inclusive: true } });
  } else {
    hasNext = await exists({});
    hasPrevious = false;
  }

  return pageOf(items, hasNext, hasPrevious);
}

/** A page of items in the order shown, with the cursors of its first and last item. */
function pageOf<R extends Keyed>(items: R[], hasNext: boolean, hasPrevious: boolean): Page<R> {
  const page: Page<R> = { items, hasNext, hasPrevious };
  const first = items[0];
  const last = items[items.length - 1];
  if (first && last) {
    page.first = cursorOf(first);
    page.last = cursorOf(last);
  }
  return page;
}

/**
 * The first page of a list (a request without a cursor) from its newest `limit + 1` rows, newest
 * first, as `keysetPage` answers it; for lists read for many parents at once.
 */
export function firstPageOf<R extends Keyed>(rows: readonly R[], limit: number): Page<R> {
  return pageOf(rows.slice(0, limit), rows.length > limit, false);
}

/** The page with each item presented. */
export function mapPage<R, T>(page: Page<R>, present: (row: R) => T): Page<T> {
  const mapped: Page<T> = { items: page.items.map(present), hasNext: page.hasNext, hasPrevious: page.hasPrevious };
  if (page.first) mapped.first = page.first;
  if (page.last) mapped.last = page.last;
  return mapped;
}
