import { OutboundError, type OutboundHttp, type OutboundResponse } from "../../net/outbound.ts";
import { readUsage, type UsageReading } from "../../net/metaUsage.ts";
import { backoffFor, DEFAULT_BACKOFF, throttledReading, type BackoffPolicy } from "./usage.ts";

/** Graph error codes that mean the token or its permissions no longer reach the object. */
const LOST_PERMISSION_CODES = new Set([10, 102, 190, 200]);
/** Graph error codes that mean "too many calls": app, user/business, ad account, page, custom. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014]);

export type GraphErrorKind = "lost_permission" | "rate_limited" | "policy_block" | "guardrail" | "invalid";

/**
 * A write the hub refused (or held for the owner's approval) under a partner guardrail: code 200
 * like a lost permission, but about this one change, not the token (docs/guardrails.md, Refusals).
 */
const GUARDRAIL_MESSAGE = /^\(#200\) (?:Refused by the partner guardrail (\w+) = ([^:]*):|This change needs the owner's approval: partner guardrail (approval_above) = ([^.\s]*)\.)/;

/** An error the Graph answered in its envelope: the request reached the server and was refused. */
export class GraphApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly subcode: number | undefined,
    message: string,
    readonly userMsg: string | undefined,
    readonly fbtraceId: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = "GraphApiError";
  }

  get kind(): GraphErrorKind {
    if (RATE_LIMIT_CODES.has(this.code)) return "rate_limited";
    if (this.guardrail) return "guardrail";
    // 368 is a policy block (the account or person is blocked), not an expired token.
    if (this.code === 368) return "policy_block";
    if (LOST_PERMISSION_CODES.has(this.code) || (this.code >= 200 && this.code < 300)) return "lost_permission";
    return "invalid";
  }

  /** The partner guardrail that refused or held the write, when that is what this error is. */
  get guardrail(): { name: string; value: string; held: boolean } | undefined {
    if (this.code !== 200) return undefined;
    const match = GUARDRAIL_MESSAGE.exec(this.message);
    if (!match) return undefined;
    return match[1] !== undefined ? { name: match[1], value: match[2] ?? "", held: false } : { name: match[3] ?? "approval_above", value: match[4] ?? "", held: true };
  }

  toJSON() {
    return { status: this.status, code: this.code, error_subcode: this.subcode, message: this.message, error_user_msg: this.userMsg, fbtrace_id: this.fbtraceId, kind: this.kind };
  }
}

/**
 * The request may or may not have reached the server: a timeout, a dropped connection or a 5xx;
 * or it was never sent because the Graph's address is not allowed ("refused", not retried).
 */
export class GraphTransportError extends Error {
  constructor(
    readonly reason: "timeout" | "network" | "server_error" | "refused",
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "GraphTransportError";
  }
}

/** The client refused to make a call because a usage bucket is (nearly) full. */
export class RateLimitBackoff extends Error {
  constructor(
    readonly usage: UsageReading,
    readonly waitMs: number,
  ) {
    super(`Paused before calling the Graph: ${usage.bucket} is at ${usage.pct}% of its limit; access returns in about ${Math.ceil(waitMs / 60_000)} min.`);
    this.name = "RateLimitBackoff";
  }
}

export interface GraphClientOptions {
  baseUrl: string;
  /** Sent as a bearer token; none for the calls that carry the app's credentials instead (a code exchange). */
  accessToken?: string;
  /** The outbound guard every call goes through (Autopilot's: the hub's own URL trusted). */
  http: OutboundHttp;
  /** Graph version prefix, e.g. "v24.0"; none by default (the hub accepts both). */
  version?: string;
  timeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Longest the client waits for a full bucket before giving up with RateLimitBackoff; default 0 (never waits that long). */
  maxStopWaitMs?: number;
  /** Reads are retried this often after a timeout or 5xx (they change nothing); writes never are. */
  readRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called on every usage reading (to store it, print it). */
  onUsage?: (usage: UsageReading) => void;
  /**
   * The last reading an earlier client took for the same token and when: a bucket found full by an
   * earlier run holds this client's first call too, for what is left of the wait.
   */
  lastUsage?: { reading: UsageReading; at: number };
  /** Clock of those readings; default Date.now. */
  now?: () => number;
  /** Called once when the token lost access (codes 10, 190, 200–299): the connection needs attention. */
  onLostPermission?: (error: GraphApiError) => void;
}

export type GraphParams = Record<string, string | number | boolean | object | undefined>;
type Json = Record<string, unknown>;

export interface GraphPage<T> {
  data: T[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string; previous?: string };
}

/** Meta's rate limits count calls over a rolling hour (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/). */
const USAGE_WINDOW_MS = 3_600_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The most of one Graph answer read (a page of insights rows is well under it). */
const RESPONSE_LIMIT = 32 * 1024 * 1024;

/**
 * A client of the Graph wire format over the outbound guard: paging, the error envelope, the usage headers and
 * backing off before any limit is reached. It points at the hub or at Meta alike.
 */
export class GraphClient {
  private lastUsage: UsageReading | undefined;
  private lastUsageAt = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  calls = 0;

  constructor(private readonly options: GraphClientOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    // Meta's usage windows are an hour long: an older reading says nothing about now.
    if (options.lastUsage && this.now() - options.lastUsage.at < USAGE_WINDOW_MS) {
      this.lastUsage = options.lastUsage.reading;
      this.lastUsageAt = options.lastUsage.at;
    }
  }

  get usage(): UsageReading | undefined {
    return this.lastUsage;
  }

  async get<T = Json>(path: string, params: GraphParams = {}): Promise<T> {
    return (await this.request("GET", this.url(path, params))) as T;
  }

  /** A write. Never retried here: a caller that does not get an answer must read the state back. */
  async post<T = Json>(path: string, params: GraphParams = {}): Promise<T> {
    return (await this.request("POST", this.url(path, {}), params)) as T;
  }

  /** A deletion (`DELETE /{id}`); like a write, never retried here. */
  async delete<T = Json>(path: string): Promise<T> {
    return (await this.request("DELETE", this.url(path, {}))) as T;
  }

  /** Every item of an edge, page by page (following `paging.next`); `onPage` is awaited before the next page. */
  async getAll<T = Json>(path: string, params: GraphParams = {}, onPage?: (items: T[]) => void | Promise<void>): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = this.url(path, params);
    while (next) {
      const page = (await this.request("GET", next)) as GraphPage<T>;
      out.push(...page.data);
      await onPage?.(page.data);
      next = page.paging?.next;
    }
    return out;
  }

  private url(path: string, params: GraphParams): string {
    const base = this.options.baseUrl.replace(/\/+$/, "");
    const prefix = this.options.version ? `/${this.options.version}` : "";
    const url = new URL(`${base}${prefix}/${path.replace(/^\/+/, "")}`);
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      url.searchParams.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
    return url.toString();
  }

  private async request(method: "GET" | "POST" | "DELETE", url: string, body?: GraphParams): Promise<unknown> {
    const retries = method === "GET" ? (this.options.readRetries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      await this.waitForRoom();
      try {
        return await this.once(method, url, body);
      } catch (error) {
        if (error instanceof GraphTransportError && error.reason !== "refused" && attempt < retries) {
          await this.sleep(250 * 2 ** attempt);
          continue;
        }
        throw error;
      }
    }
  }

  private async waitForRoom(): Promise<void> {
    const decision = backoffFor(this.lastUsage, this.options.backoff ?? DEFAULT_BACKOFF);
    if (decision.action === "pace") await this.sleep(decision.waitMs);
    if (decision.action === "stop") {
      // What is left of the wait since the reading was taken (by this client or an earlier one).
      const waitMs = decision.waitMs - Math.max(0, this.now() - this.lastUsageAt);
      if (waitMs > (this.options.maxStopWaitMs ?? 0)) throw new RateLimitBackoff(this.lastUsage!, waitMs);
      if (waitMs > 0) await this.sleep(waitMs);
      this.lastUsage = undefined;
    }
  }

  private noteUsage(usage: UsageReading): void {
    this.lastUsage = usage;
    this.lastUsageAt = this.now();
    this.options.onUsage?.(usage);
  }

  private async once(method: "GET" | "POST" | "DELETE", url: string, body?: GraphParams): Promise<unknown> {
    const headers: Record<string, string> = this.options.accessToken ? { authorization: `Bearer ${this.options.accessToken}` } : {};
    if (body !== undefined) headers["content-type"] = "application/json";
    this.calls++;
    let response: OutboundResponse;
    try {
      response = await this.options.http.fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: "follow",
        timeoutMs: this.options.timeoutMs ?? 30_000,
        maxBytes: RESPONSE_LIMIT,
      });
    } catch (error) {
      const reason = error instanceof OutboundError ? error.reason : "unreachable";
      if (reason === "refused" || reason === "invalid_url") throw new GraphTransportError("refused", (error as OutboundError).message);
      if (reason === "timeout") throw new GraphTransportError("timeout", "The Graph did not answer in time.");
      if (reason === "too_large" || reason === "too_many_redirects") throw new GraphTransportError("server_error", (error as OutboundError).message);
      throw new GraphTransportError("network", "The connection to the Graph failed.");
    }
    const text = response.text();
    const usage = readUsage(response.headers);
    if (usage) this.noteUsage(usage);
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const envelope = (json as { error?: Json } | undefined)?.error;
    if (envelope && typeof envelope === "object" && typeof envelope.code === "number" && response.status < 500) {
      const retryAfter = Number(response.headers.get("retry-after"));
      const error = new GraphApiError(
        response.status,
        envelope.code,
        typeof envelope.error_subcode === "number" ? envelope.error_subcode : undefined,
        String(envelope.message ?? "Graph error"),
        typeof envelope.error_user_msg === "string" ? envelope.error_user_msg : undefined,
        typeof envelope.fbtrace_id === "string" ? envelope.fbtrace_id : undefined,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
      if (error.kind === "lost_permission") this.options.onLostPermission?.(error);
      // Throttled: the next call waits as for a full bucket, unless the headers already said longer.
      if (error.kind === "rate_limited" && backoffFor(this.lastUsage, this.options.backoff ?? DEFAULT_BACKOFF).action !== "stop") this.noteUsage(throttledReading(error.code, error.retryAfterMs));
      throw error;
    }
    if (response.status >= 500) throw new GraphTransportError("server_error", `The Graph answered ${response.status}.`, response.status);
    if (response.status < 200 || response.status > 299 || json === undefined) throw new GraphTransportError("server_error", `Unexpected answer from the Graph (${response.status}).`, response.status);
    return json;
  }
}
