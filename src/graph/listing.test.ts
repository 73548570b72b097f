import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pageOf, type Cursor, type PageRequest } from "../store/paging.ts";
import type { GraphCall, GraphObject } from "./graphTypes.ts";
import { listInOrder } from "./listing.ts";

const cursorAt = (position: number): Cursor => ({ createdAt: 0, id: String(10 ** 12 - position).padStart(13, "0") });

describe("listInOrder", () => {
  it("pages by position exactly as keyset paging over the same order would", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 25 }),
        fc.option(fc.integer({ min: -2, max: 65 }), { nil: undefined }),
        fc.option(fc.integer({ min: -2, max: 65 }), { nil: undefined }),
        async (length, limit, after, before) => {
          const items = Array.from({ length }, (_, i) => ({ n: i }));
          const request: PageRequest = { limit, ...(after !== undefined ? { after: cursorAt(after) } : {}), ...(before !== undefined ? { before: cursorAt(before) } : {}) };
          const result = listInOrder({ paging: request } as GraphCall, items, (item) => ({ n: item.n }) as unknown as GraphObject, []);
          if (result.kind !== "list") throw new Error("expected a list");
          // The reference: every row keyed by its position, paged by the shared keyset paging.
          const keyed = items.map((item, position) => ({ item, cursor: cursorAt(position) }));
          const reference = pageOf(keyed, request, (k) => k.cursor);
          expect(result.page.items).toEqual(reference.items.map((k) => ({ n: k.item.n })));
          expect({ hasNext: result.page.hasNext, hasPrevious: result.page.hasPrevious, first: result.page.first, last: result.page.last }).toEqual({
            hasNext: reference.hasNext,
            hasPrevious: reference.hasPrevious,
            first: reference.first,
            last: reference.last,
          });
          expect(await result.total!()).toBe(length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
