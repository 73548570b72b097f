/**
 * A stand-in for Meta's side of Facebook Login and the Graph, over real HTTP, behaving as Meta
 * documents it (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
 *
 * - `GET /vXX.X/dialog/oauth?client_id&redirect_uri&state&response_type=code&scope=a,b` — the person
 *   approves (or, when told to, cancels) and the browser is sent back to `redirect_uri` with `code`
 *   and `state` (or `error=access_denied&error_reason=user_denied&error_description=…`);
 * - `GET /vXX.X/oauth/access_token?client_id&redirect_uri&client_secret&code` →
 *   `{access_token, token_type, expires_in}`; a code is good once and only with the same redirect_uri;
 *   `grant_type=fb_exchange_token` gives the long-lived token
 *   (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived);
 * - `GET /vXX.X/debug_token?input_token` with the app token `{app-id}|{app-secret}` → `data` with
 *   `scopes` and `granular_scopes[].target_ids` (https://developers.facebook.com/docs/graph-api/reference/debug_token/);
 * - `DELETE /vXX.X/me/permissions` ends the grant;
 * - every other Graph call is answered by a Graph behind it (the hub) with the token swapped for one
 *   that reaches the granted ad accounts (unless the test refuses it); an unknown token gets code 190.
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forwardTo } from "./graphProxy.ts";

export interface FakeMetaOptions {
  appId: string;
  appSecret: string;
  /** The Graph that answers ad calls (the hub), and a token of it reaching the granted accounts. */
  upstream: { url: string; token: string };
  /** Ad account ids (without act_) the person grants Autopilot's scopes on; undefined: no target list. */
  grantedAccounts: string[] | undefined;
  /** The Facebook user id debug_token names. */
  userId?: string;
}

interface Issued {
  expiresAt: number;
  long: boolean;
}

const VERSION = /^\/v\d+\.\d+/;

export async function startFakeMeta(options: FakeMetaOptions) {
  const codes = new Map<string, { redirectUri: string; used: boolean }>();
  const tokens = new Map<string, Issued>();
  const dialogs: URLSearchParams[] = [];
  const exchanges: URLSearchParams[] = [];
  let cancelNext = false;
  let granted = options.grantedAccounts;
  let refusal: ((method: string, path: string, body: string) => boolean) | undefined;

  const graphError = (response: http.ServerResponse, status: number, error: Record<string, unknown>) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { type: "OAuthException", fbtrace_id: crypto.randomBytes(8).toString("hex"), ...error } }));
  };
  const json = (response: http.ServerResponse, body: unknown) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const issue = (long: boolean) => {
    const token = `EAA${long ? "L" : "S"}${crypto.randomBytes(16).toString("hex")}`;
    const seconds = long ? 60 * 86_400 : 2 * 3600;
    tokens.set(token, { expiresAt: Date.now() + seconds * 1000, long });
    return { access_token: token, token_type: "bearer", expires_in: seconds };
  };
  const appSecretOk = (params: URLSearchParams) => params.get("client_id") === options.appId && params.get("client_secret") === options.appSecret;

  function dialog(params: URLSearchParams, response: http.ServerResponse, redirectUri: string) {
    dialogs.push(params);
    const back = new URL(redirectUri);
    if (params.get("client_id") !== options.appId || params.get("response_type") !== "code" || !params.get("state")) {
      response.writeHead(400, { "content-type": "text/plain" });
      response.end("Invalid App ID, response type or state");
      return;
    }
    back.searchParams.set("state", params.get("state")!);
    if (cancelNext) {
      cancelNext = false;
      back.searchParams.set("error_reason", "user_denied");
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "Permissions error.");
    } else {
      const code = crypto.randomBytes(24).toString("base64url");
      codes.set(code, { redirectUri: params.get("redirect_uri")!, used: false });
      back.searchParams.set("code", code);
    }
    response.writeHead(302, { location: back.toString() });
    response.end();
  }

  function accessToken(params: URLSearchParams, response: http.ServerResponse) {
    exchanges.push(params);
    if (!appSecretOk(params)) return graphError(response, 400, { message: "Error validating client secret.", code: 1 });
    if (params.get("grant_type") === "fb_exchange_token") {
      const short = tokens.get(params.get("fb_exchange_token") ?? "");
      if (!short) return graphError(response, 400, { message: "Invalid OAuth access token - Cannot parse access token", code: 190 });
      return json(response, issue(true));
    }
    const code = codes.get(params.get("code") ?? "");
    if (!code) return graphError(response, 400, { message: "Invalid verification code format.", code: 100 });
    if (code.used) return graphError(response, 400, { message: "This authorization code has been used.", code: 100, error_subcode: 36009 });
    if (code.redirectUri !== params.get("redirect_uri")) {
      return graphError(response, 400, { message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request", code: 100, error_subcode: 36008 });
    }
    code.used = true;
    return json(response, issue(false));
  }

  function debugToken(params: URLSearchParams, bearer: string | undefined, response: http.ServerResponse) {
    if (bearer !== `${options.appId}|${options.appSecret}`) return graphError(response, 400, { message: "(#100) You must provide an app access token, or a user access token that is an owner or developer of the app", code: 100 });
    const issued = tokens.get(params.get("input_token") ?? "");
    if (!issued) return json(response, { data: { is_valid: false, error: { code: 190, message: "Invalid OAuth access token." } } });
    const scopes = ["ads_read", "ads_management", "public_profile"];
    const targets = granted;
    return json(response, {
      data: {
        app_id: options.appId,
        type: "USER",
        application: "Autopilot",
        data_access_expires_at: Math.floor(issued.expiresAt / 1000) + 30 * 86_400,
        expires_at: Math.floor(issued.expiresAt / 1000),
        is_valid: true,
        scopes,
        granular_scopes: ["ads_management", "ads_read"].map((scope) => (targets ? { scope, target_ids: targets } : { scope })),
        user_id: options.userId ?? "10000000000001",
      },
    });
  }

  // Ad calls go on to the Graph behind, with its token, unless the test refuses them.
  const forward = forwardTo(options.upstream.url, {
    before: ({ method, url, body }) =>
      refusal?.(method, new URL(url, "http://meta").pathname.replace(VERSION, ""), body.toString("utf8"))
        ? { status: 400, contentType: "application/json", body: JSON.stringify({ error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 1487390, error_user_msg: "The ad could not be created." } }) }
        : undefined,
  });

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://meta");
    const path = url.pathname.replace(VERSION, "");
    const bearer = /^(?:Bearer|OAuth) (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? url.searchParams.get("access_token") ?? undefined;
    if (request.method === "GET" && path === "/dialog/oauth") return dialog(url.searchParams, response, url.searchParams.get("redirect_uri") ?? "http://invalid/");
    if (request.method === "GET" && path === "/oauth/access_token") return accessToken(url.searchParams, response);
    if (request.method === "GET" && path === "/debug_token") return debugToken(url.searchParams, bearer, response);
    const issued = tokens.get(bearer ?? "");
    if (!issued || issued.expiresAt <= Date.now()) return graphError(response, 400, { message: "Invalid OAuth access token - Cannot parse access token", code: 190 });
    if (request.method === "DELETE" && path === "/me/permissions") {
      tokens.delete(bearer!);
      return json(response, { success: true });
    }
    request.headers.authorization = `Bearer ${options.upstream.token}`;
    forward(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dialogUrl: `${url}/v24.0/dialog/oauth`,
    tokenUrl: `${url}/v24.0/oauth/access_token`,
    graphUrl: `${url}/v24.0`,
    /** Every dialog request and code or token exchange, as sent. */
    dialogs,
    exchanges,
    /** Whether a token Meta issued still works (DELETE /me/permissions ends it). */
    live: (token: string) => tokens.has(token),
    /** What the person grants from now on (as `grantedAccounts`). */
    grant: (accounts: string[] | undefined) => {
      granted = accounts;
    },
    /** Graph calls (method, path without version, body) it answers with code 100 instead of forwarding. */
    refuse: (which: ((method: string, path: string, body: string) => boolean) | undefined) => {
      refusal = which;
    },
    /** The next dialog is cancelled by the person. */
    cancelNext: () => {
      cancelNext = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
