import { describe, expect, it } from "vitest";
import { parseCommand, type Intent } from "./textCommands.ts";

describe("text commands", () => {
  it.each<[string, Intent]>([
    ["pause ads in Summer Sale with CPA over $40", { type: "set_status", status: "PAUSED", level: "ad", scope: "Summer Sale", condition: { metric: "cpa", op: ">", value: 40 }, period: "last_7d" }],
    ["Pause all ads in campaign 'Summer Sale' with a CPA above 40.50 over the last 14 days", { type: "set_status", status: "PAUSED", level: "ad", scope: "Summer Sale", condition: { metric: "cpa", op: ">", value: 40.5 }, period: "last_14d" }],
    ["turn off ad sets with ROAS under 1.5", { type: "set_status", status: "PAUSED", level: "adset", scope: undefined, condition: { metric: "roas", op: "<", value: 1.5 }, period: "last_7d" }],
    ["turn on ad set Lookalike", { type: "set_status", status: "ACTIVE", level: "adset", scope: "Lookalike", condition: undefined, period: "last_7d" }],
    ["pause Lookalike", { type: "set_status", status: "PAUSED", level: "adset", scope: "Lookalike", condition: undefined, period: "last_7d" }],
    ["raise Lookalike budget by 15%", { type: "change_budget", target: "Lookalike", mode: "percent", direction: 1, value: 15 }],
    ["Increase the budget of Summer Sale – Interests by 10 percent", { type: "change_budget", target: "Summer Sale – Interests", mode: "percent", direction: 1, value: 10 }],
    ["lower Interests budget by $5", { type: "change_budget", target: "Interests", mode: "amount", direction: -1, value: 5 }],
    ["set Lookalike daily budget to $1,200.50", { type: "change_budget", target: "Lookalike", mode: "set", direction: 1, value: 1200.5 }],
    ["how much did we spend yesterday?", { type: "question", metric: "spend", period: "yesterday", scope: undefined }],
    ["How much did we spend in Summer Sale last 7 days?", { type: "question", metric: "spend", period: "last_7d", scope: "Summer Sale" }],
    ["what was our CPA this month?", { type: "question", metric: "cpa", period: "this_month", scope: undefined }],
    ["how many purchases today?", { type: "question", metric: "conversions", period: "today", scope: undefined }],
  ])("%s", (text, intent) => {
    expect(parseCommand(text)).toEqual({ ok: true, intent });
  });

  it.each([
    ["", /empty/],
    ["raise Lookalike budget by 150%", /less than 100%/],
    ["raise Lookalike budget by lots", /not an amount or a percentage/],
    ["pause ads with happiness over 3", /not a metric I know/],
    ["pause ads", /Say which ads/],
    ["what is the weather?", /which number/],
    ["delete everything", /did not understand/],
  ])("refuses %j with a helpful message", (text, message) => {
    const result = parseCommand(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(message);
      expect(result.error).toMatch(/Try for example/);
    }
  });

  it("parses the same text the same way every time", () => {
    const text = "pause ads in Summer Sale with CPA over $40";
    expect(new Set(Array.from({ length: 20 }, () => JSON.stringify(parseCommand(text)))).size).toBe(1);
  });
});
