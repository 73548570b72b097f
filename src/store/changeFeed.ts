import crypto from "node:crypto";
import pg from "pg";

/**
 * How one instance tells the others that access changed, so that a revocation acknowledged on one
 * is refused by every other for every request that starts after the acknowledgement, rather than
 * at their next poll. A message carries no data (the store's change log is the truth and every
 * instance catches up from it); it says "look now", and each instance answers once it has looked.
 * Polling stays as the safety net for a message lost while a connection is re-established.
 */
export interface ChangeFeed {
  /**
   * Tells every other instance to catch up, and resolves once each live one has said it did (true),
   * or after the acknowledgement wait, `ACK_WAIT_MS` by default, with false when one did not answer
   * (that one is late by at most its poll). Rejects when the message could not be sent. Call after
   * the change committed.
   */
  announce(): Promise<boolean>;
  /** Calls `onChange` whenever another instance announces; its answer goes out once `onChange` resolves. */
  subscribe(onChange: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** How long an announcement waits, by default, for the other instances to say they caught up. */
export const ACK_WAIT_MS = 100;
/** Every instance says it is alive this often; one silent for three times as long is no longer waited for. */
const HELLO_EVERY_MS = 2_000;

/** One channel per store (a PostgreSQL schema, or a SQLite folder), so hubs sharing a server do not wake each other. */
export function changeChannel(store: string): string {
  return `grantline_access_${crypto.createHash("sha256").update(store).digest("hex").slice(0, 16)}`;
}

/**
 * The protocol over any broadcast transport. Messages are `hello:<instance>`,
 * `change:<instance>:<n>` and `applied:<instance>:<n>:<by>`; every instance hears every message.
 */
abstract class BroadcastFeed implements ChangeFeed {
  private readonly id = crypto.randomBytes(8).toString("hex");
  private next = 0;
  /** Other instances, with when they were last heard from. */
  private readonly peers = new Map<string, number>();
  /** Announcements waiting for answers: the peers still to answer, and what to call when none are left. */
  private readonly waiting = new Map<number, { pending: Set<string>; done: () => void }>();
  private onChange: (() => Promise<void>) | undefined;
  private hello: NodeJS.Timeout | undefined;

  protected constructor(
    protected readonly onError: (error: unknown) => void,
    private readonly ackWaitMs: number,
  ) {}

  /** Sends one message to every instance on the channel, this one included. */
  protected abstract send(text: string): Promise<void>;
  /** Starts delivering the channel's messages to `receive`. */
  protected abstract listen(): Promise<void>;
  protected abstract stop(): Promise<void>;

  async announce(): Promise<boolean> {
    const n = ++this.next;
    const now = Date.now();
    const pending = new Set([...this.peers].filter(([, seen]) => now - seen < 3 * HELLO_EVERY_MS).map(([peer]) => peer));
    const answered = new Promise<boolean>((resolve) => {
      if (pending.size === 0) return resolve(true);
      const timer = setTimeout(() => finish(false), this.ackWaitMs);
      timer.unref();
      const finish = (all: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(n);
        resolve(all);
      };
      this.waiting.set(n, { pending, done: () => finish(true) });
    });
    try {
      await this.send(`change:${this.id}:${n}`);
    } catch (error) {
      this.waiting.get(n)?.done();
      throw error;
    }
    return answered;
  }

  async subscribe(onChange: () => Promise<void>): Promise<void> {
    this.onChange = onChange;
    await this.listen();
    await this.sayHello();
    this.hello = setInterval(() => void this.sayHello(), HELLO_EVERY_MS);
    this.hello.unref();
  }

  async close(): Promise<void> {
    if (this.hello) clearInterval(this.hello);
    for (const { done } of this.waiting.values()) done();
    await this.stop();
  }

  /** Called by the transport for each message on the channel. */
  protected receive(text: string | undefined): void {
    const [kind, sender, n, by] = (text ?? "").split(":");
    if (!sender) return;
    if (kind === "applied") {
      if (by && by !== this.id) this.peers.set(by, Date.now());
      if (sender === this.id && by) this.answered(Number(n), by);
      return;
    }
    if (sender === this.id) return;
    this.peers.set(sender, Date.now());
    if (kind === "change" && this.onChange) {
      this.onChange()
        .then(() => this.send(`applied:${sender}:${n}:${this.id}`))
        .catch(this.onError);
    }
  }

  /** Called by the transport when it may have missed messages (a reconnect): catch up anyway. */
  protected missedSome(): void {
    this.onChange?.().catch(this.onError);
  }

  private answered(n: number, by: string): void {
    const entry = this.waiting.get(n);
    if (!entry) return;
    entry.pending.delete(by);
    if (entry.pending.size === 0) entry.done();
  }

  private async sayHello(): Promise<void> {
    await this.send(`hello:${this.id}`).catch(this.onError);
  }
}

/** What the feed needs of a node-redis client (kept structural, as the rate-limit store does). */
interface RedisSubscriber {
  on(event: "error", listener: (error: unknown) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  close(): Promise<unknown>;
  readonly isOpen: boolean;
}
interface RedisClient {
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(): RedisSubscriber;
}

/** The feed over Redis pub/sub, for instances that share a Redis (`REDIS_URL`). */
export class RedisChangeFeed extends BroadcastFeed {
  private subscriber: RedisSubscriber | undefined;

  constructor(
    private readonly publisher: RedisClient,
    private readonly channel: string,
    onError: (error: unknown) => void,
    ackWaitMs = ACK_WAIT_MS,
  ) {
    super(onError, ackWaitMs);
  }

  protected async send(text: string): Promise<void> {
    await this.publisher.publish(this.channel, text);
  }

  protected async listen(): Promise<void> {
    // A client that subscribes can do nothing else, so the feed listens on a copy of the connection.
    const subscriber = this.publisher.duplicate();
    subscriber.on("error", this.onError);
    // The client resubscribes by itself after a reconnect; what was announced meanwhile is caught up.
    let connectedBefore = false;
    subscriber.on("ready", () => {
      if (connectedBefore) this.missedSome();
      connectedBefore = true;
    });
    this.subscriber = subscriber;
    // A Redis that is down at start-up does not stop the hub: polling catches up until it is back.
    const subscribed = subscriber
      .connect()
      .then(() => subscriber.subscribe(this.channel, (message) => this.receive(message)));
    await Promise.race([subscribed.catch(this.onError), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }

  protected async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.isOpen) await subscriber.close();
  }
}

/**
 * The feed over PostgreSQL's LISTEN/NOTIFY, for instances that share a PostgreSQL store. The listener
 * holds one connection of its own and reconnects with backoff when it drops; after a reconnect it
 * catches up, since messages sent while it was away are lost.
 */
export class PostgresChangeFeed extends BroadcastFeed {
  private listener: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly sender: pg.Pool;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    onError: (error: unknown) => void,
    ackWaitMs = ACK_WAIT_MS,
  ) {
    super(onError, ackWaitMs);
    this.sender = new pg.Pool({ connectionString: url, max: 2 });
    this.sender.on("error", onError);
  }

  protected async send(text: string): Promise<void> {
    await this.sender.query("select pg_notify($1, $2)", [this.channel, text]);
  }

  protected listen(): Promise<void> {
    return this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const reconnect = (error: unknown) => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      this.onError(error);
      client.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.connect(attempt + 1), Math.min(30_000, 250 * 2 ** attempt));
      this.retry.unref();
    };
    client.on("error", reconnect);
    client.on("end", () => reconnect(new Error("The access change feed's connection ended.")));
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.receive(message.payload);
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
    if (attempt > 0) this.missedSome();
  }

  protected async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.sender.end();
  }
}

/**
 * The feed for a store: Redis pub/sub when the instances share a Redis, else LISTEN/NOTIFY when they
 * share a PostgreSQL store, else none (a SQLite store serves one process).
 */
export function changeFeedFor(
  options: { redis: RedisClient | undefined; databaseUrl: string | undefined; store: string; ackWaitMs?: number },
  onError: (error: unknown) => void,
): ChangeFeed | undefined {
  const channel = changeChannel(options.store);
  if (options.redis) return new RedisChangeFeed(options.redis, channel, onError, options.ackWaitMs);
  if (options.databaseUrl) return new PostgresChangeFeed(options.databaseUrl, channel, onError, options.ackWaitMs);
  return undefined;
}
