import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { decodeSecretKey } from "../crypto/secretKey.ts";

/**
 * Every setting Grantline reads, validated once at start-up. Anything else in the code takes a
 * `Config`; nothing reads `process.env` directly.
 */
const schema = z.object({
  /** Interface the HTTP server binds to. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Port of the HTTP server; 0 picks a free one. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Folder of the embedded SQLite store (used when DATABASE_URL is not set). */
  GRANTLINE_DATA_DIR: z.string().min(1).default("./data"),
  /** PostgreSQL connection string; when set, it is the store instead of SQLite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /** PostgreSQL schema to keep Grantline's tables in (created if missing); default: the connection's search path. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier")
    .optional(),
  /** Redis for multi-instance mode (shared rate limits and notifications). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /**
   * PostgreSQL: longest a statement may run (the server cancels it; statement_timeout), and, a
   * second more, how long to wait for any answer (query_timeout). A request that hits it gets a 503.
   */
  GRANTLINE_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** PostgreSQL: longest wait for a connection, new or from the pool (connectionTimeoutMillis). */
  GRANTLINE_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /**
   * Redis: longest wait for a command's answer (and for a connection). A rate-limit check that hits
   * it gets a 503, and the instance counts in memory until Redis answers again (docs/operations.md).
   */
  GRANTLINE_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** After SIGTERM/SIGINT: how long in-flight requests and background jobs get to finish before the process exits anyway. */
  GRANTLINE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Readiness fails when the data folder's disk has less free space than this (megabytes). */
  GRANTLINE_DISK_MIN_FREE_MB: z.coerce.number().int().min(0).default(64),
  /** How often an instance polls the store's change sequence to pick up other instances' writes. */
  GRANTLINE_SYNC_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** How long an offer or request waits for the other side before it expires. */
  GRANTLINE_PENDING_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** How long the link in an invitation mail works; sending the invitation again starts a new period. */
  GRANTLINE_INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /** Sliding window of the Graph rate limits (Meta-style points, reads 1 and writes 3). */
  GRANTLINE_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Points per window per app and tenant (reads 1, writes 3). Every bucket is counted per tenant (the caller's business, a person, or a console session); see docs/security.md. */
  GRANTLINE_RATE_LIMIT_APP_POINTS: z.coerce.number().int().min(1).default(10_000),
  /** Meta's user-level limit: one person or system user, across apps. */
  GRANTLINE_RATE_LIMIT_USER_POINTS: z.coerce.number().int().min(1).default(10_000),
  /** Points per window per business and tenant (business management calls). */
  GRANTLINE_RATE_LIMIT_BUSINESS_POINTS: z.coerce.number().int().min(1).default(20_000),
  /** Ad-account quota tier: Meta gives new apps development_access (300 points/hour); a local stand-in defaults to standard. */
  GRANTLINE_ACCESS_TIER: z.enum(["development_access", "standard_access"]).default("standard_access"),
  /**
   * Key that seals secrets Grantline must read back (webhook signing secrets), as base64 of 32 random
   * bytes (`openssl rand -base64 32`). Unset: a key is generated once into
   * `<GRANTLINE_DATA_DIR>/secret.key` (mode 0600). Several instances sharing one store must all be
   * given the same key here, or each would seal secrets the others cannot open.
   */
  GRANTLINE_SECRET_KEY: z
    .string()
    .refine((value) => decodeSecretKey(value) !== undefined, "must be the base64 of 32 bytes (openssl rand -base64 32)")
    .optional(),
  /** Port of the simulated shops' landing pages (the destination URLs of simulated ads); 0 picks a free one. */
  GRANTLINE_SIM_SITE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /**
   * Real-time mode: simulate one more market day every this many seconds while the server runs; 0 turns
   * it off. `grantline demo` uses 180 unless this is set.
   */
  GRANTLINE_SIM_DAY_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  /** Address people and apps reach this hub at (links in emails, OAuth issuer); default http://HOST:PORT. */
  GRANTLINE_PUBLIC_URL: z.string().url().optional(),
  /**
   * Which peers may tell the client's address in X-Forwarded-For (sign-in throttling and the audit log
   * key on it): unset or `false` trusts nobody (the peer is the client); `true` trusts every peer
   * (only when the hub cannot be reached but through the proxy); a number trusts that many hops; or
   * a comma-separated list of proxy addresses and CIDR ranges, such as `10.0.0.0/8,127.0.0.1`.
   */
  GRANTLINE_TRUST_PROXY: z
    .string()
    .trim()
    .refine((value) => parseTrustProxy(value) !== undefined, "must be true, false, a hop count, or a comma-separated list of IP addresses and CIDR ranges")
    .default("false"),
  /** SMTP server for outgoing mail (smtp://user:pass@host:port, smtps://…; `?tls=off` for a plain local relay). Unset: mail is written as .eml files into <GRANTLINE_DATA_DIR>/outbox. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  /** Sender of outgoing mail. */
  GRANTLINE_MAIL_FROM: z.string().min(3).default("Grantline <no-reply@grantline.localhost>"),
  /** Alerts: a repeat of the same alert (same dedup key) within this many minutes is counted, not sent. */
  GRANTLINE_ALERTS_DEDUP_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** Alerts: at most this many messages per channel, and per business, per hour; the rest wait for a digest. */
  GRANTLINE_ALERTS_CHANNEL_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** Alerts: at most this many messages per business (all its channels) per hour; the rest wait for a digest. */
  GRANTLINE_ALERTS_BUSINESS_PER_HOUR: z.coerce.number().int().min(1).default(60),
  /** Security alerts: this many refused requests by one principal within the window is a burst. */
  GRANTLINE_ALERTS_DENIED_BURST: z.coerce.number().int().min(2).default(10),
  /** Security alerts: the window, in minutes, of GRANTLINE_ALERTS_DENIED_BURST. */
  GRANTLINE_ALERTS_DENIED_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Security alerts: a budget, spend cap or bid raised by at least this percentage by a partner or an app. */
  GRANTLINE_ALERTS_SPEND_CHANGE_PERCENT: z.coerce.number().min(1).default(50),
  /** How often the security-alert poller reads new audit entries. */
  GRANTLINE_ALERTS_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /**
   * Outbound requests to URLs tenants give (app webhooks, alert channels, Autopilot's landing-page
   * checks) and Autopilot's Graph calls refuse internal addresses: loopback, private, link-local,
   * unique-local, carrier-grade NAT, multicast, reserved (docs/security.md, "Outbound requests").
   * `on` allows them, for development against receivers on this machine or network; never in
   * production. The hub's own public URL and the simulator's shops are trusted either way.
   */
  GRANTLINE_OUTBOUND_ALLOW_PRIVATE: z.enum(["on", "off"]).default("off"),
  /** WhatsApp Cloud API base URL (a channel may override it). */
  GRANTLINE_WHATSAPP_API_URL: z.string().url().default("https://graph.facebook.com/v24.0"),
  /** Days before a system user token expires at which its business is warned (webhook, alert, log), comma-separated. */
  GRANTLINE_TOKEN_WARNING_DAYS: z
    .string()
    .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, "must be a comma-separated list of days, such as 7,1")
    .default("7,1"),
  /** Autopilot's built-in schedule in `serve` and `demo`: `on`, or `off` to leave it to cron and the CLI. */
  GRANTLINE_AUTOPILOT_SCHEDULE: z.enum(["on", "off"]).default("on"),
  /** Hour of the day (0–23) of Autopilot's daily scan, then plan or run, in GRANTLINE_AUTOPILOT_TIME_ZONE. */
  GRANTLINE_AUTOPILOT_DAILY_HOUR: z.coerce.number().int().min(0).max(23).default(6),
  /** IANA time zone of the daily hour; default the server's. */
  GRANTLINE_AUTOPILOT_TIME_ZONE: z.string().refine(isTimeZone, "must be an IANA time zone, such as Europe/Berlin").optional(),
  /** Minutes between two runs of Autopilot's monitors on a workspace. */
  GRANTLINE_AUTOPILOT_MONITOR_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
  /**
   * Base URL of the Graph Autopilot's configured app calls, with its version, such as
   * https://graph.facebook.com/v24.0 for Meta. With the four settings below, `serve` registers that
   * app as Autopilot's OAuth client at start (docs/autopilot.md, "Connecting Autopilot to Meta").
   */
  GRANTLINE_AUTOPILOT_GRAPH_URL: z.string().url().optional(),
  /** Facebook Login's dialog, such as https://www.facebook.com/v24.0/dialog/oauth. */
  GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL: z.string().url().optional(),
  /** Facebook Login's code exchange, such as https://graph.facebook.com/v24.0/oauth/access_token. */
  GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL: z.string().url().optional(),
  /** The App ID of Autopilot's app at Meta (the OAuth client_id). */
  GRANTLINE_AUTOPILOT_APP_ID: z.string().trim().regex(/^\d+$/, "must be the numeric App ID").optional(),
  /** The app's App Secret; kept sealed in the store once registered. */
  GRANTLINE_AUTOPILOT_APP_SECRET: z.string().min(1).optional(),
  /** Autopilot's callback as registered in the app's Valid OAuth Redirect URIs; default GRANTLINE_PUBLIC_URL (else http://HOST:PORT) + /autopilot/oauth/callback. */
  GRANTLINE_AUTOPILOT_REDIRECT_URI: z.string().url().optional(),
  /**
   * The token `grantline autopilot serve --hub URL` presents to that hub's Autopilot host routes: a
   * token of the hub's own Autopilot app, held by its business's admin system user
   * (`grantline autopilot host-token` on the hub issues one).
   */
  GRANTLINE_AUTOPILOT_HUB_TOKEN: z.string().min(1).optional(),
  /**
   * Bearer token a scraper presents for `GET /metrics` (Prometheus format). Set alone, /metrics is
   * served on the hub's own port to that token only; with GRANTLINE_METRICS_PORT, on that port,
   * still asking for the token. Neither set: no metrics are served.
   */
  GRANTLINE_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 32)").optional(),
  /** Port of a listener serving only `GET /metrics`, for the monitoring network; then /metrics is not on the hub's port. 0 picks a free one. */
  GRANTLINE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface of the metrics listener; default HOST. */
  GRANTLINE_METRICS_HOST: z.string().min(1).optional(),
  /** Log level of the JSON log on stdout: `fatal`, `error`, `warn`, `info`, `debug`, `trace`, or `silent`. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** The schema with the checks across settings: Autopilot's app is configured whole or not at all. */
const checkedSchema = schema.superRefine((e, ctx) => {
  const given = AUTOPILOT_APP_SETTINGS.filter((name) => e[name] !== undefined);
  if (given.length === 0 || given.length === AUTOPILOT_APP_SETTINGS.length) return;
  for (const name of AUTOPILOT_APP_SETTINGS.filter((n) => e[n] === undefined)) {
    ctx.addIssue({ code: "custom", path: [name], message: `is required with ${given.join(", ")}` });
  }
});

const AUTOPILOT_APP_SETTINGS = [
  "GRANTLINE_AUTOPILOT_GRAPH_URL",
  "GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL",
  "GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL",
  "GRANTLINE_AUTOPILOT_APP_ID",
  "GRANTLINE_AUTOPILOT_APP_SECRET",
] as const;

export type Config = {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  redisUrl: string | undefined;
  syncIntervalMs: number;
  pendingTtlDays: number;
  /** GRANTLINE_INVITATION_TTL_DAYS. */
  invitationTtlDays: number;
  /** Per-call timeouts of the store and Redis (GRANTLINE_DB_*_TIMEOUT_MS, GRANTLINE_REDIS_TIMEOUT_MS). */
  timeouts: { dbQueryMs: number; dbConnectMs: number; redisMs: number };
  /** GRANTLINE_SHUTDOWN_GRACE_MS. */
  shutdownGraceMs: number;
  /** GRANTLINE_DISK_MIN_FREE_MB in bytes. */
  diskMinFreeBytes: number;
  /** GRANTLINE_SECRET_KEY decoded; undefined means the data folder's secret.key. */
  secretKey: Buffer | undefined;
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  /** GRANTLINE_PUBLIC_URL without a trailing slash, or undefined to derive it from the listening address. */
  publicUrl: string | undefined;
  mail: { smtpUrl: string | undefined; from: string; outboxDir: string };
  /** GRANTLINE_TRUST_PROXY as Fastify's `trustProxy` takes it. */
  trustProxy: boolean | number | string[];
  simSitePort: number;
  /** Undefined when not set, so the demo can choose its own default. */
  simDaySeconds: number | undefined;
  alerts: AlertSettings;
  /** GRANTLINE_OUTBOUND_ALLOW_PRIVATE: whether outbound requests may reach internal addresses. */
  outbound: { allowPrivate: boolean };
  /**
   * Autopilot's app at Meta (GRANTLINE_AUTOPILOT_GRAPH_URL, _LOGIN_DIALOG_URL, _LOGIN_TOKEN_URL,
   * _APP_ID, _APP_SECRET, _REDIRECT_URI), registered by `serve` at start; undefined when not set.
   */
  autopilotApp: { graphUrl: string; dialogUrl: string; tokenUrl: string; appId: string; appSecret: string; redirectUri: string | undefined } | undefined;
  /** GRANTLINE_AUTOPILOT_HUB_TOKEN: what `autopilot serve --hub` presents to the hub; undefined when not set. */
  autopilotHubToken: string | undefined;
  /** Autopilot's built-in schedule (src/autopilot/app/scheduler.ts); undefined when turned off. */
  autopilotSchedule: { dailyHour: number; timeZone: string | undefined; monitorIntervalMs: number } | undefined;
  /** Lead times (ms before expiry) of system user token warnings, longest first. */
  tokenWarningLeadsMs: number[];
  /**
   * `/metrics` (docs/operations.md, "Metrics"): undefined when neither GRANTLINE_METRICS_TOKEN nor
   * GRANTLINE_METRICS_PORT is set; `port` undefined serves it on the hub's port, token required.
   */
  metrics: { token: string | undefined; port: number | undefined; host: string } | undefined;
  rateLimits: {
    windowMs: number;
    appPoints: number;
    userPoints: number;
    businessPoints: number;
    accessTier: "development_access" | "standard_access";
  };
};

/** Notification and security-alert settings (GRANTLINE_ALERTS_*). */
export interface AlertSettings {
  dedupWindowMs: number;
  channelPerHour: number;
  businessPerHour: number;
  deniedBurst: number;
  deniedWindowMs: number;
  spendChangePercent: number;
  pollMs: number;
  whatsappApiUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses settings from an environment; throws a ConfigError listing every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = checkedSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.GRANTLINE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    redisUrl: e.REDIS_URL,
    syncIntervalMs: e.GRANTLINE_SYNC_INTERVAL_MS,
    pendingTtlDays: e.GRANTLINE_PENDING_TTL_DAYS,
    invitationTtlDays: e.GRANTLINE_INVITATION_TTL_DAYS,
    timeouts: { dbQueryMs: e.GRANTLINE_DB_QUERY_TIMEOUT_MS, dbConnectMs: e.GRANTLINE_DB_CONNECT_TIMEOUT_MS, redisMs: e.GRANTLINE_REDIS_TIMEOUT_MS },
    shutdownGraceMs: e.GRANTLINE_SHUTDOWN_GRACE_MS,
    diskMinFreeBytes: e.GRANTLINE_DISK_MIN_FREE_MB * 1024 * 1024,
    secretKey: e.GRANTLINE_SECRET_KEY === undefined ? undefined : decodeSecretKey(e.GRANTLINE_SECRET_KEY),
    logLevel: e.LOG_LEVEL,
    publicUrl: e.GRANTLINE_PUBLIC_URL?.replace(/\/+$/, ""),
    trustProxy: parseTrustProxy(e.GRANTLINE_TRUST_PROXY)!,
    mail: { smtpUrl: e.SMTP_URL, from: e.GRANTLINE_MAIL_FROM, outboxDir: path.join(path.resolve(e.GRANTLINE_DATA_DIR), "outbox") },
    simSitePort: e.GRANTLINE_SIM_SITE_PORT,
    simDaySeconds: e.GRANTLINE_SIM_DAY_SECONDS,
    alerts: {
      dedupWindowMs: e.GRANTLINE_ALERTS_DEDUP_MINUTES * 60_000,
      channelPerHour: e.GRANTLINE_ALERTS_CHANNEL_PER_HOUR,
      businessPerHour: e.GRANTLINE_ALERTS_BUSINESS_PER_HOUR,
      deniedBurst: e.GRANTLINE_ALERTS_DENIED_BURST,
      deniedWindowMs: e.GRANTLINE_ALERTS_DENIED_WINDOW_MINUTES * 60_000,
      spendChangePercent: e.GRANTLINE_ALERTS_SPEND_CHANGE_PERCENT,
      pollMs: e.GRANTLINE_ALERTS_POLL_MS,
      whatsappApiUrl: e.GRANTLINE_WHATSAPP_API_URL.replace(/\/+$/, ""),
    },
    outbound: { allowPrivate: e.GRANTLINE_OUTBOUND_ALLOW_PRIVATE === "on" },
    tokenWarningLeadsMs: parseLeadDays(e.GRANTLINE_TOKEN_WARNING_DAYS),
    autopilotApp:
      e.GRANTLINE_AUTOPILOT_APP_ID === undefined
        ? undefined
        : {
            graphUrl: e.GRANTLINE_AUTOPILOT_GRAPH_URL!.replace(/\/+$/, ""),
            dialogUrl: e.GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL!,
            tokenUrl: e.GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL!,
            appId: e.GRANTLINE_AUTOPILOT_APP_ID,
            appSecret: e.GRANTLINE_AUTOPILOT_APP_SECRET!,
            redirectUri: e.GRANTLINE_AUTOPILOT_REDIRECT_URI,
          },
    autopilotHubToken: e.GRANTLINE_AUTOPILOT_HUB_TOKEN,
    autopilotSchedule:
      e.GRANTLINE_AUTOPILOT_SCHEDULE === "off"
        ? undefined
        : { dailyHour: e.GRANTLINE_AUTOPILOT_DAILY_HOUR, timeZone: e.GRANTLINE_AUTOPILOT_TIME_ZONE, monitorIntervalMs: e.GRANTLINE_AUTOPILOT_MONITOR_MINUTES * 60_000 },
    metrics:
      e.GRANTLINE_METRICS_TOKEN === undefined && e.GRANTLINE_METRICS_PORT === undefined
        ? undefined
        : { token: e.GRANTLINE_METRICS_TOKEN, port: e.GRANTLINE_METRICS_PORT, host: e.GRANTLINE_METRICS_HOST ?? e.HOST },
    rateLimits: {
      windowMs: e.GRANTLINE_RATE_LIMIT_WINDOW_MS,
      appPoints: e.GRANTLINE_RATE_LIMIT_APP_POINTS,
      userPoints: e.GRANTLINE_RATE_LIMIT_USER_POINTS,
      businessPoints: e.GRANTLINE_RATE_LIMIT_BUSINESS_POINTS,
      accessTier: e.GRANTLINE_ACCESS_TIER,
    },
  };
}

/** "true" / "false" / "2" / "10.0.0.0/8, 127.0.0.1" → Fastify's trustProxy; undefined when invalid. */
function parseTrustProxy(value: string): boolean | number | string[] | undefined {
  const text = value.trim().toLowerCase();
  if (text === "false" || text === "") return false;
  if (text === "true") return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(",").map((entry) => entry.trim());
  return entries.every(isAddressOrRange) ? entries : undefined;
}

function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split("/");
  if (extra !== undefined || !address) return false;
  const version = net.isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** "7,1" → [7 days, 1 day] in ms, distinct, longest first; zero days are dropped. */
function parseLeadDays(value: string): number[] {
  const days = value.split(",").map((d) => Number(d.trim())).filter((d) => d > 0);
  return [...new Set(days)].sort((a, b) => b - a).map((d) => Math.round(d * 24 * 3600 * 1000));
}
