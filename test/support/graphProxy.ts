import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  body: Buffer;
  contentType: string;
}

export interface ProxyAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface ProxyHooks {
  /** Answers instead of forwarding when it returns an answer (the request never reaches the Graph). */
  before?: (request: ProxiedRequest) => ProxyAnswer | undefined;
  /** Sees the Graph's answer; returning an answer replaces it (the request did reach the Graph). */
  after?: (request: ProxiedRequest, upstream: { status: number; text: string }) => ProxyAnswer | undefined;
}

/**
 * A request handler that forwards every request to `target` as it came and the answer as it went,
 * and lets a test refuse a request, replace an answer or record traffic through hooks.
 */
export function forwardTo(target: string, hooks: ProxyHooks = {}): http.RequestListener {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      void (async () => {
        const proxied: ProxiedRequest = {
          method: request.method ?? "GET",
          url: request.url ?? "/",
          body: Buffer.concat(chunks),
          contentType: request.headers["content-type"] ?? "",
        };
        const answer = (a: ProxyAnswer) => {
          response.writeHead(a.status, { "content-type": a.contentType });
          response.end(a.body);
        };
        const early = hooks.before?.(proxied);
        if (early) return answer(early);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
        const upstream = await fetch(`${target}${proxied.url}`, {
          method: proxied.method,
          headers,
          ...(chunks.length ? { body: proxied.body } : {}),
        });
        const text = await upstream.text();
        const late = hooks.after?.(proxied, { status: upstream.status, text });
        if (late) return answer(late);
        const out: Record<string, string> = {};
        upstream.headers.forEach((v, k) => {
          if (k !== "content-length" && k !== "transfer-encoding" && k !== "content-encoding") out[k] = v;
        });
        response.writeHead(upstream.status, out);
        response.end(text);
      })();
    });
  };
}

/** A proxy in front of a Graph server for tests, listening on a free local port. */
export async function startGraphProxy(target: string, hooks: ProxyHooks) {
  const server = http.createServer(forwardTo(target, hooks));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
