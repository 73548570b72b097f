import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import type { TestStore } from "./hubs.ts";
import { runGrantline } from "./cli.ts";


export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The hub's HTTP server listening on a free loopback port. */
export async function startServer(hub: Grantline): Promise<RunningServer> {
  const app = await buildServer(hub, { logLevel: "silent" });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface Bootstrapped {
  business_id: string;
  system_user_id: string;
  access_token: string;
}

/** `grantline bootstrap --business-name NAME --json` against the test store, as a user would run it. */
export async function bootstrapWithCli(store: TestStore, name: string): Promise<Bootstrapped> {
  const { stdout } = await runGrantline(store.env, "bootstrap", "--business-name", name, "--json");
  return JSON.parse(stdout) as Bootstrapped;
}

/** A small Graph client over fetch for raw-HTTP tests: returns status, headers and parsed JSON. */
export function graphClient(baseUrl: string, token?: string) {
  return async (method: string, pathAndQuery: string, body?: Record<string, unknown> | string, contentType?: string) => {
    const url = new URL(pathAndQuery, baseUrl);
    if (token && !url.searchParams.has("access_token")) url.searchParams.set("access_token", token);
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers = { "content-type": contentType ?? (typeof body === "string" ? "application/x-www-form-urlencoded" : "application/json") };
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, body: json as Record<string, any> };
  };
}
