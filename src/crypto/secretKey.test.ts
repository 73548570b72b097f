import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decodeSecretKey, loadOrCreateSecretKey } from "./secretKey.ts";

describe("secret keys", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-key-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("decodes base64 and base64url of exactly 32 bytes", () => {
    const key = crypto.randomBytes(32);
    expect(decodeSecretKey(key.toString("base64"))).toEqual(key);
    expect(decodeSecretKey(`${key.toString("base64url")}\n`)).toEqual(key);
    expect(decodeSecretKey(crypto.randomBytes(31).toString("base64"))).toBeUndefined();
    expect(decodeSecretKey("not a key at all!")).toBeUndefined();
  });

  it("creates <dataDir>/secret.key once, readable by its owner only, and reads it back", () => {
    const dir = path.join(tempDir(), "data");
    const key = loadOrCreateSecretKey(dir);
    const file = path.join(dir, "secret.key");
    expect(key).toHaveLength(32);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretKey(dir)).toEqual(key);
  });

  it("refuses a key file that does not hold a key", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "secret.key"), "too short");
    expect(() => loadOrCreateSecretKey(dir)).toThrow(/does not hold a base64-encoded 32-byte key/);
  });
});
