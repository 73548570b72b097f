import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pageOf, type Cursor, type PageRequest } from "../../store/paging.ts";
import type { KeysetWindow } from "../../store/keyset.ts";
import { keysetPage } from "./adPaging.ts";

interface Item {
  created_at: number;
  id: string;
}

const newer = (a: Cursor, b: Cursor) => a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
const key = (item: Item): Cursor => ({ createdAt: item.created_at, id: item.id });

/** What a repository does in SQL, done on an array. */
function fetchFrom(items: Item[]) {
  return async (window: KeysetWindow): Promise<Item[]> => {
    const kept = items.filter((item) => {
      const k = key(item);
      const { olderThan, newerThan } = window;
      if (olderThan && !(newer(olderThan.cursor, k) || (olderThan.inclusive && k.createdAt === olderThan.cursor.createdAt && k.id === olderThan.cursor.id))) return false;
      if (newerThan && !(newer(k, newerThan.cursor) || (newerThan.inclusive && k.createdAt === newerThan.cursor.createdAt && k.id === newerThan.cursor.id))) return false;
      return true;
    });
    kept.sort((a, b) => (newer(key(a), key(b)) ? -1 : 1));
    if (!window.newestFirst) kept.reverse();
    return kept.slice(0, window.limit);
  };
}

describe("keyset paging of SQL lists", () => {
  it("means what pageOf means, for any list, page size and cursors", async () => {
    const itemArb = fc.record({ created_at: fc.integer({ min: 0, max: 5 }), id: fc.integer({ min: 10, max: 99 }).map(String) });
    const cursorArb = fc.option(fc.record({ createdAt: fc.integer({ min: -1, max: 6 }), id: fc.integer({ min: 9, max: 100 }).map(String) }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(itemArb, { selector: (i) => i.id, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), cursorArb, cursorArb, async (items, limit, after, before) => {
        const sorted = [...items].sort((a, b) => (newer(key(a), key(b)) ? -1 : 1));
        const request: PageRequest = { limit, after, before };
        const expected = pageOf(sorted, request, key);
        const actual = await keysetPage(request, fetchFrom(items));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
