import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withChanges } from "./queryChanges.ts";

/** The reference: the whole query through URLSearchParams, as paging links were built before. */
function reference(query: string, changes: Record<string, string | undefined>, accessToken: string): string {
  const params = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) params.delete(key);
    else params.set(key, value);
  }
  params.set("access_token", accessToken);
  return params.toString();
}

// Keys and values drawn from few names and characters that need encoding (or decoding), so that
// repeats, changed keys, encoded keys and odd pairs ("a", "=", "a=b=c", "+", "%zz") all come up.
const keyText = fc.constantFrom("fields", "after", "before", "limit", "access_token", "access%5Ftoken", "appsecret_proof", "a", "", "lim%69t", "x+y", "%zz", "q r", "a~");
// "*-._" pass the form serializer unchanged, "~" does not: both sides of its fast path come up.
const valueText = fc.string({ unit: fc.constantFrom("a", "1", ",", "=", "+", "%", "2", "C", " ", "é", "/", "{", "}", "*", "-", ".", "_", "~"), maxLength: 6 });
const rawPair = fc.oneof(
  fc.tuple(keyText, valueText).map(([k, v]) => `${k}=${v}`),
  keyText,
  fc.constant(""),
);
const query = fc.array(rawPair, { maxLength: 8 }).map((pairs) => pairs.join("&"));
const changes = fc.dictionary(fc.constantFrom("after", "before", "limit", "fields", "a"), fc.option(valueText, { nil: undefined }));

describe("paging link queries", () => {
  it("equal URLSearchParams after the same set/delete calls, for any query and changes", () => {
    fc.assert(
      fc.property(query, changes, fc.constantFrom("tok-1", "t k&=2", "A_b.c*9", "a~b"), (q, c, token) => {
        // Twice: the second answer comes from the pair cache.
        expect(withChanges(q, c, token)).toBe(reference(q, c, token));
        expect(withChanges(q, c, token)).toBe(reference(q, c, token));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a changed key's place and puts new keys and the token last", () => {
    expect(withChanges("fields=id,name&after=x&limit=2&after=y", { after: "Z", before: undefined, limit: "25" }, "T")).toBe(
      "fields=id%2Cname&after=Z&limit=25&access_token=T",
    );
    expect(withChanges("access_token=old&fields=id", { before: "B", after: undefined }, "new")).toBe("access_token=new&fields=id&before=B");
  });
});
