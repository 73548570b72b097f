import { describe, expect, it } from "vitest";
import { cpaText, money } from "./explain.ts";

describe("money in reasons", () => {
  it("reads minor units in the currency's own unit: cents where it has them, whole units where it has none", () => {
    expect(money(5000, "USD")).toBe("$50");
    expect(money(5025, "USD")).toBe("$50.25");
    expect(money(-123456789, "EUR")).toBe("-€1,234,567.89");
    expect(money(1225, "CHF")).toBe("12.25 CHF");
    // Yen have no minor unit on Meta: 5000 is ¥5,000, not ¥50.
    expect(money(5000, "JPY")).toBe("¥5,000");
    expect(money(1234567, "KRW")).toBe("1,234,567 KRW");
  });

  it("rounds a CPA to whole units from ten units up", () => {
    expect(cpaText(1234, "USD")).toBe("$12");
    expect(cpaText(999, "USD")).toBe("$9.99");
    expect(cpaText(1234, "JPY")).toBe("¥1,234");
    expect(cpaText(9, "JPY")).toBe("¥9");
    expect(cpaText(Number.POSITIVE_INFINITY, "USD")).toBe("no conversions yet");
  });
});
