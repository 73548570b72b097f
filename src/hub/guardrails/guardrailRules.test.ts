import { describe, expect, it } from "vitest";
import { addedDailySpend, describeAmount, hourAllowed, judgeWrite, NO_GUARDRAILS, parseGuardrailValue, parseHours, scheduleDays, type ProposedWrite } from "./guardrailRules.ts";

describe("guardrail rules", () => {
  it("writes amounts by the currency's offset: cents for most, whole units for JPY and its like", () => {
    expect(describeAmount(5000, "USD")).toBe("50.00 USD (5000)");
    expect(describeAmount(5000, "JPY")).toBe("5000 JPY");
    expect(describeAmount(123456, "KRW")).toBe("123456 KRW");
  });

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
      localDay: 1,
      touches: ["11", "12"],
      budget: { kind, before, after, days, dayAgo: before },
      newSpendToday: 0,
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

  it("reads days as Meta's 0 (Sunday) to 6 or by name, and object ids as a list; refuses anything else", () => {
    expect(parseGuardrailValue("allowed_days", [5, 1, 1, 3])).toEqual([1, 3, 5]);
    expect(parseGuardrailValue("allowed_days", "MON,tuesday, 0")).toEqual([0, 1, 2]);
    expect(parseGuardrailValue("allowed_days", "[6]")).toEqual([6]);
    for (const bad of [[7], "-1", "FUNDAY", [], "[]", "[1,", { day: 1 }, [1.5]]) expect(() => parseGuardrailValue("allowed_days", bad), JSON.stringify(bad)).toThrow("allowed_days");
    expect(parseGuardrailValue("protected_objects", ["12", 11])).toEqual(["11", "12"]);
    expect(parseGuardrailValue("protected_objects", "12, 13")).toEqual(["12", "13"]);
    for (const bad of [["act_1"], [], "12,,13", [-1]]) expect(() => parseGuardrailValue("protected_objects", bad), JSON.stringify(bad)).toThrow("protected_objects");
    for (const name of ["max_increase_amount", "max_daily_increase_amount", "max_daily_new_spend"] as const) {
      expect(parseGuardrailValue(name, "2500")).toBe(2500);
      expect(() => parseGuardrailValue(name, -1), name).toThrow(name);
      expect(() => parseGuardrailValue(name, "10.5"), name).toThrow(name);
    }
  });

  it("bounds raises in minor units per change, per 24 hours and across the account, and keeps partners off protected objects and days", () => {
    const base: ProposedWrite = { label: "Ad set A", currency: "USD", localHour: 12, localDay: 2, touches: ["21", "20"], newSpendToday: 0 };
    const raise = (before: number | null, after: number, dayAgo: number | null = before, extra: Partial<ProposedWrite> = {}, days = 1): ProposedWrite => ({
      ...base,
      budget: { kind: days === 1 ? "daily" : "lifetime", before, after, days, dayAgo },
      ...extra,
    });
    const perChange = { ...NO_GUARDRAILS, max_increase_amount: 1000 };
    expect(judgeWrite(perChange, raise(5000, 6000)).kind).toBe("allowed");
    expect(judgeWrite(perChange, raise(5000, 6001))).toMatchObject({ kind: "refused", guardrail: "max_increase_amount", value: "1000" });
    expect(judgeWrite(perChange, raise(50000, 56000, 50000, {}, 7)).kind).toBe("allowed");
    expect(judgeWrite(perChange, raise(null, 90000)).kind).toBe("allowed");
    const perDay = { ...NO_GUARDRAILS, max_daily_increase_amount: 1500 };
    expect(judgeWrite(perDay, raise(6000, 6500, 5000)).kind).toBe("allowed");
    expect(judgeWrite(perDay, raise(6000, 6501, 5000))).toMatchObject({ kind: "refused", guardrail: "max_daily_increase_amount", value: "1500" });
    const account = { ...NO_GUARDRAILS, max_daily_new_spend: 3000 };
    expect(judgeWrite(account, raise(5000, 6000, 5000, { newSpendToday: 2000 })).kind).toBe("allowed");
    expect(judgeWrite(account, raise(5000, 6001, 5000, { newSpendToday: 2000 }))).toMatchObject({ kind: "refused", guardrail: "max_daily_new_spend", value: "3000" });
    expect(judgeWrite(account, raise(null, 3001))).toMatchObject({ kind: "refused", guardrail: "max_daily_new_spend" });
    expect(judgeWrite(account, raise(9000, 100, 9000, { newSpendToday: 9999 })).kind).toBe("allowed");
    expect(addedDailySpend({ before: 10000, after: 31000, days: 10 })).toBe(2100);
    expect(addedDailySpend({ before: null, after: 1001, days: 10 })).toBe(101);
    expect(addedDailySpend({ before: 5000, after: 100, days: 1 })).toBe(0);
    // Days, hours and protected objects bind every change, lowering included.
    expect(judgeWrite({ ...NO_GUARDRAILS, allowed_days: [1, 3] }, raise(5000, 100))).toMatchObject({ kind: "refused", guardrail: "allowed_days", value: "1,3" });
    expect(judgeWrite({ ...NO_GUARDRAILS, allowed_days: [2] }, raise(5000, 100)).kind).toBe("allowed");
    expect(judgeWrite({ ...NO_GUARDRAILS, protected_objects: ["20"] }, raise(5000, 100))).toMatchObject({ kind: "refused", guardrail: "protected_objects", value: "20" });
    expect(judgeWrite({ ...NO_GUARDRAILS, protected_objects: ["22"] }, base).kind).toBe("allowed");
  });

  it("keeps partners off objects carrying a protected label, or in one that does, and off the label itself", () => {
    expect(parseGuardrailValue("protected_labels", "Brand, 71")).toEqual(["Brand", "71"]);
    expect(parseGuardrailValue("protected_labels", '["Spring, summer", 72]')).toEqual(["Spring, summer", "72"]);
    for (const bad of [[], "a,,b", [{ id: 1 }]]) expect(() => parseGuardrailValue("protected_labels", bad), JSON.stringify(bad)).toThrow("protected_labels");
    const write: ProposedWrite = { label: "Ad set A", currency: "USD", localHour: 12, localDay: 2, touches: ["21", "20"], newSpendToday: 0 };
    const rules = { ...NO_GUARDRAILS, protected_labels: ["70", "71"] };
    expect(judgeWrite(rules, { ...write, labels: [{ id: "72", name: "Other", on: "21" }] }).kind).toBe("allowed");
    expect(judgeWrite(rules, { ...write, labels: [{ id: "71", name: "VIP", on: "21" }] })).toMatchObject({
      kind: "refused",
      guardrail: "protected_labels",
      value: "70,71",
      detail: "Ad set A carries the ad label VIP (71); what carries it, and everything in that, is protected from changes by this partner.",
    });
    expect(judgeWrite(rules, { ...write, labels: [{ id: "70", name: "Brand", on: "20" }] })).toMatchObject({
      detail: "Ad set A is in 20, which carries the ad label Brand (70); what carries it, and everything in that, is protected from changes by this partner.",
    });
    expect(judgeWrite(rules, { ...write, labelChanges: [{ id: "72", name: "Other" }] }).kind).toBe("allowed");
    expect(judgeWrite(rules, { ...write, labelChanges: [{ id: "70", name: "Brand" }] })).toMatchObject({ kind: "refused", guardrail: "protected_labels", detail: expect.stringContaining("Brand (70)") });
    // Protected objects are judged first; labels without the rule bind nothing.
    expect(judgeWrite({ ...rules, protected_objects: ["21"] }, { ...write, labels: [{ id: "70", name: "Brand", on: "21" }] })).toMatchObject({ guardrail: "protected_objects" });
    expect(judgeWrite(NO_GUARDRAILS, { ...write, labels: [{ id: "70", name: "Brand", on: "21" }], labelChanges: [{ id: "70", name: "Brand" }] }).kind).toBe("allowed");
  });
});
