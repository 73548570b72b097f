import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { AccessSubject, PrincipalType } from "../access/accessIndex.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import { SCOPES, type Scope } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findSystemUser } from "../people/systemUser.repository.ts";
import { findApp } from "../apps/appGrant.repository.ts";
import { ChangeSeqCache } from "../access/changeSeqCache.ts";
import {
  findTokenByHash,
  findTokenById,
  insertToken,
  insertTokenOnce,
  listTokensOfPrincipal,
  revokeToken,
  tokenScopes,
  touchToken,
  type AccessTokenRow,
} from "./accessToken.repository.ts";

const SIXTY_DAYS = 60 * 24 * 60 * 60 * 1000;
/** Last use is written at most this often per token, so validating a token is usually read-only. */
const TOUCH_EVERY_MS = 60_000;

/** Tokens are random and only their SHA-256 is stored; the value is shown once, when issued. */
export function hashToken(token: string): string {
  return crypto.hash("sha256", token);
}

function newTokenValue(): string {
  return `GL${crypto.randomBytes(32).toString("base64url")}`;
}

export interface IssuedToken {
  id: string;
  accessToken: string;
  expiresAt: number | null;
  scopes: Scope[];
}

export interface ResolvedToken extends AccessSubject {
  tokenId: string;
  principalType: PrincipalType;
  appId: string | null;
  scopes: ReadonlySet<string>;
  /** A signed-in console session's token (its calls have quotas of their own), rather than an API token. */
  console: boolean;
}

export interface TokenView {
  id: string;
  appId: string | null;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

function validScopes(input: readonly string[] | undefined): Scope[] {
  if (input === undefined) return [...SCOPES];
  const unknown = input.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw errors.invalidParameter(`Unknown scope ${unknown.join(", ")}. Valid scopes: ${SCOPES.join(", ")}.`);
  if (input.length === 0) throw errors.invalidParameter("At least one scope is required.");
  return [...new Set(input)] as Scope[];
}

/** Access tokens of system users (and, later, of people through apps): issue, resolve, list, revoke. */
export class AccessTokenService {
  private readonly lastTouched = new Map<string, number>();
  /** Live tokens by hash; only positive answers are kept, and expiry is checked on every use. */
  private readonly live: ChangeSeqCache<{ token: ResolvedToken; expiresAt: number | null }>;

  constructor(private readonly deps: HubDeps) {
    this.live = new ChangeSeqCache(deps.engine);
  }

  /** `POST /{system_user}/access_tokens`: a non-expiring token, or one that lasts 60 days. */
  async issueSystemUserToken(
    ctx: RequestContext,
    systemUserId: string,
    input: { scopes?: readonly string[]; expiresIn60Days?: boolean; appId?: string | null },
  ): Promise<IssuedToken> {
    const attempt: AuditAttempt = { action: "token.issue", targetType: "system_user", targetId: systemUserId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const systemUser = await findSystemUser(tx.trx, systemUserId);
      if (!systemUser) throw errors.unknownPrincipal(systemUserId);
      authorizeBusinessAdmin(this.deps.engine, ctx, systemUser.business_id, "issuing system user tokens");
      const scopes = validScopes(input.scopes);
      if (input.appId && !(await findApp(tx.trx, input.appId))) throw errors.invalidParameter(`No app has the ID ${input.appId}.`);
      const accessToken = newTokenValue();
      const row: AccessTokenRow = {
        id: newId(),
        token_hash: hashToken(accessToken),
        principal_id: systemUser.id,
        principal_type: "system_user",
        app_id: input.appId ?? null,
        grant_id: null,
        scopes: tokenScopes.encode(scopes),
        created_at: tx.now,
        expires_at: input.expiresIn60Days ? tx.now + SIXTY_DAYS : null,
        last_used_at: null,
        revoked_at: null,
        kind: "system_user",
        expiry_warned_at: null,
        asset_id: null,
        parent_token_id: null,
      };
      await insertToken(tx.trx, row);
      await tx.audit({
        action: "token.issue",
        businessId: systemUser.business_id,
        targetType: "system_user",
        targetId: systemUser.id,
        after: { tokenId: row.id, scopes, expiresAt: row.expires_at },
      });
      return { id: row.id, accessToken, expiresAt: row.expires_at, scopes };
    });
  }

  /**
   * Finds the live token behind a bearer value, or throws Graph error 190. Lookups are cached by
   * hash until the next access change (a revocation records one, as do grant, share and
   * assignment changes), and an expired token is refused whether cached or not.
   */
  async resolve(accessToken: string): Promise<ResolvedToken> {
    const hash = hashToken(accessToken);
    const found = await this.live.read(hash, async () => {
      const row = await findTokenByHash(this.deps.db, hash);
      if (!row || row.revoked_at !== null) return undefined;
      // A Page access token lives only as long as the token it was minted from.
      if (row.parent_token_id) {
        const parent = await findTokenById(this.deps.db, row.parent_token_id);
        if (!parent || parent.revoked_at !== null) return undefined;
      }
      const token: ResolvedToken = {
        tokenId: row.id,
        principalId: row.principal_id,
        principalType: row.principal_type as PrincipalType,
        appId: row.app_id,
        grantId: row.grant_id,
        scopes: new Set(tokenScopes.decode(row.scopes)),
        console: row.kind === "console",
        assetLimit: row.asset_id ?? null,
      };
      return { token, expiresAt: row.expires_at };
    });
    const now = this.deps.now();
    if (!found) throw errors.invalidToken("Invalid OAuth access token - Cannot parse access token");
    if (found.expiresAt !== null && found.expiresAt <= now) throw errors.expiredToken();
    const { token } = found;
    // An app token lives only as long as the app grant it was issued under.
    if (token.grantId && !this.deps.engine.index.getGrant(token.grantId)) {
      throw errors.invalidToken("Error validating access token: The user has not authorized application.");
    }
    if ((this.lastTouched.get(token.tokenId) ?? 0) + TOUCH_EVERY_MS <= now) {
      this.lastTouched.set(token.tokenId, now);
      await touchToken(this.deps.db, token.tokenId, now);
    }
    return token;
  }

  /**
   * The Page access token of `pageId` for the bearer of `parent` (`GET /me/accounts`): a token
   * with the parent's principal, app grant, scopes and expiry whose reach is that one Page. Its
   * value is derived from the parent's (HMAC of the Page id keyed by the parent token), so listing
   * Pages again gives the same token rather than piling up new ones; only its hash is stored, like
   * every other token, and revoking the parent ends it.
   * https://developers.facebook.com/docs/pages-api/overview#page-access-tokens
   */
  async pageToken(ctx: RequestContext, parent: ResolvedToken, parentValue: string, pageId: string): Promise<string> {
    if (parent.assetLimit) throw errors.permissionDenied("(#200) A Page access token cannot mint other tokens.");
    const accessToken = `GLP${crypto.createHmac("sha256", parentValue).update(`page:${pageId}`).digest("base64url")}`;
    const hash = hashToken(accessToken);
    if (await findTokenByHash(this.deps.db, hash)) return accessToken;
    const parentRow = await findTokenById(this.deps.db, parent.tokenId);
    if (!parentRow) throw errors.invalidToken("Error validating access token: the session has ended.");
    const attempt: AuditAttempt = { action: "token.issue", targetType: "page", targetId: pageId };
    await runCommand(this.deps, ctx, attempt, async (tx) => {
      const id = newId();
      const inserted = await insertTokenOnce(tx.trx, {
        id,
        token_hash: hash,
        principal_id: parent.principalId,
        principal_type: parent.principalType,
        app_id: parent.appId,
        grant_id: parent.grantId ?? null,
        scopes: tokenScopes.encode([...parent.scopes]),
        created_at: tx.now,
        expires_at: parentRow.expires_at,
        last_used_at: null,
        revoked_at: null,
        kind: "page",
        expiry_warned_at: null,
        asset_id: pageId,
        parent_token_id: parent.tokenId,
      });
      if (inserted) {
        await tx.audit({ action: "token.issue", targetType: "page", targetId: pageId, after: { tokenId: id, parentTokenId: parent.tokenId, expiresAt: parentRow.expires_at } });
      }
    });
    return accessToken;
  }

  async revoke(ctx: RequestContext, tokenId: string, businessId: string | null): Promise<void> {
    await runCommand(this.deps, ctx, { action: "token.revoke", businessId, targetType: "token", targetId: tokenId }, async (tx) => {
      if (businessId) authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "revoking tokens");
      await revokeToken(tx.trx, tokenId, tx.now);
      // Ends cached lookups of this token on every instance.
      await tx.changed("token", tokenId);
      await tx.audit({ action: "token.revoke", businessId, targetType: "token", targetId: tokenId });
    });
  }

  async listForPrincipal(principalId: string): Promise<TokenView[]> {
    const rows = await listTokensOfPrincipal(this.deps.db, principalId);
    return rows.map((r) => ({
      id: r.id,
      appId: r.app_id,
      scopes: tokenScopes.decode(r.scopes),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }));
  }
}
