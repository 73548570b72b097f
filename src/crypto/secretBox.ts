import crypto from "node:crypto";
import { SECRET_KEY_BYTES } from "./secretKey.ts";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals short secrets for storage with AES-256-GCM: `v1.<base64url(iv | tag | ciphertext)>`. The
 * `context` (for example `webhook_secret:<app id>`) is bound as associated data, so a sealed value
 * copied onto another row does not open there.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`A secret key must be ${SECRET_KEY_BYTES} bytes.`);
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64url")}`;
  }

  /** The plaintext, or an error when the key is not the one that sealed it or the value was altered. */
  open(sealed: string, context: string): string {
    const [version, data] = sealed.split(".", 2);
    if (version !== VERSION || !data) throw new Error("Not a sealed secret.");
    const bytes = Buffer.from(data, "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("Not a sealed secret.");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new Error("The sealed secret cannot be opened: it was sealed with another key, or altered.");
    }
  }
}
