import crypto from "node:crypto";
import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { authorizeBusinessAdmin, subjectOf } from "../access/authorize.ts";
import { appRedirectUris, appRequestedScopes, findApp, insertApp, setAppReviewStatus, type AppRow } from "./appGrant.repository.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import { SCOPES } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps } from "../hubCommand.ts";
import type { SecretBox } from "../../crypto/secretBox.ts";

export const REVIEW_STATUSES = ["unreviewed", "verified", "rejected"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface RegisteredApp {
  id: string;
  name: string;
  businessId: string;
  redirectUris: string[];
  scopes: string[];
  reviewStatus: ReviewStatus;
  /** The operator verified the developer: shown as the "verified partner" badge. */
  verified: boolean;
  requireAppsecretProof: boolean;
  /** The hub's own app (Autopilot), registered by the hub's operator. */
  firstParty: boolean;
}

/** A client secret is 256 random bits, so one SHA-256 is enough to store it (no password stretching needed). */
export function hashClientSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex");
}

/** True when `secret` hashes to `storedHash`; compared in constant time. */
export function secretMatchesHash(secret: unknown, storedHash: string | null | undefined): boolean {
  if (typeof secret !== "string" || !secret || !storedHash) return false;
  const a = Buffer.from(hashClientSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function sealContext(appId: string): string {
  return `client_secret:${appId}`;
}

/** Exact redirect URIs: absolute, no fragment, no wildcards; plain http only for loopback. */
export function checkRedirectUri(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidParameter(`Invalid redirect URI ${value}: it must be an absolute URL.`);
  }
  if (url.hash || value.includes("#")) throw errors.invalidParameter(`Invalid redirect URI ${value}: it must not have a fragment.`);
  if (value.includes("*")) throw errors.invalidParameter(`Invalid redirect URI ${value}: wildcards are not allowed; register each URI exactly.`);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw errors.invalidParameter(`Invalid redirect URI ${value}: it must use https (plain http only on localhost).`);
  }
  if (url.username || url.password) throw errors.invalidParameter(`Invalid redirect URI ${value}: it must not carry credentials.`);
  return value;
}

export function presentApp(row: AppRow): RegisteredApp {
  const reviewStatus = (REVIEW_STATUSES as readonly string[]).includes(row.review_status) ? (row.review_status as ReviewStatus) : "unreviewed";
  return {
    id: row.id,
    name: row.name,
    businessId: row.business_id,
    redirectUris: appRedirectUris.decode(row.redirect_uris),
    scopes: appRequestedScopes.decode(row.requested_scopes),
    reviewStatus,
    verified: reviewStatus === "verified",
    requireAppsecretProof: row.require_appsecret_proof === 1,
    firstParty: row.first_party === 1,
  };
}

const nameSchema = z.string().trim().min(1).max(200);

/**
 * The app registry: a developer business registers OAuth clients; the operator reviews them.
 *
 * Client secrets are stored as a SHA-256 hash only, and every client authentication (the
 * authorization server's token, introspection and revocation endpoints, Meta's
 * /oauth/access_token and debug_token) checks the hash. The one exception is an app registered
 * with appsecret_proof required: Meta's proof is an HMAC keyed by the app secret, so the hub must
 * be able to recover the key; for those apps alone the secret is also kept sealed (AES-256-GCM
 * under the instance key). An app without it has no recoverable secret, and a proof it sends
 * anyway is not checked.
 */
export class AppRegistryService {
  constructor(
    private readonly deps: HubDeps,
    private readonly secrets: () => SecretBox,
  ) {}

  /**
   * Registers an app; the client secret is returned here, once. `firstParty` marks the hub's own app
   * (Autopilot), which only the operator registers.
   */
  async register(
    ctx: RequestContext,
    input: { businessId: string; name: string; redirectUris: string[]; scopes?: string[]; requireAppsecretProof?: boolean; firstParty?: boolean },
  ): Promise<{ app: RegisteredApp; clientSecret: string }> {
    return runCommand(this.deps, ctx, { action: "app.create", businessId: input.businessId, targetType: "app" }, async (tx) => {
      if (!(await findBusiness(tx.trx, input.businessId))) throw errors.unknownBusiness(input.businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, input.businessId, "registering apps");
      if (input.firstParty && subjectOf(ctx)) throw errors.permissionDenied("(#200) Only the platform operator registers the hub's own apps.");
      const name = nameSchema.safeParse(input.name);
      if (!name.success) throw errors.invalidParameter("Invalid app name: it must be 1 to 200 characters.");
      if (input.redirectUris.length === 0) throw errors.invalidParameter("At least one redirect URI is required.");
      const redirectUris = [...new Set(input.redirectUris.map(checkRedirectUri))];
      const scopes = [...new Set(input.scopes && input.scopes.length > 0 ? input.scopes : SCOPES)];
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0) throw errors.invalidParameter(`Unknown scope ${unknown.join(", ")}. Valid scopes: ${SCOPES.join(", ")}.`);
      const id = newId();
      const clientSecret = crypto.randomBytes(32).toString("base64url");
      await insertApp(tx.trx, {
        id,
        business_id: input.businessId,
        name: name.data,
        created_at: tx.now,
        redirect_uris: appRedirectUris.encode(redirectUris),
        requested_scopes: appRequestedScopes.encode(scopes),
        client_secret_hash: hashClientSecret(clientSecret),
        client_secret_sealed: input.requireAppsecretProof ? this.secrets().seal(clientSecret, sealContext(id)) : null,
        review_status: "unreviewed",
        reviewed_at: null,
        require_appsecret_proof: input.requireAppsecretProof ? 1 : 0,
        first_party: input.firstParty ? 1 : 0,
      });
      await tx.audit({ action: "app.create", businessId: input.businessId, targetType: "app", targetId: id, after: { name: name.data, redirectUris, scopes, ...(input.firstParty ? { first_party: true } : {}) } });
      const row = (await findApp(tx.trx, id))!;
      return { app: presentApp(row), clientSecret };
    });
  }

  /** The platform operator's review decision; `verified` shows the verified-partner badge. */
  async setReviewStatus(ctx: RequestContext, appId: string, status: ReviewStatus): Promise<RegisteredApp> {
    return runCommand(this.deps, ctx, { action: "app.review", targetType: "app", targetId: appId }, async (tx) => {
      if (subjectOf(ctx)) throw errors.permissionDenied("(#200) Only the platform operator reviews apps.");
      const before = await findApp(tx.trx, appId);
      if (!before) throw errors.invalidParameter(`No app has the ID ${appId}.`);
      await setAppReviewStatus(tx.trx, appId, status, tx.now);
      await tx.audit({ action: "app.review", businessId: before.business_id, targetType: "app", targetId: appId, before: { status: before.review_status }, after: { status } });
      return presentApp((await findApp(tx.trx, appId))!);
    });
  }

  async get(appId: string): Promise<RegisteredApp | undefined> {
    const row = await findApp(this.deps.db, appId);
    return row && row.client_secret_hash ? presentApp(row) : undefined;
  }

  /** True when the secret is the app's; compared in constant time. */
  async checkSecret(appId: string, secret: string): Promise<boolean> {
    const row = await findApp(this.deps.db, appId);
    return secretMatchesHash(secret, row?.client_secret_hash);
  }

  /** The client secret in the clear, for appsecret_proof; only apps that require the proof have one. */
  async openSecret(appId: string): Promise<string | undefined> {
    const row = await findApp(this.deps.db, appId);
    if (!row?.client_secret_sealed) return undefined;
    return this.secrets().open(row.client_secret_sealed, sealContext(appId));
  }
}
