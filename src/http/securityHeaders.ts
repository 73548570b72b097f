import crypto from "node:crypto";
import helmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import { PAGE_STYLE } from "../oauth/pageStyle.ts";
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

function isOAuthPath(url: string): boolean {
  return url.startsWith("/oauth/") || url === "/oauth" || url.startsWith("/.well-known/");
}

export interface SecurityHeaderOptions {
  /** GRANTLINE_PUBLIC_URL: HSTS and upgrade-insecure-requests only when the hub is reached over https. */
  publicUrl: string | undefined;
}

/**
 * Security headers on every response, through @fastify/helmet: the CSP above, X-Frame-Options DENY,
 * X-Content-Type-Options nosniff, Referrer-Policy no-referrer (so an authorization code or reset
 * token in a page's URL never leaks to another site), and HSTS when the public URL is https.
 *
 * Registered before any route: the policy of each route is chosen when it is added, by its path.
 * The console gets per-response nonces: Mantine writes its theme as <style> elements, which carry
 * the nonce the page hands it (see console/src/main.tsx) instead of the CSP allowing inline styles.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): Promise<void> {
  const https = options.publicUrl?.startsWith("https:") ?? false;
  const policy = (directives: Directives) => ({ useDefaults: false, directives });
  const global: FastifyHelmetOptions = {
    contentSecurityPolicy: policy(baseDirectives(https)),
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  };
  app.addHook("onRoute", (route) => {
    const url = route.url ?? route.path;
    if (url.startsWith(CONSOLE_PREFIX)) {
      route.config = { ...route.config, helmet: { enableCSPNonces: true } } as typeof route.config;
    } else if (url === "/docs" || url.startsWith("/docs/")) {
      route.config = { ...route.config, helmet: { contentSecurityPolicy: policy(docsDirectives(https)) } } as typeof route.config;
    } else if (isOAuthPath(url)) {
      route.config = { ...route.config, helmet: { contentSecurityPolicy: policy(oauthDirectives(https)), crossOriginOpenerPolicy: false } } as typeof route.config;
    }
  });
  await app.register(helmet, global);
}
