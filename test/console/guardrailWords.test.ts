import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeGuardrails, draftOf, formatMoney, paramsOf, toMinor, type GuardrailSet } from "../../console/src/features/partners/guardrailWords.ts";
import { GUARDRAIL_NAMES, parseGuardrailValue } from "../../src/hub/guardrails/guardrailRules.ts";

/**
 * The console's guardrail form against the hub's own parser: whatever guardrails are stored, the
 * form opened on them (amounts in major units, hours as two selects, days and objects as lists)
 * sends back exactly the same values, and the hub reads every one of them as it was.
 */
const guardrailSet = fc.record(
  {
    max_daily_budget: fc.integer({ min: 0, max: 1_000_000_000_000 }),
    max_increase_amount: fc.integer({ min: 0, max: 1_000_000_000_000 }),
    max_daily_increase_amount: fc.integer({ min: 0, max: 1_000_000_000_000 }),
    max_daily_new_spend: fc.integer({ min: 0, max: 1_000_000_000_000 }),
    approval_above: fc.integer({ min: 0, max: 1_000_000_000_000 }),
    max_increase_percent: fc.integer({ min: 0, max: 100_000 }),
    max_daily_increase_percent: fc.integer({ min: 0, max: 100_000 }),
    allowed_hours: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 }))
      .filter(([start, end]) => start !== end)
      .map(([start, end]) => `${String(start).padStart(2, "0")}-${String(end).padStart(2, "0")}`),
    allowed_days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1 }).map((days) => days.sort((a, b) => a - b)),
    protected_objects: fc.uniqueArray(fc.stringMatching(/^[1-9]\d{0,14}$/), { minLength: 1, maxLength: 5 }),
    protected_labels: fc.uniqueArray(fc.stringMatching(/^[1-9]\d{0,14}$/), { minLength: 1, maxLength: 5 }),
  },
  { requiredKeys: [] },
);

describe("console guardrail form", () => {
  it("sends back what is stored, as the hub reads it, in any currency", () => {
    fc.assert(
      fc.property(guardrailSet, fc.constantFrom("USD", "EUR", "JPY", "KWD"), (stored, currency) => {
        const { params, errors } = paramsOf(draftOf({ business: "1", ...stored }, currency), currency);
        expect(errors).toEqual({});
        for (const name of GUARDRAIL_NAMES) {
          const expected = stored[name] ?? null;
          const read = parseGuardrailValue(name, params[name]);
          // Protected ids and labels are sets: their order is not kept.
          const asSet = (value: unknown) => (Array.isArray(value) && (name === "protected_objects" || name === "protected_labels") ? [...(value as string[])].sort() : value);
          expect(asSet(read)).toEqual(asSet(expected));
        }
      }),
    );
  });

  it("turns amounts typed in major units into minor units, by the currency's digits", () => {
    expect(toMinor("600", "USD")).toBe(60000);
    expect(toMinor("100.5", "USD")).toBe(10050);
    expect(toMinor("1,250.05", "USD")).toBe(125005);
    expect(toMinor("600", "JPY")).toBe(600);
    expect(toMinor("1.5", "JPY")).toBeUndefined();
    expect(toMinor("1.005", "USD")).toBeUndefined();
    expect(toMinor("-5", "USD")).toBeUndefined();
    expect(toMinor("six hundred", "USD")).toBeUndefined();
    expect(formatMoney(70000, "USD")).toBe("700.00 USD");
    expect(formatMoney(70000, "JPY")).toBe("70,000 JPY");
  });

  it("refuses half of an hour range and says every limit in words", () => {
    const draft = draftOf(undefined, "USD");
    expect(paramsOf({ ...draft, hoursFrom: "9" }, "USD").errors.allowed_hours).toBe("Choose both hours, or neither for any time of day.");
    expect(paramsOf(draft, "USD").any).toBe(false);
    const all: GuardrailSet = {
      business: "1",
      max_daily_budget: 60000,
      max_increase_percent: 20,
      max_increase_amount: 5000,
      max_daily_increase_percent: 50,
      max_daily_increase_amount: 10000,
      max_daily_new_spend: 100000,
      allowed_hours: "22-06",
      allowed_days: [1, 2, 3, 4, 5],
      protected_objects: ["11", "99"],
      approval_above: 30000,
    };
    expect(describeGuardrails(all, "USD", [{ id: "11", name: "Spring Sale", kind: "Campaign" }], "owner", "America/New_York")).toEqual([
      "No campaign or ad set above 600.00 USD a day (a lifetime budget: that much per day of its schedule).",
      "One change raises a budget by at most 20%.",
      "One change raises a budget by at most 50.00 USD.",
      "A budget rises by at most 50% within 24 hours.",
      "A budget rises by at most 100.00 USD within 24 hours.",
      "At most 1,000.00 USD of new daily spend within 24 hours (budget raises plus the budgets of new campaigns and ad sets).",
      "Changes only from 22:00 to 06:00 (America/New_York, the account's time zone).",
      "Changes only on Monday, Tuesday, Wednesday, Thursday, Friday.",
      "May not change campaign Spring Sale, 99, nor anything in them.",
      "A budget raised above 300.00 USD a day waits for your approval.",
    ]);
  });
});
