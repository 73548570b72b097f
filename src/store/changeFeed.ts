import crypto from "node:crypto";
import pg from "pg";
import type { createClient } from "redis";

/**
 * How one instance tells the others that access changed, so that a revocation acknowledged on one
 * takes effect on every other before its next request, rather than at its next poll. A message
 * carries no data (the store's change log is the truth and every instance catches up from it); it
 * only says "look now". Polling stays as the safety net for a message lost while reconnecting.
 */
export interface ChangeFeed {
  /** Tells every other instance on the feed to catch up. Call after the change committed. */
  announce(): Promise<void>;
  /** Calls `onChange` whenever another instance announces. */
  subscribe(onChange: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Messages an instance sent itself are skipped: it already caught up when it committed. */
const instanceId = crypto.randomBytes(8).toString("hex");

/** One channel per store (per PostgreSQL schema), so hubs sharing a server do not wake each other. */
export function changeChannel(scope: string | undefined): string {
  return `grantline_access_${(scope ?? "default").replace(/[^a-z0-9_]/gi, "_")}`.slice(0, 63);
}

type RedisClient = ReturnType<typeof createClient>;

/** The feed over Redis pub/sub, for instances that share a Redis (`REDIS_URL`). */
export class RedisChangeFeed implements ChangeFeed {
  private subscriber: RedisClient | undefined;

  constructor(
    private readonly publisher: RedisClient,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  async announce(): Promise<void> {
    await this.publisher.publish(this.channel, instanceId);
  }

  async subscribe(onChange: () => void): Promise<void> {
    // A client that subscribes can do nothing else, so the feed listens on a copy of the connection.
    const subscriber = this.publisher.duplicate();
    subscriber.on("error", this.onError);
    await subscriber.connect();
    await subscriber.subscribe(this.channel, (message) => {
      if (message !== instanceId) onChange();
    });
    this.subscriber = subscriber;
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.isOpen) await subscriber.close();
  }
}

/**
 * The feed over PostgreSQL's LISTEN/NOTIFY, for instances that share a PostgreSQL store. The listener
 * holds one connection of its own and reconnects with backoff when it drops; after a reconnect it
 * reports a change, since announcements sent while it was away are lost.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private listener: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly sender: pg.Pool;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.sender = new pg.Pool({ connectionString: url, max: 1 });
    this.sender.on("error", onError);
  }

  async announce(): Promise<void> {
    await this.sender.query("select pg_notify($1, $2)", [this.channel, instanceId]);
  }

  async subscribe(onChange: () => void): Promise<void> {
    await this.listen(onChange, 0);
  }

  private async listen(onChange: () => void, attempt: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const reconnect = (error: unknown) => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      this.onError(error);
      client.end().catch(() => undefined);
      const delay = Math.min(30_000, 250 * 2 ** attempt);
      this.retry = setTimeout(() => {
        this.listen(onChange, attempt + 1).catch(() => undefined);
      }, delay);
      this.retry.unref();
    };
    client.on("error", reconnect);
    client.on("end", () => reconnect(new Error("The change feed's connection ended.")));
    client.on("notification", (message) => {
      if (message.channel === this.channel && message.payload !== instanceId) onChange();
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      // Start-up goes on without the feed (polling still catches up) and keeps trying to listen.
      reconnect(error);
      return;
    }
    // Whatever was announced while this connection was down is caught up now.
    if (attempt > 0) onChange();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.sender.end();
  }
}
