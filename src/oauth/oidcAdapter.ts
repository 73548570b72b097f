import type { Adapter, AdapterPayload } from "oidc-provider";
import { systemContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { runCommand, type HubDeps } from "../hub/hubCommand.ts";
import { hashToken } from "../hub/tokens/accessToken.service.ts";
import { findTokenByHash, insertToken, revokeToken, tokenScopes } from "../hub/tokens/accessToken.repository.ts";
import { SCOPES } from "../hub/catalogue/roles.ts";
import { newId } from "../ids.ts";
import { presentApp } from "../hub/apps/appRegistry.service.ts";
import * as repo from "./oidcPayload.repository.ts";
import { deletePayloadsOfGrant, findApp, grantScopes, liveTokenIdsOfGrant } from "../hub/apps/appGrant.repository.ts";

/** What the adapter needs from the hub. */
export interface AdapterContext {
  hub: Hub;
  deps: HubDeps;
}

/**
 * oidc-provider's storage, in the hub's store (SQLite or PostgreSQL through Kysely). Clients come
 * from the app registry. Access tokens are opaque; each one is also written to `access_tokens`
 * (hashed, with its app grant), so the Graph surface resolves it like any other token, and a token
 * revoked on either side is dead on both.
 */
export function storeAdapter(context: AdapterContext) {
  return class StoreAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const { deps } = context;
      const now = deps.now();
      const expiresAt = expiresIn ? now + expiresIn * 1000 : null;
      if (this.model === "AccessToken") {
        await mirrorAccessToken(context, id, payload, expiresAt);
      }
      await repo.upsertPayload(deps.db, {
        model: this.model,
        id,
        payload: repo.oidcPayload.encode(payload),
        grant_id: typeof payload.grantId === "string" ? payload.grantId : null,
        uid: typeof payload.uid === "string" ? payload.uid : null,
        user_code: typeof payload.userCode === "string" ? payload.userCode : null,
        expires_at: expiresAt,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const { deps, hub } = context;
      if (this.model === "Client") return clientMetadata(context, id);
      const row = await repo.findPayload(deps.db, this.model, id);
      if (!row || (row.expires_at !== null && row.expires_at <= deps.now())) return undefined;
      if (this.model === "AccessToken") {
        // Revoked in the hub (app removed, person signed out everywhere): gone for introspection too.
        const token = await findTokenByHash(deps.db, hashToken(id));
        if (!token || token.revoked_at !== null || (token.grant_id && !hub.engine.index.getGrant(token.grant_id))) return undefined;
      }
      const payload = repo.oidcPayload.decode(row.payload);
      if (this.model === "RefreshToken" || this.model === "AuthorizationCode") {
        // The app grant behind it was revoked: the code or refresh token is worth nothing.
        const grant = typeof payload.grantId === "string" ? await repo.findAppGrantByOidcGrant(deps.db, payload.grantId) : undefined;
        if (!grant || grant.revoked_at !== null) return undefined;
      }
      return row.consumed_at !== null ? { ...payload, consumed: Math.floor(row.consumed_at / 1000) } : payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await repo.findPayloadBy(context.deps.db, this.model, "user_code", userCode);
      return row ? repo.oidcPayload.decode(row.payload) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await repo.findPayloadBy(context.deps.db, this.model, "uid", uid);
      if (!row || (row.expires_at !== null && row.expires_at <= context.deps.now())) return undefined;
      return repo.oidcPayload.decode(row.payload);
    }

    async consume(id: string): Promise<void> {
      await repo.consumePayload(context.deps.db, this.model, id, context.deps.now());
    }

    async destroy(id: string): Promise<void> {
      const { deps } = context;
      if (this.model === "AccessToken") {
        // RFC 7009 revocation of one access token.
        const token = await findTokenByHash(deps.db, hashToken(id));
        if (token && token.revoked_at === null) {
          await runCommand(deps, { ...systemContext(), appId: token.app_id }, { action: "token.revoke", targetType: "token", targetId: token.id }, async (tx) => {
            await revokeToken(tx.trx, token.id, tx.now);
            await tx.changed("token", token.id);
            await tx.audit({ action: "token.revoke", targetType: "token", targetId: token.id, after: { via: "oauth_revocation" } });
          });
        }
      }
      if (this.model === "Grant") {
        // The provider drops a whole grant on code reuse, refresh token replay or revocation: the app grant goes with it.
        const grant = await repo.findAppGrantByOidcGrant(deps.db, id);
        if (grant && grant.revoked_at === null) await context.hub.apps.revoke(systemContext(), grant.id);
      }
      await repo.deletePayload(deps.db, this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const { deps } = context;
      if (this.model === "AccessToken") {
        const grant = await repo.findAppGrantByOidcGrant(deps.db, grantId);
        if (grant) {
          const ids = await liveTokenIdsOfGrant(deps.db, grant.id);
          if (ids.length > 0) {
            await runCommand(deps, { ...systemContext(), appId: grant.app_id }, { action: "token.revoke", targetType: "grant", targetId: grant.id }, async (tx) => {
              for (const tokenId of ids) {
                await revokeToken(tx.trx, tokenId, tx.now);
                await tx.changed("token", tokenId);
              }
              await tx.audit({ action: "token.revoke", targetType: "grant", targetId: grant.id, after: { tokens: ids, via: "grant_revoked" } });
            });
          }
        }
      }
      await deletePayloadsOfGrant(deps.db, grantId, this.model);
    }
  };
}

async function clientMetadata(context: AdapterContext, clientId: string): Promise<AdapterPayload | undefined> {
  if (!/^\d+$/.test(clientId)) return undefined;
  const row = await findApp(context.deps.db, clientId);
  if (!row?.client_secret_hash) return undefined;
  const app = presentApp(row);
  return {
    client_id: app.id,
    // The hash, not the secret: the provider's compareClientSecret is replaced to check against it (see authorizationServer.ts).
    client_secret: row.client_secret_hash,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    scope: ["openid", ...app.scopes].join(" "),
  } as AdapterPayload;
}

/** Writes the opaque access token into `access_tokens` (hashed) with the app grant its consent made. */
async function mirrorAccessToken(context: AdapterContext, id: string, payload: AdapterPayload, expiresAt: number | null): Promise<void> {
  const { deps } = context;
  if (typeof payload.grantId !== "string" || typeof payload.accountId !== "string" || typeof payload.clientId !== "string") return;
  const grant = await repo.findAppGrantByOidcGrant(deps.db, payload.grantId);
  // No app grant behind it: the token is never written, so the Graph surface refuses it.
  if (!grant || grant.revoked_at !== null) return;
  const granted = new Set(grantScopes.decode(grant.scopes));
  const scopes = String(payload.scope ?? "")
    .split(" ")
    .filter((s) => (SCOPES as readonly string[]).includes(s) && granted.has(s));
  const ctx = { ...systemContext(), actor: { type: "person" as const, id: payload.accountId }, appId: payload.clientId };
  await runCommand(deps, ctx, { action: "token.issue", targetType: "app", targetId: payload.clientId }, async (tx) => {
    const tokenId = newId();
    await insertToken(tx.trx, {
      id: tokenId,
      token_hash: hashToken(id),
      principal_id: payload.accountId as string,
      principal_type: "person",
      app_id: payload.clientId as string,
      grant_id: grant.id,
      scopes: tokenScopes.encode(scopes),
      created_at: tx.now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      kind: "oauth",
      expiry_warned_at: null,
    });
    await tx.audit({ action: "token.issue", targetType: "app", targetId: payload.clientId as string, after: { tokenId, grant: grant.id, scopes, expiresAt } });
  });
}
