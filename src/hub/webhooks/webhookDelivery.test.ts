import { describe, expect, it } from "vitest";
import { webhookBody } from "./webhookFields.ts";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "../../store/outboxRetry.ts";
import { isValidSignature, signatureOf } from "./webhookSignature.ts";

describe("webhook signatures", () => {
  it("is sha256= and the hex HMAC-SHA256 of the exact body (a published test vector)", () => {
    expect(signatureOf("key", "The quick brown fox jumps over the lazy dog")).toBe(
      "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
  });

  it("validates only the same bytes under the same secret", () => {
    const body = webhookBody("ad_account", "1", 1_700_000_000_500, "with_issues_ad_objects", { id: "2", level: "AD", effective_status: "WITH_ISSUES" });
    const header = signatureOf("secret", body);
    expect(isValidSignature("secret", Buffer.from(body), header)).toBe(true);
    expect(isValidSignature("secret", `${body} `, header)).toBe(false);
    expect(isValidSignature("other", body, header)).toBe(false);
    expect(isValidSignature("secret", body, undefined)).toBe(false);
    expect(JSON.parse(body)).toEqual({
      object: "ad_account",
      entry: [{ id: "1", time: 1_700_000_000, changes: [{ field: "with_issues_ad_objects", value: { id: "2", level: "AD", effective_status: "WITH_ISSUES" } }] }],
    });
  });
});

describe("retry schedule", () => {
  it("doubles from a minute and stops growing at an hour", () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
    expect([1, 2, 3, 6, 7, 8, 20].map((n) => retryDelayMs(n) / 60_000)).toEqual([1, 2, 4, 32, 60, 60, 60]);
  });
});
