import { describe, expect, it } from "vitest";
import type { RequestContext } from "../context.ts";
import { readInBatch } from "./requestBatch.ts";

const contextOf = (requestId: string): RequestContext => ({ requestId, actor: { type: "person", id: "7" } }) as RequestContext;

/** A read that records the ids of each call and answers each id doubled (none for "missing"). */
function recordingRead() {
  const calls: string[][] = [];
  const read = async (ids: readonly string[]) => {
    calls.push([...ids]);
    return new Map(ids.filter((id) => id !== "missing").map((id) => [id, `${id}${id}`]));
  };
  return { calls, read };
}

describe("reads batched within a request", () => {
  it("reads the ids asked for at once by one request and kind together, each caller getting its own value", async () => {
    const ctx = contextOf("a");
    const { calls, read } = recordingRead();
    // Callers that reach the read after some awaits of their own still join the batch.
    const later = async (id: string) => {
      await Promise.resolve();
      await Promise.resolve();
      return readInBatch(ctx, "k", id, read);
    };
    const values = await Promise.all([readInBatch(ctx, "k", "1", read), later("2"), readInBatch(ctx, "k", "1", read), readInBatch(ctx, "k", "missing", read)]);
    expect(values).toEqual(["11", "22", "11", undefined]);
    expect(calls.map((ids) => ids.sort())).toEqual([["1", "2", "missing"]]);
    // Once a batch is read, the next ask starts a new one.
    expect(await readInBatch(ctx, "k", "3", read)).toBe("33");
    expect(calls[1]).toEqual(["3"]);
  });

  it("never mixes requests or kinds", async () => {
    const { calls, read } = recordingRead();
    const [a, b] = [contextOf("a"), contextOf("b")];
    await Promise.all([readInBatch(a, "k", "1", read), readInBatch(b, "k", "2", read), readInBatch(a, "other", "3", read)]);
    expect(calls.map((ids) => ids.join(",")).sort()).toEqual(["1", "2", "3"]);
  });

  it("fails every caller of a batch whose read fails", async () => {
    const ctx = contextOf("a");
    const failing = async (): Promise<Map<string, string>> => {
      throw new Error("store unreachable");
    };
    const results = await Promise.allSettled([readInBatch(ctx, "k", "1", failing), readInBatch(ctx, "k", "2", failing)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
