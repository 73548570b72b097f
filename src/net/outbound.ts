import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net, { type LookupFunction } from "node:net";
import { internalRange } from "./addressRanges.ts";

/**
 * The one way Grantline calls a URL it was given (app webhooks, alert channels, Autopilot's Graph
 * and link checks). URLs come from tenants, so the hub must not become their way into the network
 * it runs in (server-side request forgery):
 *
 * - only http and https;
 * - the host is resolved once, and the request is refused when ANY of its addresses is internal
 *   (see addressRanges.ts); IP literals are checked as they are, since Node does not resolve them;
 * - the connection goes to the addresses that were checked (the socket's `lookup` answers with
 *   them), so a name cannot resolve to a public address for the check and to an internal one for
 *   the connection; the Host header and TLS server name stay the URL's own;
 * - redirects are followed only when asked, and every hop is checked again;
 * - one deadline covers the whole exchange, and at most `maxBytes` of an answer are read;
 * - failures say what happened in neutral words ("Could not connect to host."), never what the
 *   network answered, so error texts cannot map the inside of the network.
 *
 * The operator may allow internal addresses (GRANTLINE_OUTBOUND_ALLOW_PRIVATE, for development),
 * and may name trusted origins (the hub's own public URL for Autopilot, the simulator's shops)
 * that are called whatever they resolve to.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address (A and AAAA) a host name resolves to. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system's resolver (getaddrinfo: /etc/hosts, then DNS), as Node's own connections use it. */
export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface OutboundPolicy {
  /** Call internal addresses too (GRANTLINE_OUTBOUND_ALLOW_PRIVATE=on): for development only. Default false. */
  allowPrivate?: boolean;
  /** Origins (`scheme://host[:port]`) the operator configured; they are called whatever they resolve to. */
  trustedOrigins?: Iterable<string>;
  /** Name resolution; default the system's. Tests pass their own. */
  resolve?: Resolver;
}

/** The policy with more operator-configured origins trusted (an unset one is skipped). */
export function withTrustedOrigins(policy: OutboundPolicy | undefined, origins: (string | undefined)[]): OutboundPolicy {
  const added = origins.filter((origin): origin is string => Boolean(origin));
  return { ...policy, trustedOrigins: [...(policy?.trustedOrigins ?? []), ...added] };
}

export type OutboundFailure = "invalid_url" | "refused" | "unreachable" | "timeout" | "too_many_redirects" | "too_large";

/** Why a call did not get an answer, in words that may be shown to whoever gave the URL. */
export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** "manual" (default) answers a 3xx as it is; "follow" follows up to `maxRedirects`, checking each hop. */
  redirect?: "manual" | "follow";
  maxRedirects?: number;
  /** Deadline of the whole exchange, redirects and body included. Default 10 s. */
  timeoutMs?: number;
  /** Most bytes of the answer's body read. Default 1 MiB. */
  maxBytes?: number;
  /** Past `maxBytes`: "truncate" keeps the start and drops the rest; "fail" (default) throws too_large. */
  overflow?: "truncate" | "fail";
  /** Aborting it ends the call like the deadline does. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  /** The standard reason phrase of the status (never the server's own words). */
  statusText: string;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
  /** True when the body was longer than `maxBytes` and cut. */
  truncated: boolean;
  text(): string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin (the Fetch standard drops the same). */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

/** A host name the hub may call, with the addresses the connection is pinned to. */
interface Target {
  url: URL;
  addresses: ResolvedAddress[];
}

/** Guarded outbound HTTP: see the comment at the top of this file. One per policy; it keeps its connections alive. */
export class OutboundHttp {
  private readonly allowPrivate: boolean;
  private readonly trusted = new Set<string>();
  private readonly resolve: Resolver;
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, timeout: 5000 }),
    https: new https.Agent({ keepAlive: true, timeout: 5000 }),
  };

  constructor(policy: OutboundPolicy = {}) {
    this.allowPrivate = policy.allowPrivate ?? false;
    this.resolve = policy.resolve ?? systemResolver;
    for (const origin of policy.trustedOrigins ?? []) this.trust(origin);
  }

  /** Adds a trusted origin once it is known (the listening address of a server started on port 0). */
  trust(origin: string): void {
    const parsed = parseHttpUrl(origin);
    if (parsed) this.trusted.add(parsed.origin);
  }

  /**
   * The check at validation time (when a URL is saved): throws OutboundError "invalid_url" or
   * "refused". A name that does not resolve yet passes: every call checks again.
   */
  async check(url: string | URL): Promise<void> {
    const parsed = parseHttpUrl(url);
    if (parsed && (this.allowPrivate || this.trusted.has(parsed.origin))) return;
    try {
      await this.target(url);
    } catch (error) {
      if (error instanceof OutboundError && error.reason === "unreachable") return;
      throw error;
    }
  }

  /** Calls the URL: one request, or a chain of checked redirects. Throws only OutboundError. */
  async fetch(url: string | URL, init: OutboundRequest = {}): Promise<OutboundResponse> {
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const onAbort = () => deadline.abort();
    init.signal?.addEventListener("abort", onAbort, { once: true });
    if (init.signal?.aborted) deadline.abort();
    try {
      return await this.follow(url, init, deadline.signal);
    } catch (error) {
      if (deadline.signal.aborted) throw new OutboundError("timeout", `No answer within ${timeoutMs} ms.`);
      throw error;
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Drops the kept-alive connections (when the process shuts down). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async follow(start: string | URL, init: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
    let url = start;
    let method = (init.method ?? "GET").toUpperCase();
    let body = init.body;
    let headers: Record<string, string> = { ...init.headers };
    const maxRedirects = init.redirect === "follow" ? (init.maxRedirects ?? DEFAULT_MAX_REDIRECTS) : 0;
    for (let hop = 0; ; hop++) {
      const target = await abortable(this.target(url), signal);
      const response = await this.send(target, { method, headers, body }, signal);
      const location = response.headers.location;
      if (init.redirect !== "follow" || !REDIRECT_STATUSES.has(response.statusCode ?? 0) || typeof location !== "string") {
        return read(target.url, response, init, signal);
      }
      response.destroy();
      if (hop >= maxRedirects) throw new OutboundError("too_many_redirects", `Too many redirects from ${hostOf(target.url)}.`);
      let next: URL;
      try {
        next = new URL(location, target.url);
      } catch {
        throw new OutboundError("invalid_url", `${hostOf(target.url)} redirected to something that is not a URL.`);
      }
      const status = response.statusCode!;
      if (status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST") {
        method = "GET";
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
      }
      if (next.origin !== target.url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
      url = next;
    }
  }

  /** Parses the URL and finds the addresses to connect to, refusing internal ones unless allowed. */
  private async target(input: string | URL): Promise<Target> {
    const url = parseHttpUrl(input);
    if (!url) throw new OutboundError("invalid_url", "Only http and https URLs can be called.");
    const host = hostOf(url);
    const checked = !this.allowPrivate && !this.trusted.has(url.origin);
    const refused = () => new OutboundError("refused", `This address is not allowed: ${host} ${net.isIP(host) ? "is" : "resolves to"} an internal address.`);
    if (net.isIP(host)) {
      if (checked && internalRange(host) !== undefined) throw refused();
      return { url, addresses: [{ address: host, family: net.isIPv6(host) ? 6 : 4 }] };
    }
    // RFC 6761 §6.3: localhost and every name under it are the loopback, whatever a resolver says.
    if (checked && (host === "localhost" || host.endsWith(".localhost"))) throw refused();
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new OutboundError("unreachable", `Could not connect to ${host}.`);
    if (checked && addresses.some((a) => internalRange(a.address) !== undefined)) throw refused();
    return { url, addresses };
  }

  private send(target: Target, request: { method: string; headers: Record<string, string>; body: string | Uint8Array | undefined }, signal: AbortSignal): Promise<http.IncomingMessage> {
    const { url, addresses } = target;
    // Answers the socket's own look-up with the checked addresses (all of them when Node tries
    // both families), so nothing is resolved a second time between the check and the connection.
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    const headers = { ...request.headers };
    if (request.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) {
      headers["content-length"] = String(Buffer.byteLength(request.body));
    }
    const secure = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port || (secure ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers,
          agent: secure ? this.agents.https : this.agents.http,
          lookup,
          signal,
        },
        resolve,
      );
      req.on("error", () => reject(new OutboundError("unreachable", `Could not connect to ${hostOf(url)}.`)));
      req.end(request.body);
    });
  }
}

/** Reads at most `maxBytes` of the body; the rest is not read and the connection is dropped. */
async function read(url: URL, response: http.IncomingMessage, init: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
  const maxBytes = init.maxBytes ?? DEFAULT_MAX_BYTES;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    if (maxBytes === 0) {
      truncated = !response.complete;
      response.destroy();
    } else {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.byteLength;
        if (size > maxBytes) {
          truncated = true;
          response.destroy();
          break;
        }
      }
    }
  } catch {
    if (signal.aborted) throw new OutboundError("timeout", "No answer in time.");
    throw new OutboundError("unreachable", `The connection to ${hostOf(url)} broke off.`);
  }
  if (truncated && (init.overflow ?? "fail") === "fail" && maxBytes > 0) {
    throw new OutboundError("too_large", `The answer from ${hostOf(url)} is larger than ${maxBytes} bytes.`);
  }
  const body = Buffer.concat(chunks).subarray(0, maxBytes);
  const headers = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    try {
      headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
    } catch {
      // A header the Fetch standard would not accept is left out.
    }
  }
  const status = response.statusCode ?? 0;
  return { status, statusText: http.STATUS_CODES[status] ?? "", headers, url: url.toString(), body, truncated, text: () => body.toString("utf8") };
}

/** An absolute http(s) URL, or undefined. */
function parseHttpUrl(input: string | URL): URL | undefined {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}

/** The host as the check sees it: IPv6 without brackets, a name without its trailing dot. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new OutboundError("timeout", "No answer in time."));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new OutboundError("timeout", "No answer in time."));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The guard as a WHATWG `fetch` for libraries that take one (openid-client's `customFetch`): the
 * answer is read (up to 1 MiB) before the Response is built.
 */
export function guardedFetch(outbound: OutboundHttp, timeoutMs = DEFAULT_TIMEOUT_MS) {
  return async (url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal | null; redirect?: string }): Promise<Response> => {
    const body = requestBody(options.body);
    const answer = await outbound.fetch(url, {
      method: options.method ?? "GET",
      headers: options.headers ?? {},
      ...(body !== undefined ? { body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      redirect: options.redirect === "follow" ? "follow" : "manual",
      timeoutMs,
    });
    const empty = answer.status === 204 || answer.status === 205 || answer.status === 304;
    return new Response(empty ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
  };
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError("A streamed request body cannot be sent through the outbound guard.");
}
