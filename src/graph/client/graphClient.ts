/**
 * A small client for a Graph API (Meta's, or Grantline's own surface), used by the Graph-sourced
 * access review: plain fetch, paced by the usage headers every answer carries, retrying Meta's
 * rate-limit errors with backoff, and counting its calls.
 *
 * Meta's references:
 * - Usage headers and throttling codes: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
 *   (X-App-Usage `call_count`/`total_time`/`total_cputime` in percent; X-Business-Use-Case-Usage, per
 *   business or ad account id, a list of `{type, call_count, total_cputime, total_time,
 *   estimated_time_to_regain_access}` with the wait in minutes; X-Ad-Account-Usage `acc_id_util_pct`
 *   and `reset_time_duration` in seconds). Throttled calls fail with code 4 (app), 17 (user),
 *   32 (Pages), 613 and the Business Use Case codes 80000-80014.
 * - Marketing API throttling: https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
 * - Error codes (190 invalid or expired token, 200-299 and 10 permissions):
 *   https://developers.facebook.com/docs/marketing-api/error-reference and
 *   https://developers.facebook.com/docs/graph-api/guides/error-handling
 * - Paging (`paging.cursors.after`, `paging.next`): https://developers.facebook.com/docs/graph-api/results
 */

import { readUsage as readMetaUsage } from "../../net/metaUsage.ts";
import { OutboundError } from "../../net/outbound.ts";

/** A Graph error answer, as Meta shapes it. */
export class GraphCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly subcode: number | undefined,
    readonly graphMessage: string,
    readonly path: string,
  ) {
    super(`${path}: (#${code}) ${graphMessage}`);
    this.name = "GraphCallError";
  }

  /** The token is invalid, expired or revoked (code 190, or 102 for a session). */
  get badToken(): boolean {
    return this.code === 190 || this.code === 102;
  }

  /** The token lacks a permission or the object is out of its reach (10, 200-299, or 100 "does not exist / missing permissions"). */
  get denied(): boolean {
    return this.code === 10 || (this.code >= 200 && this.code <= 299) || this.code === 803 || (this.code === 100 && this.subcode === 33);
  }
}

/** Meta's throttling codes: retried after the wait the answer or its headers name. */
export function isRateLimitCode(code: number): boolean {
  return code === 4 || code === 17 || code === 32 || code === 613 || (code >= 80000 && code <= 80014);
}

/** What the usage headers of one answer say: the fullest bucket in percent, and any wait Meta names. */
export interface Usage {
  pct: number;
  regainMs: number;
}

function parseJson(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * The fullest bucket, and the longest wait Meta announced: a use case's
 * `estimated_time_to_regain_access`, or a full ad account's `reset_time_duration`.
 */
export function readUsage(headers: Headers): Usage {
  const reading = readMetaUsage(headers);
  if (!reading) return { pct: 0, regainMs: 0 };
  const accountFull = reading.bucket === "ad_account" && reading.pct >= 100 ? reading.regainMs : 0;
  return { pct: reading.pct, regainMs: Math.max(reading.blockedMs ?? 0, accountFull) };
}

/**
 * How long to wait before the next call. Below half of any quota, not at all; from there the pause
 * grows with the fullest bucket so that a long review spreads over the window instead of running
 * into the limit; at 100% (or when Meta names a wait), the announced wait.
 */
export function pacingDelayMs(usage: Usage, options: { basePauseMs: number }): number {
  if (usage.regainMs > 0) return usage.regainMs;
  if (usage.pct < 50) return 0;
  if (usage.pct >= 100) return 60_000;
  // 50% → one base pause; 95% → ten.
  return Math.round(options.basePauseMs * (1 + ((usage.pct - 50) / 45) * 9));
}

export interface GraphClientOptions {
  baseUrl: string;
  token: string;
  /** Graph version prefix, e.g. "v24.0"; none by default (Grantline accepts both). */
  version?: string;
  /** Pause at 50% of a quota, growing to ten times as much at 95% (default 200 ms). */
  basePauseMs?: number;
  /** Tries of one call before its rate-limit or server error is given up on (default 6). */
  maxTries?: number;
  /** Waits (injected so tests need not wait); resolves after `ms`. */
  sleep?: (ms: number) => Promise<void>;
  /** Called on every wait, with why: "pacing" or "rate_limited" or "server_error". */
  onWait?: (ms: number, reason: string) => void;
  /** How calls are sent; default the global fetch. A server passes its outbound guard's (tenants give the URL). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** One page of an edge, as Meta returns it. */
export interface GraphPage<T> {
  data: T[];
  /** The cursor of the next page, or undefined on the last page. */
  after: string | undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class GraphClient {
  /** Graph calls made, retries included. */
  calls = 0;
  private nextDelayMs = 0;

  constructor(private readonly options: GraphClientOptions) {}

  private url(path: string, params: Record<string, string | undefined>): URL {
    const prefix = this.options.version ? `/${this.options.version}` : "";
    const url = new URL(`${prefix}/${path.replace(/^\//, "")}`, this.options.baseUrl);
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  private async wait(ms: number, reason: string): Promise<void> {
    if (ms <= 0) return;
    this.options.onWait?.(ms, reason);
    await (this.options.sleep ?? defaultSleep)(ms);
  }

  /** One call, paced and retried; returns the parsed body or throws GraphCallError. */
  async request(method: "GET" | "POST" | "DELETE", path: string, params: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> {
    const maxTries = this.options.maxTries ?? 6;
    for (let attempt = 1; ; attempt++) {
      await this.wait(this.nextDelayMs, "pacing");
      this.nextDelayMs = 0;
      const url = this.url(path, method === "GET" ? params : {});
      const init: RequestInit = { method, headers: { authorization: `Bearer ${this.options.token}` } };
      if (method !== "GET") {
        init.body = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
        init.headers = { ...init.headers, "content-type": "application/x-www-form-urlencoded" };
      }
      this.calls++;
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(url.toString(), init);
      } catch (error) {
        // An address the outbound guard refuses stays refused: only a failed connection is tried again.
        const permanent = error instanceof OutboundError && error.reason !== "unreachable" && error.reason !== "timeout";
        if (permanent || attempt >= maxTries) throw error;
        await this.wait(backoffMs(attempt), "server_error");
        continue;
      }
      const usage = readUsage(response.headers);
      const body = parseJson(await response.text()) as Record<string, unknown> | undefined;
      const error = body?.error as { code?: number; error_subcode?: number; message?: string; is_transient?: boolean } | undefined;
      if (response.ok && body && !error) {
        this.nextDelayMs = pacingDelayMs(usage, { basePauseMs: this.options.basePauseMs ?? 200 });
        return body;
      }
      const failure = new GraphCallError(response.status, num(error?.code), error?.error_subcode, error?.message ?? `HTTP ${response.status}`, path);
      const retryable = isRateLimitCode(failure.code) || response.status >= 500 || error?.is_transient === true;
      if (!retryable || attempt >= maxTries) throw failure;
      const reason = isRateLimitCode(failure.code) ? "rate_limited" : "server_error";
      await this.wait(Math.max(usage.regainMs, backoffMs(attempt)), reason);
    }
  }

  /** One page of an edge (`limit` items after the cursor `after`). */
  async page<T = Record<string, unknown>>(path: string, params: Record<string, string | undefined>, after?: string): Promise<GraphPage<T>> {
    const body = await this.request("GET", path, { limit: "100", ...params, after });
    const data = Array.isArray(body.data) ? (body.data as T[]) : [];
    const paging = body.paging as { cursors?: { after?: string }; next?: string } | undefined;
    return { data, after: paging?.next ? paging.cursors?.after ?? new URL(paging.next).searchParams.get("after") ?? undefined : undefined };
  }
}

/** Exponential backoff with a cap: 1 s, 2 s, 4 s … 5 min. */
export function backoffMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** (attempt - 1));
}
