import { describe, expect, it } from "vitest";
import { exactMoney } from "./actionLog.ts";

describe("amounts in Autopilot's action log", () => {
  it("show every decimal the currency has on Meta, and none it has not", () => {
    expect(exactMoney(5000, "USD")).toBe("$50.00");
    expect(exactMoney("123456", "EUR")).toBe("€1,234.56");
    expect(exactMoney(5000, "JPY")).toBe("¥5,000");
    // TWD has no minor unit on Meta (ISO gives it two decimals): 5000 is NT$5,000.
    expect(exactMoney(5000, "TWD")).toBe("NT$5,000");
    // BHD has an offset of 100 on Meta (ISO gives it three decimals): 5000 is 50.00.
    expect(exactMoney(5000, "BHD")).toBe("BHD\u00a050.00");
    expect(exactMoney(null, "USD")).toBe("$0.00");
  });
});
