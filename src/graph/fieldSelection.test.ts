import { describe, expect, it } from "vitest";
import { GrantlineError } from "../errors.ts";
import { parseFieldSelection } from "./fieldSelection.ts";
import { renderItems, type RenderHooks } from "./graphRender.ts";
import type { GraphCall, GraphObject, GraphResult } from "./graphTypes.ts";

describe("parseFieldSelection, kept by text", () => {
  it("answers the same text with the same frozen nodes, and a malformed text with #100 every time", () => {
    const text = "name,adsets.limit(2){name,insights.date_preset(last_7d){spend}}";
    const first = parseFieldSelection(text)!;
    expect(parseFieldSelection(text)).toBe(first);
    expect(parseFieldSelection(["name", "adsets.limit(2){name,insights.date_preset(last_7d){spend}}"])).toBe(first);
    expect(first.map((f) => f.name)).toEqual(["name", "adsets"]);
    expect(first[1]!.modifiers).toEqual({ limit: "2" });
    expect(first[1]!.children![1]!.modifiers).toEqual({ date_preset: "last_7d" });
    expect(Object.isFrozen(first) && Object.isFrozen(first[1]) && Object.isFrozen(first[1]!.modifiers) && Object.isFrozen(first[1]!.children![1])).toBe(true);
    for (let i = 0; i < 2; i++) expect(() => parseFieldSelection("name{")).toThrow(GrantlineError);
  });

  it("parses a long text each time, with the same result", () => {
    const text = Array.from({ length: 400 }, (_, i) => `field_${i}`).join(",");
    const first = parseFieldSelection(text)!;
    const second = parseFieldSelection(text)!;
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });
});

describe("renderItems over a frozen page held in memory", () => {
  const hooks = {} as RenderHooks;
  const callFor = (fields: string): GraphCall => {
    const selection = parseFieldSelection(fields);
    return { hub: { now: () => Date.UTC(2026, 0, 1) }, registry: { nodes: {}, resolvers: [] }, selection, fields: selection?.map((f) => f.name), params: {} } as unknown as GraphCall;
  };
  const items: readonly GraphObject[] = Object.freeze([
    Object.freeze({ id: "2", account_id: "1", name: "B", status: "PAUSED", daily_budget: "1001", special_ad_categories: [] }),
    Object.freeze({ id: "1", account_id: "1", name: "A", status: "ACTIVE", daily_budget: "1000", special_ad_categories: ["HOUSING"] }),
  ]) as readonly GraphObject[];
  const result = (): Extract<GraphResult, { kind: "list" }> => ({ kind: "list", page: { items: [...items], hasNext: false, hasPrevious: false }, defaults: ["id"], itemType: "Campaign", itemNode: "campaign" });

  it("answers the same selection with the same projection every time", async () => {
    const call = callFor("id,name,status,daily_budget");
    const first = await renderItems(call, items, result(), hooks);
    expect(first).toEqual([
      { id: "2", name: "B", status: "PAUSED", daily_budget: "1001" },
      { id: "1", name: "A", status: "ACTIVE", daily_budget: "1000" },
    ]);
    expect(await renderItems(callFor("id,name,status,daily_budget"), items, result(), hooks)).toBe(first);
  });

  it("still fills in the fixed fields a selection asks for", async () => {
    const rendered = await renderItems(callFor("name,special_ad_category,pacing_type"), items, result(), hooks);
    expect(rendered).toEqual([
      { id: "2", name: "B", special_ad_category: "NONE", pacing_type: ["standard"] },
      { id: "1", name: "A", special_ad_category: "HOUSING", pacing_type: ["standard"] },
    ]);
  });
});

describe("parseFieldSelection of JSON values", () => {
  it("refuses an object or a list holding one with #100, whatever its keys (toString, valueOf)", () => {
    // Parameters arrive parsed from JSON: {"toString":{}} is an object String() cannot print.
    for (const value of [{ toString: {} }, ["name", { valueOf: 1 }], { a: 1 }]) {
      let caught: unknown;
      try {
        parseFieldSelection(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GrantlineError);
      expect((caught as GrantlineError).code).toBe(100);
    }
  });
});
