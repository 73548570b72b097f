import { describe, expect, it } from "vitest";
import { hourAllowed, judgeWrite, NO_GUARDRAILS, parseGuardrailValue, parseHours, scheduleDays } from "./guardrailRules.ts";

describe("guardrail rules", () => {
  it("reads allowed hours as a half-open range, wrapping midnight", () => {
    expect(parseHours("09-18")).toEqual({ start: 9, end: 18 });
    expect(parseHours("00-24")).toEqual({ start: 0, end: 24 });
    for (const bad of ["25-30", "09-09", "24-02", "9to5", "-1-4", "10-0"]) expect(parseHours(bad), bad).toBeUndefined();
    expect([8, 9, 17, 18].map((h) => hourAllowed("09-18", h))).toEqual([false, true, true, false]);
    expect([21, 22, 3, 5, 6].map((h) => hourAllowed("22-06", h))).toEqual([false, true, true, true, false]);
  });

  it("takes whole non-negative values, clears with an empty one, and refuses anything else", () => {
    expect(parseGuardrailValue("max_daily_budget", "50000")).toBe(50000);
    expect(parseGuardrailValue("max_increase_percent", 0)).toBe(0);
    expect(parseGuardrailValue("allowed_hours", "9-18")).toBe("09-18");
    expect(parseGuardrailValue("approval_above", "")).toBeNull();
    for (const [name, value] of [["max_daily_budget", -5], ["max_increase_percent", "1.5"], ["approval_above", "abc"], ["allowed_hours", 9]] as const) {
      expect(() => parseGuardrailValue(name, value), `${name}=${value}`).toThrow(name);
    }
  });

  it("always allows lowering a budget, bounds a lifetime budget per day of its schedule, and holds above approval", () => {
    const write = (before: number | null, after: number, kind: "daily" | "lifetime" = "daily", days = 1) => ({
      label: "Ad set A",
      currency: "USD",
      localHour: 12,
      budget: { kind, before, after, days, dayAgo: before },
    });
    const rules = { ...NO_GUARDRAILS, max_daily_budget: 10000, max_increase_percent: 10, approval_above: 5000 };
    expect(judgeWrite(rules, write(50000, 40000)).kind).toBe("allowed");
    expect(judgeWrite(rules, write(null, 12000))).toMatchObject({ kind: "refused", guardrail: "max_daily_budget", value: "10000" });
    expect(judgeWrite(rules, write(null, 250000, "lifetime", 30)).kind).toBe("held");
    expect(judgeWrite(rules, write(null, 350000, "lifetime", 30))).toMatchObject({ kind: "refused", guardrail: "max_daily_budget" });
    expect(judgeWrite(rules, write(4800, 5200)).kind).toBe("held");
    expect(judgeWrite(rules, write(4000, 4400)).kind).toBe("allowed");
    expect(judgeWrite(rules, write(4000, 4401))).toMatchObject({ kind: "refused", guardrail: "max_increase_percent" });
    expect(judgeWrite({ ...NO_GUARDRAILS, allowed_hours: "13-14" }, write(4000, 3000))).toMatchObject({ kind: "refused", guardrail: "allowed_hours" });
    expect(scheduleDays(0, 30 * 86_400_000, 0)).toBe(30);
    expect(scheduleDays(null, null, 0)).toBe(1);
  });
});
