import type { FastifyBaseLogger } from "fastify";
import { systemContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { AppAccessService } from "./appAccess.service.ts";

/** System-user tokens are warned about this long before they expire. */
export const EXPIRY_WARNING_MS = 7 * 24 * 3600 * 1000;

/** The sweeper's task: warn (audit entry and log line) once about each system-user token expiring soon. */
export function warnExpiringTokens(hub: Hub, log: FastifyBaseLogger): void {
  new AppAccessService(hub)
    .warnExpiringSystemUserTokens(systemContext(), EXPIRY_WARNING_MS)
    .then((warned) => {
      for (const token of warned) {
        log.warn({ tokenId: token.tokenId, systemUserId: token.systemUserId, expiresAt: new Date(token.expiresAt).toISOString() }, "system user token expires soon");
      }
    })
    .catch((error: unknown) => log.error({ err: error }, "token expiry warnings failed"));
}
