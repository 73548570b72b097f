import { errors } from "../../errors.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import {
  deletePayloadsOfGrant,
  findGrant,
  grantScopes,
  listGrantBusinesses,
  listLiveGrantsOfApp,
  listLiveGrantsWithApp,
  liveTokenIdsOfGrant,
  removeAssetFromGrant,
  removeBusinessFromGrant,
  revokeGrant,
} from "./appGrant.repository.ts";
import type { RequestContext } from "../context.ts";
import type { Hub } from "../hub.ts";
import { runCommand, type HubDeps } from "../hubCommand.ts";
import { claimExpiryWarning, listLiveTokensOfGrants, listSystemUserTokensExpiring, listSystemUserTokensOfBusiness, revokeToken, tokenScopes } from "../tokens/accessToken.repository.ts";
import type { Db } from "../../store/database.ts";

export interface TokenListing {
  id: string;
  kind: string | null;
  scopes: string[];
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

export interface AppConnection {
  grant_id: string;
  app: { id: string; name: string; verified: boolean };
  person_id: string;
  scopes: string[];
  assets: string[];
  /** Businesses picked at consent (business-level edges). */
  businesses: string[];
  created_at: number;
  tokens: TokenListing[];
}

async function liveTokensOfGrants(db: Db, grantIds: string[], now: number): Promise<Map<string, TokenListing[]>> {
  const out = new Map<string, TokenListing[]>();
  for (const row of await listLiveTokensOfGrants(db, grantIds, now)) {
    const list = out.get(row.grant_id!) ?? [];
    list.push({ id: row.id, kind: row.kind, scopes: tokenScopes.decode(row.scopes), created_at: row.created_at, expires_at: row.expires_at, last_used_at: row.last_used_at });
    out.set(row.grant_id!, list);
  }
  return out;
}

/**
 * Apps connected to people and businesses: listing with token expiry, last use and scopes, and
 * taking access back. Every change goes through a command and records an access change.
 */
export class AppAccessService {
  private readonly deps: HubDeps;

  constructor(private readonly hub: Hub) {
    this.deps = { db: hub.store.db, engine: hub.engine, audit: hub.audit, now: hub.now };
  }

  private async connections(filter: { personId?: string; assetIds?: string[] }): Promise<AppConnection[]> {
    const db = this.deps.db;
    const grants = await listLiveGrantsWithApp(db, { principalId: filter.personId, assetIds: filter.assetIds });
    const tokens = await liveTokensOfGrants(db, grants.map((g) => g.id), this.deps.now());
    return grants.map((g) => {
      const entry = this.hub.engine.index.getGrant(g.id);
      const assets = entry ? [...entry.assetIds] : [];
      return {
        grant_id: g.id,
        app: { id: g.app_id, name: g.name, verified: g.review_status === "verified" },
        person_id: g.principal_id,
        scopes: grantScopes.decode(g.scopes),
        assets: filter.assetIds ? assets.filter((a) => filter.assetIds!.includes(a)) : assets,
        businesses: entry ? [...entry.businessIds] : [],
        created_at: g.created_at,
        tokens: tokens.get(g.id) ?? [],
      };
    });
  }

  /** The apps a person connected, with their tokens. */
  async listForPerson(personId: string): Promise<AppConnection[]> {
    return this.connections({ personId });
  }

  /** Apps reaching a business's own assets through anyone's grant; for its admins. */
  async listForBusiness(ctx: RequestContext, businessId: string): Promise<AppConnection[]> {
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "seeing the apps connected to the business's assets");
    const owned = [...this.hub.engine.index.assets.values()].filter((a) => a.ownerId === businessId).map((a) => a.id);
    return this.connections({ assetIds: owned });
  }

  /** Apps reaching one asset through anyone's grant; for the admins of the business that owns it. */
  async listForAsset(ctx: RequestContext, assetId: string): Promise<AppConnection[]> {
    const asset = this.hub.engine.asset(assetId);
    if (!asset) throw errors.unknownAsset(assetId);
    authorizeBusinessAdmin(this.deps.engine, ctx, asset.ownerId, "seeing the apps connected to this asset");
    return this.connections({ assetIds: [assetId] });
  }

  /** A person removes an app they connected: the grant and all its tokens end. */
  async removeForPerson(ctx: RequestContext, grantId: string): Promise<void> {
    await this.hub.apps.revoke(ctx, grantId);
  }

  /** A business admin takes the business's assets away from an app, whoever connected it. */
  async removeFromBusiness(ctx: RequestContext, businessId: string, appId: string): Promise<{ grants: number }> {
    return runCommand(this.deps, ctx, { action: "app.remove_from_business", businessId, targetType: "app", targetId: appId }, async (tx) => {
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "removing apps from the business's assets");
      const owned = new Set([...this.hub.engine.index.assets.values()].filter((a) => a.ownerId === businessId).map((a) => a.id));
      const live = await listLiveGrantsOfApp(tx.trx, appId);
      const affected = new Map<string, { oidc: string | null; remaining: number; removed: string[]; business: boolean }>();
      for (const grant of live) {
        // Read from the store, not the index, which may not have caught up with another instance yet.
        const assets = (await findGrant(tx.trx, grant.id))?.assetIds ?? [];
        const businesses = await listGrantBusinesses(tx.trx, grant.id);
        const removed = assets.filter((a) => owned.has(a));
        const business = businesses.includes(businessId);
        const remaining = assets.length - removed.length + businesses.length - (business ? 1 : 0);
        affected.set(grant.id, { oidc: grant.oidc_grant_id, remaining, removed, business });
      }
      let count = 0;
      for (const [grantId, entry] of affected) {
        if (entry.removed.length === 0 && !entry.business) continue;
        count += 1;
        for (const assetId of entry.removed) await removeAssetFromGrant(tx.trx, grantId, assetId);
        if (entry.business) await removeBusinessFromGrant(tx.trx, grantId, businessId);
        if (entry.remaining === 0) {
          // Nothing left to reach: the grant, its tokens and refresh tokens end.
          await revokeGrant(tx.trx, grantId, tx.now);
          for (const tokenId of await liveTokenIdsOfGrant(tx.trx, grantId)) {
            await revokeToken(tx.trx, tokenId, tx.now);
            await tx.changed("token", tokenId);
          }
          if (entry.oidc) await deletePayloadsOfGrant(tx.trx, entry.oidc);
        }
        await tx.changed("grant", grantId);
      }
      if (count === 0) throw errors.invalidParameter(`The app ${appId} has no access to this business's assets.`);
      await tx.audit({ action: "app.remove_from_business", businessId, targetType: "app", targetId: appId, after: { grants: count } });
      return { grants: count };
    });
  }

  /** A business's system-user tokens with expiry and last use; for its admins. */
  async listSystemUserTokens(ctx: RequestContext, businessId: string): Promise<(TokenListing & { system_user_id: string; app_id: string | null; revoked_at: number | null })[]> {
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "seeing system user tokens");
    const rows = await listSystemUserTokensOfBusiness(this.deps.db, businessId);
    return rows.map((r) => ({ id: r.id, kind: r.kind ?? "system_user", system_user_id: r.principal_id, app_id: r.app_id, scopes: tokenScopes.decode(r.scopes), created_at: r.created_at, expires_at: r.expires_at, last_used_at: r.last_used_at, revoked_at: r.revoked_at }));
  }

  /**
   * Warns about system-user tokens nearing expiry, once per lead time (e.g. 7 days and 1 day before):
   * an audit entry, a `system_user_token_expiry` webhook to the apps subscribed to the business, and
   * an alert to the business's channels, all in one transaction. A token is due for the warning of
   * the shortest lead whose window it is in; `expiry_warned_at` says when it was last warned, and a
   * conditional UPDATE claims each warning, so of several instances or reruns exactly one sends it.
   * A token first seen inside several windows gets one warning (the shortest lead's).
   */
  async warnExpiringSystemUserTokens(ctx: RequestContext, leadsMs: readonly number[]): Promise<ExpiryWarning[]> {
    const leads = [...leadsMs].filter((l) => l > 0).sort((a, b) => a - b);
    if (leads.length === 0) return [];
    const now = this.deps.now();
    const rows = await listSystemUserTokensExpiring(this.deps.db, now, now + leads[leads.length - 1]!);
    const warned: ExpiryWarning[] = [];
    for (const row of rows) {
      const expiresAt = row.expires_at!;
      const lead = leads.find((l) => expiresAt - now <= l)!;
      const windowOpened = expiresAt - lead;
      if (row.expiry_warned_at !== null && row.expiry_warned_at >= windowOpened) continue;
      const warning: ExpiryWarning = { tokenId: row.id, systemUserId: row.principal_id, businessId: row.business_id, appId: row.app_id, expiresAt, leadMs: lead, webhooks: 0 };
      const sent = await runCommand(this.deps, ctx, { action: "token.expiry_warning", businessId: row.business_id, targetType: "token", targetId: row.id }, async (tx) => {
        const claimed = await claimExpiryWarning(tx.trx, row.id, windowOpened, tx.now);
        if (!claimed) return false;
        const leadDays = Math.round((lead / DAY_MS) * 100) / 100;
        warning.webhooks = await this.hub.webhooks.publishToBusiness(tx, {
          businessId: row.business_id,
          field: "system_user_token_expiry",
          value: { token_id: row.id, system_user_id: row.principal_id, app_id: row.app_id, expires_at: Math.floor(expiresAt / 1000), lead_days: leadDays },
        });
        // Through the notifier's port, in this transaction: the warning is claimed and raised together.
        await this.hub.notifications.raise(
          {
            businessId: row.business_id,
            kind: "token_expiry",
            severity: lead <= DAY_MS ? "critical" : "warning",
            title: `A token of system user ${row.name} expires soon`,
            body: `The access token ${row.id} of ${row.name} expires on ${new Date(expiresAt).toISOString()}. Issue a new token and switch the tools that use it before then.`,
            fields: [
              { name: "System user", value: `${row.name} (${row.principal_id})` },
              { name: "Expires", value: new Date(expiresAt).toISOString() },
            ],
            dedupKey: `token_expiry:${row.id}:${lead}`,
          },
          tx.trx,
        );
        await tx.audit({ action: "token.expiry_warning", businessId: row.business_id, targetType: "token", targetId: row.id, after: { systemUserId: row.principal_id, expiresAt, leadDays, webhooks: warning.webhooks } });
        return true;
      });
      if (sent) warned.push(warning);
    }
    return warned;
  }
}

const DAY_MS = 24 * 3600 * 1000;

export interface ExpiryWarning {
  tokenId: string;
  systemUserId: string;
  businessId: string;
  appId: string | null;
  expiresAt: number;
  /** The lead time whose warning this is. */
  leadMs: number;
  /** Webhook deliveries queued. */
  webhooks: number;
}
