import crypto from "node:crypto";
import type { SecretBox } from "../crypto/secretBox.ts";
import type { Db } from "../store/database.ts";
import { findSealedServerKeys, storeSealedServerKeysOnce } from "./signingKey.repository.ts";

export interface ServerKeys {
  /** Private signing keys (JWK) of the authorization server. */
  jwks: { keys: crypto.JsonWebKey[] };
  /** Keys that sign the authorization server's cookies. */
  cookieKeys: string[];
}

const CONTEXT = "oauth_keys";

/**
 * The authorization server's keys: generated once, sealed with the instance key and kept in the
 * store, so every instance (and every restart) signs with the same keys.
 */
export async function loadOrCreateServerKeys(db: Db, secrets: SecretBox, now: number): Promise<ServerKeys> {
  const existing = await findSealedServerKeys(db);
  if (existing) return JSON.parse(secrets.open(existing, CONTEXT)) as ServerKeys;
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: crypto.randomBytes(8).toString("hex"), use: "sig", alg: "RS256" };
  const keys: ServerKeys = { jwks: { keys: [jwk] }, cookieKeys: [crypto.randomBytes(32).toString("base64url")] };
  // Two instances starting together: the first row wins and both use it.
  const stored = await storeSealedServerKeysOnce(db, secrets.seal(JSON.stringify(keys), CONTEXT), now);
  return JSON.parse(secrets.open(stored, CONTEXT)) as ServerKeys;
}
