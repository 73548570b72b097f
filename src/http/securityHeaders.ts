import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet, { contentSecurityPolicy, type HelmetOptions } from "helmet";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PAGE_STYLE } from "../web/pageStyle.ts";
import { PREVIEW_STYLE_HASH } from "../hub/ads/adPreview.service.ts";
import { GRAPH_ROUTE_PATTERNS } from "../graph/graphRoutes.ts";
import { CONSOLE_PREFIX } from "./console.ts";

type Directives = Record<string, string[]>;

const hashSource = (text: string) => `'sha256-${crypto.createHash("sha256").update(text).digest("base64")}'`;

/** The one inline style the server's own pages carry (sign-in, consent, errors), allowed by its hash. */
const PAGE_STYLE_SOURCE = hashSource(PAGE_STYLE);

/**
 * swagger-ui's logo in the docs' top bar is an SVG with this <style> inside (the only inline style
 * swagger-ui writes; its other styles are its own CSS file and CSSOM, which CSP does not restrict).
 */
const SWAGGER_LOGO_STYLE_SOURCE = hashSource(".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}");

/**
 * Every response's Content-Security-Policy: scripts only from the hub itself (no inline script, no
 * eval, no handlers in attributes), nothing may frame a page, no plugins, no <base> rewriting.
 * `data:` images and fonts are for swagger-ui's and Mantine's icons.
 */
function baseDirectives(https: boolean): Directives {
  return {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'", PAGE_STYLE_SOURCE],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    ...(https ? { "upgrade-insecure-requests": [] } : {}),
  };
}

/**
 * The OAuth pages and endpoints. No `form-action`: browsers apply it to the redirects that follow a
 * form post too, and the sign-in and consent forms end in a redirect to the app's own redirect_uri
 * (and `response_mode=form_post` posts to it; oidc-provider adds its script's hash to script-src).
 * No Cross-Origin-Opener-Policy: an app may open the authorization page in a popup and must keep
 * its window reference, as with Meta's login dialog.
 */
function oauthDirectives(https: boolean): Directives {
  const { "form-action": _formAction, ...rest } = baseDirectives(https);
  return rest;
}

function docsDirectives(https: boolean): Directives {
  const base = baseDirectives(https);
  return { ...base, "style-src": [...base["style-src"]!, SWAGGER_LOGO_STYLE_SOURCE] };
}

/**
 * Ad media (`/ads/media/…`): preview pages, which Meta's clients show in an iframe on their own
 * sites: they may be framed by anyone, and run nothing — no script, no form, no plugin; only the
 * page's one style (by hash) and images from the hub or the web.
 */
function previewDirectives(https: boolean): Directives {
  return {
    "default-src": ["'none'"],
    "style-src": [PREVIEW_STYLE_HASH],
    "img-src": ["'self'", "https:", "http:", "data:"],
    "script-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["*"],
    ...(https ? { "upgrade-insecure-requests": [] } : {}),
  };
}

/**
 * Graph answers are JSON, never a document a browser renders, so they carry the headers OWASP's REST
 * Security Cheat Sheet ("Security Headers") gives for API responses and no more: a policy that loads
 * nothing and lets nothing frame the answer, nosniff, X-Frame-Options DENY, no referrer, HSTS over
 * https, and `Cache-Control: no-store` (paging links carry the caller's token). The full page policy,
 * set on the raw response of every answer, cost about a quarter of the Graph surface's throughput
 * (`npm run bench:api`), for directives (scripts, styles, fonts, forms) that mean nothing to JSON.
 */
function apiDirectives(https: boolean): Directives {
  return {
    "default-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    ...(https ? { "upgrade-insecure-requests": [] } : {}),
  };
}

/** The options without X-Frame-Options (frame-ancestors in the CSP says who may frame). */
function framable(options: HelmetOptions): HelmetOptions {
  const { xFrameOptions: _deny, ...rest } = options as HelmetOptions & { xFrameOptions?: unknown };
  return { ...rest, xFrameOptions: false } as HelmetOptions;
}

const isPreviewPath = (url: string) => url.startsWith("/ads/media/");

function isOAuthPath(url: string): boolean {
  return url.startsWith("/oauth/") || url === "/oauth" || url.startsWith("/.well-known/");
}

export interface SecurityHeaderOptions {
  /** GRANTLINE_PUBLIC_URL: HSTS and upgrade-insecure-requests only when the hub is reached over https. */
  publicUrl: string | undefined;
}

type HeaderSet = [name: string, value: string][];
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * The headers helmet writes for a set of options, worked out once: helmet's middleware is run
 * against a response that only records them. Building helmet's middleware anew for each request
 * (as its Fastify wrapper does for routes with options of their own) cost a third of the Graph
 * surface's throughput; the headers are the same for every response of a policy, bar the console's nonces.
 */
function headersOf(middleware: Middleware): HeaderSet {
  const headers: HeaderSet = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

declare module "fastify" {
  interface FastifyReply {
    /** Per-response CSP nonces of the console's pages (see console.ts). */
    cspNonce: { script: string; style: string };
  }
}

/**
 * Security headers on every response, through helmet: the CSP above, X-Frame-Options DENY,
 * X-Content-Type-Options nosniff, Referrer-Policy no-referrer (so an authorization code or reset
 * token in a page's URL never leaks to another site), and HSTS when the public URL is https.
 *
 * Returns the step that sets them, which the server's one `onRequest` hook runs first on every
 * request (one hook rather than one per concern: each hook is a step of Fastify's chain on every
 * answer). The policy is chosen by the matched route's pattern, or the path when none matched.
 * The console gets per-response nonces: Mantine writes its theme as <style> elements, which carry
 * the nonce the page hands it (see console/src/main.tsx) instead of the CSP allowing inline styles.
 */
export function securityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): (request: FastifyRequest, reply: FastifyReply) => void {
  const https = options.publicUrl?.startsWith("https:") ?? false;
  const helmetOptions = (directives: Directives, extra: Pick<HelmetOptions, "crossOriginOpenerPolicy" | "crossOriginResourcePolicy"> = {}): HelmetOptions => ({
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    ...extra,
  });
  const policies = {
    base: headersOf(helmet(helmetOptions(baseDirectives(https)))),
    docs: headersOf(helmet(helmetOptions(docsDirectives(https)))),
    oauth: headersOf(helmet(helmetOptions(oauthDirectives(https), { crossOriginOpenerPolicy: false }))),
    // Framed by other sites, so no X-Frame-Options and a cross-origin resource policy that lets them embed it.
    preview: headersOf(helmet(framable(helmetOptions(previewDirectives(https), { crossOriginResourcePolicy: { policy: "cross-origin" } })))),
  };
  const apiOptions: HelmetOptions = {
    ...helmetOptions(apiDirectives(https), { crossOriginOpenerPolicy: false, crossOriginResourcePolicy: false }),
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  } as HelmetOptions;
  const api: HeaderSet = [...headersOf(helmet(apiOptions)), ["Cache-Control", "no-store"]];
  // The console's CSP carries this response's nonces; every other header is the base policy's.
  const consoleOthers = policies.base.filter(([name]) => name.toLowerCase() !== "content-security-policy");
  const consoleCsp = (nonce: { script: string; style: string }) => {
    const directives = baseDirectives(https);
    directives["script-src"] = [...directives["script-src"]!, `'nonce-${nonce.script}'`];
    directives["style-src"] = [...directives["style-src"]!, `'nonce-${nonce.style}'`];
    return headersOf(contentSecurityPolicy({ useDefaults: false, directives }));
  };

  app.decorateReply("cspNonce", null as unknown as FastifyReply["cspNonce"]);
  return (request, reply) => {
    const url = request.routeOptions.url ?? request.url;
    const raw = reply.raw;
    if (url.startsWith(CONSOLE_PREFIX)) {
      const nonce = { script: crypto.randomBytes(16).toString("hex"), style: crypto.randomBytes(16).toString("hex") };
      reply.cspNonce = nonce;
      for (const [name, value] of [...consoleOthers, ...consoleCsp(nonce)]) raw.setHeader(name, value);
    } else if (GRAPH_ROUTE_PATTERNS.has(url)) {
      // Through the reply, not the raw response: every Graph answer is sent by Fastify, which then
      // hands all its headers to writeHead at once, while any header set on the raw response first
      // makes Node take each of them one by one (most of the cost above).
      for (const [name, value] of api) void reply.header(name, value);
    } else {
      const set = url === "/docs" || url.startsWith("/docs/") ? policies.docs : isOAuthPath(url) ? policies.oauth : isPreviewPath(url) ? policies.preview : policies.base;
      for (const [name, value] of set) raw.setHeader(name, value);
    }
  };
}
