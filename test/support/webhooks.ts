import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openGrantline, type Grantline } from "../../src/app/openGrantline.ts";
import { LOCAL_RECEIVERS, type TestClock, type TestStore } from "./hubs.ts";

/** One secret key for every hub a test opens on a store, as instances sharing a store must have. */
export function webhookTestKey(): Buffer {
  return crypto.randomBytes(32);
}

/**
 * A hub on the test store with an explicit secret key (so no key file is written for PostgreSQL
 * stores) and a short handshake timeout. Close it before `store.cleanup()`.
 */
export async function openWebhookHub(store: TestStore, key: Buffer, clock?: TestClock): Promise<Grantline> {
  return openGrantline({
    databaseUrl: store.env.DATABASE_URL,
    pgSchema: store.env.DATABASE_SCHEMA,
    dataDir: store.env.GRANTLINE_DATA_DIR,
    now: clock?.now,
    secretKey: key,
    webhookVerifyTimeoutMs: 2000,
    outbound: LOCAL_RECEIVERS,
  });
}

export interface ReceivedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** The body bytes exactly as they arrived. */
  raw: Buffer;
}

/**
 * A real HTTP endpoint on 127.0.0.1 standing in for an app's webhook callback. It answers the
 * handshake like a well-behaved app (echoes hub.challenge when the verify token matches, else 403)
 * and answers POSTs with `postStatus`, or never answers while `hang` is set.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  verifyToken = "let-me-in";
  /** Statuses for the next POSTs, one each; when empty, 200. */
  postStatuses: number[] = [];
  /** Echo something other than the challenge, as a broken endpoint would. */
  echoWrongChallenge = false;
  hang = false;
  private server: http.Server | undefined;
  private readonly hanging: http.ServerResponse[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("receiver not started");
    return `http://127.0.0.1:${address.port}/hooks/grantline`;
  }

  /** The POSTed deliveries, in arrival order. */
  get deliveries(): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === "POST");
  }

  get handshakes(): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === "GET");
  }

  /** Resolves once `count` deliveries have arrived (for the background loop, which has no runOnce to await). */
  waitForDeliveries(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve });
      this.notify();
    });
  }

  private notify(): void {
    const arrived = this.deliveries.length;
    for (const waiter of [...this.waiters]) {
      if (arrived < waiter.count) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const received: ReceivedRequest = {
          method: request.method ?? "",
          url: new URL(request.url ?? "/", "http://127.0.0.1"),
          headers: request.headers,
          raw: Buffer.concat(chunks),
        };
        this.requests.push(received);
        this.notify();
        if (this.hang) {
          this.hanging.push(response);
          return;
        }
        if (received.method === "GET") {
          const q = received.url.searchParams;
          if (q.get("hub.mode") === "subscribe" && q.get("hub.verify_token") === this.verifyToken) {
            response.writeHead(200, { "content-type": "text/plain" }).end(this.echoWrongChallenge ? "12345" : (q.get("hub.challenge") ?? ""));
          } else {
            response.writeHead(403, { "content-type": "text/plain" }).end("wrong verify token");
          }
          return;
        }
        const status = this.postStatuses.shift() ?? 200;
        response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "EVENT_RECEIVED" : "try later");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const response of this.hanging.splice(0)) response.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The receiver's own check of `X-Hub-Signature-256`: HMAC-SHA256 over the raw body, keyed by the signing secret. */
export function receiverAcceptsSignature(request: ReceivedRequest, signingSecret: string): boolean {
  const header = request.headers["x-hub-signature-256"];
  if (typeof header !== "string") return false;
  const expected = `sha256=${crypto.createHmac("sha256", signingSecret).update(request.raw).digest("hex")}`;
  return header.length === expected.length && crypto.timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks`;
}
