import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Config } from "../config/env.ts";
import { newRequestId } from "../ids.ts";
import type { Hub } from "../hub/hub.ts";
import { graphErrorHandler, notFoundHandler } from "./errorHandler.ts";

export interface ServerOptions {
  logLevel?: Config["logLevel"];
}

/**
 * The HTTP server of the hub. Every request gets an id (returned as `x-fb-trace-id` and in error
 * bodies as `fbtrace_id`, and written to the audit log), and the access engine is brought up to
 * date with the store before any route answers.
 */
export async function buildServer(hub: Hub, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? "info", redact: ["req.headers.authorization", "req.query.access_token"] },
    genReqId: () => newRequestId(),
    logController: new LogController({
      disableRequestLogging: options.logLevel !== "debug" && options.logLevel !== "trace",
    }),
  });
  app.setErrorHandler(graphErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-fb-trace-id", request.id);
    if (request.url !== "/healthz") await hub.engine.ensureCurrent();
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  return app;
}
