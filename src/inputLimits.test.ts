import { describe, expect, it } from "vitest";
import { minorDigits, minorPerMajor } from "./inputLimits.ts";

// Meta's currency table (https://developers.facebook.com/docs/marketing-api/currencies): the offset
// of each currency. Where ISO 4217 differs (TWD, CRC: two decimals; BHD, JOD: three), Meta's
// offset is what amounts are written in.
const META_OFFSETS: Record<string, number> = { USD: 100, EUR: 100, JPY: 1, KRW: 1, TWD: 1, CRC: 1, HUF: 1, CLP: 1, BHD: 100, JOD: 100, CHF: 100 };

describe("currency offsets", () => {
  it("follow Meta's table, not ISO 4217", () => {
    for (const [currency, offset] of Object.entries(META_OFFSETS)) {
      expect(minorPerMajor(currency), currency).toBe(offset);
      expect(minorDigits(currency), currency).toBe(offset === 1 ? 0 : 2);
    }
  });
});
