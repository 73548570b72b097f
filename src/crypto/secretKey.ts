import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** AES-256 takes a 32-byte key. */
export const SECRET_KEY_BYTES = 32;
export const SECRET_KEY_FILE = "secret.key";

/** The key a base64 (or base64url) setting holds, or undefined when it is not exactly 32 bytes. */
export function decodeSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, trimmed.includes("-") || trimmed.includes("_") ? "base64url" : "base64");
  return key.length === SECRET_KEY_BYTES ? key : undefined;
}

/**
 * The key in `<dataDir>/secret.key`, created (mode 0600) the first time it is needed. This suits one
 * instance with its own data folder; instances that share a PostgreSQL store must all be given the
 * same GRANTLINE_SECRET_KEY instead, or each would seal secrets the others cannot open.
 */
export function loadOrCreateSecretKey(dataDir: string): Buffer {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // "wx" fails if another process created the file meanwhile; then its key is the one to use.
    fs.writeFileSync(file, `${crypto.randomBytes(SECRET_KEY_BYTES).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const created = readKeyFile(file);
  if (!created) throw new Error(`${file} could not be created.`);
  return created;
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const key = decodeSecretKey(text);
  if (!key) throw new Error(`${file} does not hold a base64-encoded ${SECRET_KEY_BYTES}-byte key.`);
  return key;
}
