import { openGrantline, type Grantline } from "../../src/app/openGrantline.ts";
import type { NotificationSettings } from "../../src/notify/notification.service.ts";
import { LOCAL_RECEIVERS, type TestClock, type TestStore } from "../support/hubs.ts";

/**
 * A hub on the test store with an explicit secret key (every instance on one store shares it),
 * alert mail sent to `smtpUrl` (a loopback SMTP receiver), and short send timeouts.
 */
export async function openNotifyHub(
  store: TestStore,
  key: Buffer,
  clock: TestClock,
  options: { smtpUrl?: string; settings?: NotificationSettings } = {},
): Promise<Grantline> {
  return openGrantline({
    databaseUrl: store.env.DATABASE_URL,
    pgSchema: store.env.DATABASE_SCHEMA,
    dataDir: store.env.GRANTLINE_DATA_DIR,
    now: clock.now,
    secretKey: key,
    mail: { smtpUrl: options.smtpUrl, from: "Grantline Alerts <alerts@grantline.test>", outboxDir: `${store.env.GRANTLINE_DATA_DIR}/outbox` },
    notifications: { sendTimeoutMs: 3000, ...options.settings },
    outbound: LOCAL_RECEIVERS,
  });
}
