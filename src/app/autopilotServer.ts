import cookie from "@fastify/cookie";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Config } from "../config/env.ts";
import { loadOrCreateSecretKey } from "../crypto/secretKey.ts";
import { securityHeaders } from "../http/securityHeaders.ts";
import { graphErrorHandler, notFoundHandler } from "../web/errorHandler.ts";
import { newRequestId } from "../ids.ts";
import { OutboundHttp } from "../net/outbound.ts";
import { openStore } from "../store/database.ts";
import { Autopilot } from "../autopilot/app/autopilot.ts";
import { hostOverHttp } from "../autopilot/app/remoteHost.ts";
import { registerAutopilotRoutes } from "../autopilot/app/routes.ts";
import { AutopilotScheduler } from "../autopilot/app/scheduler.ts";
import { autopilotTrustedOrigins } from "../autopilot/app/trustedOrigins.ts";
import { autopilotDb } from "../autopilot/store/database.ts";

export interface AutopilotServer {
  app: FastifyInstance;
  /** http://HOST:PORT where it listens. */
  url: string;
  /** The schedule of this store's workspaces (GRANTLINE_AUTOPILOT_SCHEDULE); undefined when off. */
  scheduler: AutopilotScheduler | undefined;
  close(): Promise<void>;
}

/**
 * Autopilot in a process of its own (`grantline autopilot serve --hub URL`): its console routes
 * (/autopilot/…) and its schedule on its own store (DATABASE_URL, or the data folder; it writes only its own tables),
 * reaching the hub only over HTTP: ad data through the Graph with the tokens it was given, the rest
 * through the hub's Autopilot host routes with `hubToken` (`hostOverHttp`).
 */
export async function startAutopilotServer(config: Config, options: { hubUrl: string; hubToken: string; port: number }): Promise<AutopilotServer> {
  const hubUrl = options.hubUrl.replace(/\/+$/, "");
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    pgSchema: config.databaseSchema,
    dataDir: config.dataDir,
    timeouts: { queryMs: config.timeouts.dbQueryMs, connectMs: config.timeouts.dbConnectMs },
  });
  const http = new OutboundHttp({ allowPrivate: config.outbound.allowPrivate, trustedOrigins: [new URL(hubUrl).origin, ...autopilotTrustedOrigins(config)] });
  const host = hostOverHttp(hubUrl, { token: options.hubToken, http });
  const autopilot = new Autopilot({
    db: autopilotDb(store.db),
    secretKey: () => config.secretKey ?? loadOrCreateSecretKey(config.dataDir),
    alerts: host.raiseAlert,
    simulator: host.forecast,
    market: host.market,
    http,
  });
  const app = Fastify({
    logger: { level: config.logLevel, redact: ["req.headers.authorization", "req.headers.cookie", "req.query.access_token"] },
    genReqId: () => newRequestId(),
    logController: new LogController({ disableRequestLogging: config.logLevel !== "debug" && config.logLevel !== "trace" }),
  });
  // The schedule runs here, on this store's workspaces, as `grantline serve` runs it beside the hub:
  // every instance may run it, each workspace's due job being claimed in the store.
  const scheduler = config.autopilotSchedule
    ? new AutopilotScheduler(autopilot, { ...config.autopilotSchedule, log: app.log, onError: (error) => app.log.error({ err: error }, "autopilot schedule run failed") })
    : undefined;
  const close = async () => {
    await scheduler?.stop();
    await app.close();
    http.close();
    await store.close();
  };
  try {
    // The hub's security headers, chosen the same way: its console routes answer here as they do there.
    const setSecurityHeaders = securityHeaders(app, { publicUrl: config.publicUrl });
    app.addHook("onRequest", (request, reply, done) => {
      setSecurityHeaders(request, reply);
      done();
    });
    app.setErrorHandler(graphErrorHandler);
    app.setNotFoundHandler(notFoundHandler);
    app.get("/healthz", async () => ({ status: "ok" }));
    // The connection flow keeps its browser binding in a cookie, as on the hub.
    await app.register(async (scope) => {
      await scope.register(cookie);
      registerAutopilotRoutes(scope, host, autopilot);
    });
    await app.listen({ host: config.host, port: options.port });
    scheduler?.start();
  } catch (error) {
    await close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  return { app, url, scheduler, close };
}
