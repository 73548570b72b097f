import { PersonAuthService, type PersonAuthOptions } from "../auth/personAuth.service.ts";
import { openHub, type Hub, type HubOptions } from "../hub/hub.ts";
import { withTrustedOrigins } from "../net/outbound.ts";
import { NotificationService, type NotificationSettings } from "../notify/notification.service.ts";

export interface GrantlineOptions extends HubOptions {
  /** Sessions, sign-in throttling and password reset links. */
  auth?: PersonAuthOptions;
  /** Alert deduplication, hourly limits and the WhatsApp API base (GRANTLINE_ALERTS_*). */
  notifications?: NotificationSettings;
}

/** The hub with people's sign-in and the notifier built beside it: what the server, the CLI and the jobs use. */
export type Grantline = Hub<PersonAuthService, NotificationService>;

/** Opens the hub and builds people's sign-in and the notifier on its core. */
export function openGrantline(options: GrantlineOptions): Promise<Grantline> {
  const { auth, notifications, ...hubOptions } = options;
  // The operator's WhatsApp API base is configuration, not a tenant's URL: called wherever it is.
  const outbound = withTrustedOrigins(hubOptions.outbound, [notifications?.whatsappApiUrl]);
  return openHub(
    { ...hubOptions, outbound },
    {
      auth: (core) => new PersonAuthService(core.deps, core.secrets, auth),
      notifications: (core) => new NotificationService(core.deps, core.secrets, core.mailer, { ...notifications, outbound: core.outbound }),
    },
  );
}
