import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Hub } from "../hub/hub.ts";
import { isSiteDown } from "./market.ts";
import { hashSeed } from "../random.ts";
import { siteFor, simulatedToday } from "./hubSimulation.ts";

export interface LandingSite {
  /** Base URL of the site; ads' destination URLs point below it. */
  url: string;
  close(): Promise<void>;
}

/** How long a "timing out" page holds the connection before giving up on it. */
const HANG_MS = 60_000;

/**
 * The shops behind the simulated ads: a small local site that serves every destination URL under
 * it. While the simulated market has a URL's site down (on the day the simulation has reached),
 * its pages really fail — alternately a 503 and a connection that never answers — so link
 * monitors are tested over HTTP, not against a flag.
 */
export async function startLandingSite(hub: Hub, options: { host?: string; port?: number } = {}): Promise<LandingSite> {
  const host = options.host ?? "127.0.0.1";
  const hanging = new Set<http.ServerResponse>();
  let base = "";
  const server = http.createServer((request, response) => {
    void (async () => {
      const url = `${base}${(request.url ?? "/").split("?")[0]}`;
      const today = await simulatedToday(hub);
      if (today && isSiteDown(siteFor(today.seed, url), today.dayIndex)) {
        if (hashSeed(today.seed, "failure", url, today.dayIndex) % 2 === 0) {
          response.writeHead(503, { "content-type": "text/html; charset=utf-8", "retry-after": "3600" });
          response.end("<!doctype html><title>Service unavailable</title><h1>503 Service Unavailable</h1>");
        } else {
          hanging.add(response);
          const timer = setTimeout(() => response.destroy(), HANG_MS);
          response.on("close", () => {
            clearTimeout(timer);
            hanging.delete(response);
          });
        }
        return;
      }
      const name = decodeURIComponent(new URL(url).pathname).replace(/[<>&"]/g, "") || "/";
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><title>Shop</title><h1>Welcome</h1><p>You are looking at ${name}.</p><button>Add to cart</button>`);
    })().catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  // A busy port rejects here (EADDRINUSE) rather than as an 'error' event nobody listens to.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${host}:${port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.close(() => resolve());
        // Simulated shops owe nobody a graceful goodbye: keep-alive connections close now.
        server.closeAllConnections();
      }),
  };
}
