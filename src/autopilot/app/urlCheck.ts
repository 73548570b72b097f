import { OutboundError, type OutboundHttp } from "../../net/outbound.ts";

/** The result of checking one destination URL. */
export interface UrlCheck {
  url: string;
  ok: boolean;
  /** Last HTTP status seen, or null when no answer came. */
  status: number | null;
  attempts: number;
  error?: string;
}

export interface UrlCheckOptions {
  timeoutMs: number;
  attempts: number;
  retryDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_URL_CHECK: UrlCheckOptions = { timeoutMs: 10_000, attempts: 3, retryDelayMs: 2_000 };

/**
 * Loads a landing page the way a visitor would (GET, following redirects) and retries before calling
 * it down: a 2xx or 3xx within the time limit is up; a 4xx/5xx or no answer after every attempt is down.
 */
export async function checkUrl(http: OutboundHttp, url: string, options: UrlCheckOptions = DEFAULT_URL_CHECK): Promise<UrlCheck> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let status: number | null = null;
  let error: string | undefined;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      // Ad links are written by tenants: every redirect hop is checked by the outbound guard, and only the status is read.
      const response = await http.fetch(url, { redirect: "follow", timeoutMs: options.timeoutMs, maxBytes: 0, headers: { "user-agent": "Grantline-Autopilot-LinkCheck/1" } });
      status = response.status;
      if (response.status < 400) return { url, ok: true, status, attempts: attempt };
      error = `HTTP ${response.status}`;
    } catch (e) {
      status = null;
      const reason = e instanceof OutboundError ? e.reason : "unreachable";
      // An address that is not allowed (or not a web address) stays so: no retry.
      if (reason === "refused" || reason === "invalid_url") return { url, ok: false, status, attempts: attempt, error: (e as OutboundError).message };
      error = reason === "timeout" ? `no answer within ${options.timeoutMs} ms` : reason === "too_many_redirects" ? "too many redirects" : "the connection failed";
    }
    if (attempt < options.attempts) await sleep(options.retryDelayMs * attempt);
  }
  return { url, ok: false, status, attempts: options.attempts, ...(error ? { error } : {}) };
}
