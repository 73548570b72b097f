import type { FastifyBaseLogger } from "fastify";
import { systemContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { AppAccessService } from "../hub/apps/appAccess.service.ts";

/** Default lead times of system-user token warnings: 7 days and 1 day before expiry (GRANTLINE_TOKEN_WARNING_DAYS). */
export const DEFAULT_WARNING_LEADS_MS = [7 * 24 * 3600 * 1000, 24 * 3600 * 1000];

/**
 * The sweeper's task: warn once per lead time about each system-user token expiring soon (audit
 * entry, business webhook, alert channels) and log each warning.
 */
export async function warnExpiringTokens(hub: Hub, log: FastifyBaseLogger, leadsMs: readonly number[] = DEFAULT_WARNING_LEADS_MS): Promise<void> {
  try {
    const warned = await new AppAccessService(hub).warnExpiringSystemUserTokens(systemContext(), leadsMs);
    for (const token of warned) {
      log.warn(
        { tokenId: token.tokenId, systemUserId: token.systemUserId, businessId: token.businessId, expiresAt: new Date(token.expiresAt).toISOString(), leadDays: token.leadMs / 86_400_000, webhooks: token.webhooks },
        "system user token expires soon",
      );
    }
  } catch (error) {
    log.error({ err: error }, "token expiry warnings failed");
  }
}
