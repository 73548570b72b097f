import { describe, expect, it } from "vitest";
import type { RequestContext } from "../context.ts";
import { listedAccountOf, noteListed } from "./requestReads.ts";

const contextOf = (requestId: string): RequestContext => ({ requestId, actor: { type: "person", id: "7" } }) as RequestContext;

describe("objects a request has listed", () => {
  it("names the account of a listed campaign or ad set to the same request only, and of nothing else", () => {
    const ctx = contextOf("a");
    const other = contextOf("b");
    noteListed(ctx, "campaign", [{ id: "10", account_id: "1" }]);
    expect(listedAccountOf(ctx, "campaign", "10")).toBe("1");
    noteListed(ctx, "adset", [{ id: "20", account_id: "1" }, { id: "21", account_id: "1" }]);
    noteListed(ctx, "adset", [{ id: "22", account_id: "2" }]);
    expect(listedAccountOf(ctx, "adset", "22")).toBe("2");
    // Lists noted after a lookup are found too.
    noteListed(ctx, "adset", [{ id: "23", account_id: "3" }]);
    expect(listedAccountOf(ctx, "adset", "23")).toBe("3");
    expect(listedAccountOf(ctx, "adset", "10")).toBeUndefined();
    expect(listedAccountOf(ctx, "campaign", "20")).toBeUndefined();
    expect(listedAccountOf(other, "campaign", "10")).toBeUndefined();
  });
});
