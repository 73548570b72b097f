import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "./secretBox.ts";

describe("SecretBox", () => {
  const box = new SecretBox(crypto.randomBytes(32));

  it("opens what it sealed, with a fresh nonce each time", () => {
    const a = box.seal("s3cret", "webhook_secret:1");
    const b = box.seal("s3cret", "webhook_secret:1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("s3cret");
    expect(box.open(a, "webhook_secret:1")).toBe("s3cret");
    expect(box.open(b, "webhook_secret:1")).toBe("s3cret");
  });

  it("refuses another key, another context, and altered values", () => {
    const sealed = box.seal("s3cret", "webhook_secret:1");
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed, "webhook_secret:1")).toThrow(/another key, or altered/);
    expect(() => box.open(sealed, "webhook_secret:2")).toThrow(/another key, or altered/);
    const bytes = Buffer.from(sealed.slice(3), "base64url");
    bytes[bytes.length - 1]! ^= 1;
    expect(() => box.open(`v1.${bytes.toString("base64url")}`, "webhook_secret:1")).toThrow(/another key, or altered/);
    expect(() => box.open("plain text", "webhook_secret:1")).toThrow(/Not a sealed secret/);
  });

  it("takes only 32-byte keys", () => {
    expect(() => new SecretBox(crypto.randomBytes(16))).toThrow(/32 bytes/);
  });
});
