import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Config } from "../config/env.ts";
import { newRequestId } from "../ids.ts";
import type { Hub } from "../hub/hub.ts";
import type { PersonAuthService } from "../auth/personAuth.service.ts";
import { graphErrorHandler, notFoundHandler } from "../web/errorHandler.ts";
import { buildGraphRegistry } from "../graph/graphRegistry.ts";
import { registerGraphRoutes, stripGraphVersion } from "../graph/graphRoutes.ts";
import { buildOpenApi } from "../graph/openapi.ts";
import { RateLimiter } from "../graph/rateLimit/rateLimiter.ts";
import { registerConsole } from "./console.ts";
import { registerFavicon } from "./favicon.ts";
import { securityHeaders } from "./securityHeaders.ts";
import { registerAuthRoutes, registerSessionPlugins } from "../auth/authRoutes.ts";
import type { Mailer } from "../mail/mailer.ts";
import { registerReviewEvidenceRoute, registerReviewProgressRoute } from "../graph/nodes/reviewEdges.ts";
import { GraphReviewClientSource } from "../graph/client/graphReviewSource.ts";
import { answeredAsAuthorizationServer, registerOAuthRoutes } from "../oauth/oauthRoutes.ts";
import type { HostedAutopilot } from "../autopilot/app/host.ts";
import { registerAutopilotRoutes } from "../autopilot/app/routes.ts";
import { MAX_IMAGE_BYTES } from "../hub/ads/adImage.service.ts";
import { registerAdMediaRoutes } from "../graph/nodes/adMediaEdges.ts";
import { parseMultipart } from "./multipart.ts";
import { registerReadiness, type ReadinessOptions } from "./readiness.ts";
import { registerMetricsRoute, type HubMetrics } from "./metrics.ts";
import { registerRequestTelemetry } from "./requestTelemetry.ts";

export interface ServerOptions {
  logLevel?: Config["logLevel"];
  /** Rate limiter of the Graph routes; default: in this process, with Meta's standard-tier quotas. */
  rateLimiter?: RateLimiter;
  /** Folder of the built web console served at /console/; default dist/console. */
  consoleDir?: string;
  /** GRANTLINE_PUBLIC_URL; default: http://<listening address>. */
  publicUrl?: string;
  /** Sends password reset links; default: the hub's mailer. */
  mailer?: Mailer;
  /**
   * How old (ms) this instance's last look at the access-change sequence may be before a request
   * looks again. 0 (the default) looks on every request; `serve` uses the sync interval, so another
   * instance's change (a revocation) reaches every request starting that long after it committed.
   */
  accessFreshnessMs?: number;
  /** Autopilot and its host, whose console routes are served under /autopilot/ when given. */
  autopilot?: HostedAutopilot;
  /** GRANTLINE_TRUST_PROXY: which peers' X-Forwarded-For names the client; default none (the peer is the client). */
  trustProxy?: Config["trustProxy"];
  /** What `/readyz` reports beyond the store (Redis). */
  readiness?: ReadinessOptions;
  /** Records every request's count and latency; default none. */
  metrics?: HubMetrics;
  /** Serves `metrics` at `/metrics` on this server to callers presenting this bearer token (GRANTLINE_METRICS_TOKEN). */
  metricsToken?: string;
  /** Where the JSON log goes; default standard output. */
  logStream?: { write(line: string): void };
}

/**
 * The HTTP server of the hub. Every request gets an id (returned as `x-fb-trace-id` and in error
 * bodies as `fbtrace_id`, and written to the audit log), and the access engine is brought up to
 * date with the store before any route answers.
 */
export async function buildServer(hub: Hub<PersonAuthService>, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? "info",
      ...(options.logStream ? { stream: options.logStream } : {}),
      redact: ["req.headers.authorization", "req.headers.cookie", "req.query.access_token"],
      // Secrets travel in some query strings (Meta's OAuth shapes, reset links): they never reach the log.
      serializers: { req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }) },
    },
    genReqId: () => newRequestId(),
    // request.ip is the client behind a trusted proxy; X-Forwarded-For from anyone else is ignored.
    trustProxy: trustProxyOption(options.trustProxy ?? false),
    // Graph paths work with and without a version prefix: /v24.0/act_1/campaigns and /act_1/campaigns.
    rewriteUrl: (request) => stripGraphVersion(request.url ?? "/"),
    logController: new LogController({
      disableRequestLogging: options.logLevel !== "debug" && options.logLevel !== "trace",
    }),
  });
  const setSecurityHeaders = securityHeaders(app, { publicUrl: options.publicUrl });
  app.setErrorHandler(graphErrorHandler);
  registerRequestTelemetry(app, hub, { logLevel: options.logLevel ?? "info", metrics: options.metrics });
  app.setNotFoundHandler(notFoundHandler);
  const freshness = options.accessFreshnessMs ?? 0;
  // The one onRequest hook: security headers, the trace id, and the access engine brought up to date.
  // A callback hook, so that the usual case (the engine looked at the store recently) costs no promise.
  app.addHook("onRequest", (request, reply, done) => {
    setSecurityHeaders(request, reply);
    void reply.header("x-fb-trace-id", request.id);
    if (request.url === "/healthz" || request.url === "/readyz" || request.url.startsWith("/docs") || hub.engine.isFresh(freshness)) return done();
    hub.engine.ensureFresh(freshness).then(
      () => done(),
      (error: unknown) => {
        // The store is away: the OAuth server's own paths answer in OAuth's words, everything else as Graph does.
        if (!answeredAsAuthorizationServer(error, request, reply)) done(error as Error);
      },
    );
  });

  // Graph clients send GETs with a JSON content type and an empty or `{}` body; forms carry pseudo-JSON lists.
  await app.register(formbody);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body.trim() : "";
    if (text === "") return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = new Error("invalid JSON") as Error & { statusCode: number; code: string };
      error.statusCode = 400;
      error.code = "FST_ERR_CTP_INVALID_JSON_BODY";
      done(error, undefined);
    }
  });

  // Image uploads (`act_<id>/adimages`) come as multipart forms, as Meta's SDKs and curl -F send them.
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer", bodyLimit: MULTIPART_BODY_LIMIT }, (request, body, done) => {
    const parsed = parseMultipart(body as Buffer, String(request.headers["content-type"] ?? ""));
    if (parsed) return done(null, parsed);
    const error = new Error("invalid multipart body") as Error & { statusCode: number; code: string };
    error.statusCode = 400;
    error.code = "FST_ERR_CTP_INVALID_MULTIPART_BODY";
    done(error, undefined);
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  registerReadiness(app, hub, options.readiness);
  if (options.metrics && options.metricsToken !== undefined) registerMetricsRoute(app, options.metrics, options.metricsToken);

  const registry = buildGraphRegistry();
  // The API description is generated from the router's own registry and browsable at /docs.
  const openApi = buildOpenApi(registry);
  await app.register(swagger, { mode: "static", specification: { document: openApi as never } });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", async () => openApi);
  await registerConsole(app, options.consoleDir);
  registerFavicon(app);
  registerGraphRoutes(app, hub, registry, options.rateLimiter ?? new RateLimiter({ accessTier: "standard_access" }));
  registerReviewEvidenceRoute(app, hub);
  // Graph-sourced review campaigns read other Graph APIs through the hub's outbound guard.
  hub.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: hub.outbound }));
  registerAdMediaRoutes(app, hub);
  registerReviewProgressRoute(app, hub);

  // People's sign-in (and, on it, the OAuth authorization server). Cookies and CSRF tokens are
  // registered only around the routes that use them: Graph calls carry tokens, and every Graph
  // answer would otherwise pass through the cookie plugin's hooks.
  const publicUrl = () => options.publicUrl ?? listeningUrl(app);
  const autopilot = options.autopilot;
  await app.register(async (scope) => {
    await registerSessionPlugins(scope, publicUrl);
    const mailer = options.mailer ?? hub.mailer();
    registerAuthRoutes(scope, hub, { publicUrl, mailer });
    hub.invitations.deliverLinksVia({ publicUrl, mailer });
    await registerOAuthRoutes(scope, hub, { publicUrl });
    if (autopilot) registerAutopilotRoutes(scope, autopilot.host, autopilot.autopilot);
  });

  return app;
}

/**
 * One full-size image per upload call (or several that add up to as much), with room for the form's
 * other fields: a body is held in memory before anyone is authenticated, so the bound stays one image.
 */
const MULTIPART_BODY_LIMIT = MAX_IMAGE_BYTES + 1024 * 1024;

/** A hop count as a function of the hop (Fastify takes one at run time, but its types only a function). */
function trustProxyOption(trust: Config["trustProxy"]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address, hop) => hop < trust : trust;
}

/** http://host:port of the listening server, for links when no public URL is configured. */
export function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === "string") return "http://127.0.0.1";
  const host = address.address === "::" || address.address === "0.0.0.0" ? "127.0.0.1" : address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

const SECRET_PARAMS = /([?&](?:access_token|client_secret|code|code_verifier|fb_exchange_token|input_token|appsecret_proof|token|refresh_token|password|graph_token)=)[^&]*/gi;

/** The URL with every secret-bearing query parameter's value replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, "$1[redacted]");
}
