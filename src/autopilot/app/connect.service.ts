import crypto from "node:crypto";
import * as oauth from "openid-client";
import { errors, GrantlineError } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../graphIds.ts";
import { guardedFetch } from "../../net/outbound.ts";
import {
  claimOAuthFlow,
  deleteOAuthFlowsBefore,
  findOAuthClient,
  findOAuthFlow,
  insertOAuthClient,
  insertOAuthFlow,
  latestOAuthClient,
  type OAuthClientRow,
} from "../store/connect.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphClient } from "./graphClient.ts";
import type { ConnectionView, WorkspaceService, WorkspaceView } from "./workspace.service.ts";

/** Autopilot asks for reading and managing ads, nothing more. */
export const AUTOPILOT_SCOPES = ["ads_read", "ads_management"] as const;
/** Autopilot's OAuth callback on the server that runs it. */
export const CALLBACK_PATH = "/autopilot/oauth/callback";
/** How long a person has between pressing Connect and coming back from the consent page. */
export const FLOW_TTL_MS = 15 * 60_000;

export interface OAuthClientView {
  id: string;
  /** The authorization server: the issuer discovery is read from, or the login dialog's origin. */
  issuer: string;
  /** Set when the login endpoints are named rather than discovered (Facebook Login). */
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  graph_url: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
}

export interface StartedFlow {
  authorizationUrl: string;
  /** Goes into the browser's flow cookie; the callback must bring it back. */
  browserBinding: string;
  /** Autopilot's callback as registered: the flow cookie is scoped to it (and Secure when it is https). */
  callbackUrl: string;
  expiresAt: number;
}

export interface FinishedFlow {
  workspace: WorkspaceView;
  /** Who pressed Connect (`person:<id>`…). */
  initiatedBy: string;
  connected: ConnectionView[];
  pixels: string[];
  catalogs: string[];
  returnTo: string | null;
}

/** A flow that failed after its start was found: the browser still goes back where it came from. */
export class ConnectFlowError extends Error {
  constructor(
    message: string,
    readonly returnTo: string | null,
  ) {
    super(message);
    this.name = "ConnectFlowError";
  }
}

const sha256 = (value: string) => crypto.createHash("sha256").update(value).digest("hex");
const secretContext = (id: string) => `autopilot_client_secret:${id}`;
const verifierContext = (stateHash: string) => `autopilot_pkce:${stateHash}`;

function present(row: OAuthClientRow): OAuthClientView {
  return {
    id: row.id,
    issuer: row.issuer,
    authorization_endpoint: row.authorization_endpoint,
    token_endpoint: row.token_endpoint,
    graph_url: row.graph_url,
    client_id: row.client_id,
    redirect_uri: row.redirect_uri,
    scopes: JSON.parse(row.scopes_json) as string[],
  };
}

function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidParameter(`${what} must be an http(s) URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw errors.invalidParameter(`${what} must be an http(s) URL.`);
  return value.replace(/\/+$/, "");
}

/** What a code exchange gives Autopilot. */
type Tokens = { access_token: string; expires_in?: number };

const CANCELLED = "You cancelled the connection; nothing was connected.";

/**
 * Facebook Login's dialog as "Manually Build a Login Flow" invokes it
 * (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#logindialog):
 * client_id, redirect_uri, state, response_type=code, and the permissions comma-separated in scope.
 * No PKCE: Meta documents it only for its OIDC variant, marked as still in testing
 * (https://developers.facebook.com/docs/facebook-login/guides/advanced/oidc-token); the state, kept
 * hashed and bound to the browser that started, ties the answer to this attempt.
 */
function loginDialogUrl(row: OAuthClientRow, state: string): URL {
  const url = new URL(row.authorization_endpoint!);
  url.searchParams.set("client_id", row.client_id);
  url.searchParams.set("redirect_uri", row.redirect_uri);
  url.searchParams.set("state", state);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", (JSON.parse(row.scopes_json) as string[]).join(","));
  return url;
}

/** A path on this server (no scheme, no host, no `//`), so the callback cannot send anyone elsewhere. */
export function checkReturnTo(value: string | undefined | null): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\") || /[\r\n]/.test(value)) {
    throw errors.invalidParameter("return_to must be a path on this server, such as /console/.");
  }
  return value;
}

export interface ClientInput {
  /** An issuer with OpenID discovery; or, without one, both login endpoints below. */
  issuer?: string;
  /** The login dialog, e.g. https://www.facebook.com/v24.0/dialog/oauth. */
  authorizationEndpoint?: string;
  /** The code exchange, e.g. https://graph.facebook.com/v24.0/oauth/access_token. */
  tokenEndpoint?: string;
  graphUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes?: string[];
}

/** The named login endpoints, both or neither; undefined means discovery from the issuer. */
function loginEndpoints(input: ClientInput): { authorization: string; token: string } | undefined {
  if (input.authorizationEndpoint === undefined && input.tokenEndpoint === undefined) return undefined;
  if (!input.authorizationEndpoint || !input.tokenEndpoint) throw errors.invalidParameter("The login dialog URL and the token URL go together.");
  if (input.issuer) throw errors.invalidParameter("Give an issuer (discovery) or the login dialog and token URLs, not both.");
  const authorization = httpUrl(input.authorizationEndpoint, "login dialog URL");
  const token = httpUrl(input.tokenEndpoint, "login token URL");
  if (new URL(token).search !== "") throw errors.invalidParameter("login token URL must have no query string.");
  return { authorization, token };
}

interface DebugToken {
  data?: {
    app_id?: string;
    user_id?: string;
    is_valid?: boolean;
    expires_at?: number;
    scopes?: string[];
    granular_scopes?: { scope: string; target_ids?: string[] }[];
  };
}

/**
 * "Connect" as a partner app does it: the authorization code flow with PKCE (openid-client), the
 * person choosing ad accounts (and a pixel or catalog) on the authorization server's consent page,
 * then one connection per ad account the person granted — read back from `debug_token`, never
 * assumed — each with the token sealed at rest.
 */
export class ConnectService {
  private readonly configurations = new Map<string, Promise<oauth.Configuration>>();

  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  /**
   * Records Autopilot's registration with an authorization server; the secret is sealed. The server
   * is an issuer with OpenID discovery, or, for Facebook Login (which has none), its login dialog
   * and token URLs.
   */
  async saveClient(input: ClientInput): Promise<OAuthClientView> {
    const endpoints = loginEndpoints(input);
    const issuer = endpoints ? new URL(endpoints.authorization).origin : httpUrl(input.issuer ?? "", "issuer");
    const graphUrl = httpUrl(input.graphUrl, "graph URL");
    httpUrl(input.redirectUri, "redirect URI");
    if (!input.clientId.trim()) throw errors.invalidParameter("client_id is required.");
    if (!input.clientSecret) throw errors.invalidParameter("client_secret is required.");
    const id = newId();
    await insertOAuthClient(this.deps.db, {
      id,
      issuer,
      graph_url: graphUrl,
      client_id: input.clientId.trim(),
      sealed_secret: this.deps.secretBox().seal(input.clientSecret, secretContext(id)),
      redirect_uri: input.redirectUri,
      scopes_json: JSON.stringify(input.scopes && input.scopes.length > 0 ? input.scopes : [...AUTOPILOT_SCOPES]),
      created_at: this.deps.now(),
      authorization_endpoint: endpoints?.authorization ?? null,
      token_endpoint: endpoints?.token ?? null,
    });
    return present((await findOAuthClient(this.deps.db, id))!);
  }

  /**
   * The configured registration (GRANTLINE_AUTOPILOT_*), saved unless the one in use is the same
   * client with the same secret: `serve` calls it at every start.
   */
  async ensureClient(input: ClientInput): Promise<{ client: OAuthClientView; created: boolean }> {
    const row = await latestOAuthClient(this.deps.db);
    const endpoints = loginEndpoints(input);
    const same =
      row !== undefined &&
      row.client_id === input.clientId.trim() &&
      row.graph_url === httpUrl(input.graphUrl, "graph URL") &&
      row.redirect_uri === input.redirectUri &&
      row.authorization_endpoint === (endpoints?.authorization ?? null) &&
      row.token_endpoint === (endpoints?.token ?? null) &&
      (endpoints !== undefined || row.issuer === httpUrl(input.issuer ?? "", "issuer")) &&
      (input.scopes === undefined || row.scopes_json === JSON.stringify(input.scopes)) &&
      this.secretOf(row) === input.clientSecret;
    if (same) return { client: present(row), created: false };
    return { client: await this.saveClient(input), created: true };
  }

  /** The registration in use, if Autopilot was registered. */
  async client(): Promise<OAuthClientView | undefined> {
    const row = await latestOAuthClient(this.deps.db);
    return row ? present(row) : undefined;
  }

  private async requireClient(id?: string): Promise<OAuthClientRow> {
    const row = id ? await findOAuthClient(this.deps.db, id) : await latestOAuthClient(this.deps.db);
    if (!row) throw errors.invalidParameter("Autopilot is not registered as an app yet: run `grantline autopilot register` (the demo does it), then connect again.");
    return row;
  }

  private secretOf(row: OAuthClientRow): string {
    return this.deps.secretBox().open(row.sealed_secret, secretContext(row.id));
  }

  /** The authorization server's metadata (discovery), read once per registration. */
  private configuration(row: OAuthClientRow): Promise<oauth.Configuration> {
    let found = this.configurations.get(row.id);
    if (!found) {
      const secret = this.secretOf(row);
      const insecure = row.issuer.startsWith("http:");
      // Discovery and every later request of the configuration (the token endpoint) go through the outbound guard.
      const options: oauth.DiscoveryRequestOptions = { [oauth.customFetch]: guardedFetch(this.deps.http, this.deps.graphTimeoutMs ?? 30_000) };
      if (insecure) options.execute = [oauth.allowInsecureRequests];
      found = oauth.discovery(new URL(row.issuer), row.client_id, secret, oauth.ClientSecretBasic(secret), options);
      found.catch(() => this.configurations.delete(row.id));
      this.configurations.set(row.id, found);
    }
    return found;
  }

  /**
   * Starts connecting: a fresh state and PKCE verifier (kept, the verifier sealed), and the URL of the
   * authorization server's consent page to send the person to.
   */
  async start(workspaceIdOrName: string, input: { initiatedBy: string; returnTo?: string | null }): Promise<StartedFlow> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const returnTo = checkReturnTo(input.returnTo);
    const row = await this.requireClient();
    let config: oauth.Configuration | undefined;
    try {
      config = row.authorization_endpoint ? undefined : await this.configuration(row);
    } catch {
      throw errors.invalidParameter(`The authorization server at ${row.issuer} could not be reached; try again later.`);
    }
    const now = this.deps.now();
    await deleteOAuthFlowsBefore(this.deps.db, now);
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const browserBinding = crypto.randomBytes(32).toString("base64url");
    const stateHash = sha256(state);
    const expiresAt = now + FLOW_TTL_MS;
    await insertOAuthFlow(this.deps.db, {
      state_hash: stateHash,
      workspace_id: workspace.id,
      client_row_id: row.id,
      sealed_verifier: this.deps.secretBox().seal(verifier, verifierContext(stateHash)),
      browser_hash: sha256(browserBinding),
      initiated_by: input.initiatedBy,
      return_to: returnTo,
      created_at: now,
      expires_at: expiresAt,
      finished_at: null,
    });
    const url = config
      ? oauth.buildAuthorizationUrl(config, {
          redirect_uri: row.redirect_uri,
          scope: (JSON.parse(row.scopes_json) as string[]).join(" "),
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state,
        })
      : loginDialogUrl(row, state);
    return { authorizationUrl: url.toString(), browserBinding, callbackUrl: row.redirect_uri, expiresAt };
  }

  /**
   * The callback: the state must be one this server issued, unused, unexpired and started in this
   * browser; the code is exchanged with the PKCE verifier; the token is made long-lived where the
   * server offers it; and the ad accounts the person granted are connected.
   */
  async finish(query: URLSearchParams, browserBinding: string | undefined): Promise<FinishedFlow> {
    const state = query.get("state");
    if (!state) throw errors.invalidParameter("The authorization server's answer has no state; start connecting again from Autopilot.");
    const stateHash = sha256(state);
    const flow = await findOAuthFlow(this.deps.db, stateHash);
    const now = this.deps.now();
    if (!flow) throw errors.invalidParameter("This connection attempt is unknown to Autopilot (the state does not match); start connecting again.");
    const fail = (message: string) => new ConnectFlowError(message, flow.return_to);
    if (flow.finished_at !== null) throw fail("This connection attempt was already used; start connecting again.");
    if (flow.expires_at <= now) throw fail("This connection attempt expired; start connecting again.");
    if (!browserBinding || sha256(browserBinding) !== flow.browser_hash) throw fail("This connection was started in another browser; start connecting again from here.");
    if (!(await claimOAuthFlow(this.deps.db, stateHash, now))) throw fail("This connection attempt was already used; start connecting again.");

    const row = await this.requireClient(flow.client_row_id);
    const secret = this.secretOf(row);
    const tokens = row.token_endpoint
      ? await this.exchangeAtTokenUrl(row, secret, query, fail)
      : await this.exchangeWithDiscovery(row, query, { state, verifier: this.deps.secretBox().open(flow.sealed_verifier, verifierContext(stateHash)) }, fail);

    const longLived = await this.longLived(row, secret, tokens.access_token);
    const accessToken = longLived?.access_token ?? tokens.access_token;
    // From here a refusal also gives the access back: Autopilot keeps no token it will not use.
    const refuse = async (message: string) => {
      await this.giveBack(row.graph_url, accessToken);
      return fail(message);
    };
    const appClient = new GraphClient({ baseUrl: row.graph_url, accessToken: `${row.client_id}|${secret}`, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep });
    const debug = await appClient.get<DebugToken>("debug_token", { input_token: accessToken }).catch(() => undefined);
    const data = debug?.data;
    if (!data?.is_valid || data.app_id !== row.client_id) throw await refuse("The authorization server gave a token Autopilot cannot use; start connecting again.");
    const [initiatorType, initiatorId] = flow.initiated_by.split(":");
    // Only where people sign in at the hub itself are its person ids the authorization server's user
    // ids; at Meta (named login endpoints) they are not, and the state bound to this browser is what
    // ties the answer to the person who pressed Connect.
    if (initiatorType === "person" && !row.authorization_endpoint && data.user_id !== initiatorId) throw await refuse("Someone other than the person who pressed Connect approved this connection; nothing was connected.");

    const assets = await this.grantedTargets(row.graph_url, accessToken, data)
      .then((ids) => this.classify(row.graph_url, accessToken, ids))
      .catch(() => undefined);
    if (!assets) throw await refuse(`The Graph at ${row.graph_url} could not be reached to read what was granted; start connecting again.`);
    if (assets.adAccounts.length === 0) throw await refuse("No ad account was chosen on the consent page; connect again and tick at least one ad account.");
    const expiresIn = longLived?.expires_in ?? tokens.expires_in;
    const tokenExpiresAt = data.expires_at ? data.expires_at * 1000 : data.expires_at === 0 ? null : expiresIn ? now + expiresIn * 1000 : null;
    const connected: ConnectionView[] = [];
    for (const adAccountId of assets.adAccounts) {
      const input = { graphUrl: row.graph_url, accessToken, adAccountId, pixelId: assets.pixels[0], catalogId: assets.catalogs[0], tokenExpiresAt, scopes: data.scopes ?? [] };
      connected.push(
        await this.workspaces.connect(flow.workspace_id, input).catch((error: unknown) => {
          throw error instanceof GrantlineError ? fail(error.options.userMsg ?? error.message) : error;
        }),
      );
    }
    return { workspace: await this.workspaces.view(flow.workspace_id), initiatedBy: flow.initiated_by, connected, pixels: assets.pixels, catalogs: assets.catalogs, returnTo: flow.return_to };
  }

  /** The code exchange with the PKCE verifier at the discovered token endpoint (openid-client). */
  private async exchangeWithDiscovery(row: OAuthClientRow, query: URLSearchParams, flow: { state: string; verifier: string }, fail: (message: string) => ConnectFlowError): Promise<Tokens> {
    const config = await this.configuration(row).catch(() => {
      throw fail(`The authorization server at ${row.issuer} could not be reached; try again later.`);
    });
    const callback = new URL(row.redirect_uri);
    callback.search = query.toString();
    try {
      return await oauth.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        throw fail(error.error === "access_denied" ? CANCELLED : `The authorization server refused: ${error.error_description ?? error.error}.`);
      }
      if (error instanceof oauth.ResponseBodyError) throw fail(`The code could not be exchanged for a token: ${error.error_description ?? error.error}.`);
      throw fail("The code could not be exchanged for a token; start connecting again.");
    }
  }

  /**
   * The code exchange of Facebook Login's manual flow
   * (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#exchangecode):
   * `GET {token URL}?client_id&redirect_uri&client_secret&code`, answered with
   * `{access_token, token_type, expires_in}` or a Graph error envelope; through the outbound guard,
   * never retried (a code is good once). A person who cancels comes back with
   * `error=access_denied&error_reason=user_denied` and no code (same page, #canceled).
   */
  private async exchangeAtTokenUrl(row: OAuthClientRow, secret: string, query: URLSearchParams, fail: (message: string) => ConnectFlowError): Promise<Tokens> {
    const error = query.get("error");
    if (error) throw fail(error === "access_denied" ? CANCELLED : `The authorization server refused: ${query.get("error_description") ?? error}.`);
    const code = query.get("code");
    if (!code) throw fail("The authorization server's answer has no code; start connecting again.");
    const url = new URL(row.token_endpoint!);
    const client = new GraphClient({ baseUrl: url.origin, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep, readRetries: 0 });
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = await client.get(url.pathname, { client_id: row.client_id, redirect_uri: row.redirect_uri, client_secret: secret, code });
    } catch (error) {
      if (error instanceof GraphApiError) throw fail(`The code could not be exchanged for a token: ${error.message.replace(/\.$/, "")}.`);
      throw fail(`The token URL ${row.token_endpoint} could not be reached; start connecting again.`);
    }
    if (typeof answer.access_token !== "string" || answer.access_token === "") throw fail("The code could not be exchanged for a token; start connecting again.");
    return { access_token: answer.access_token, ...(typeof answer.expires_in === "number" ? { expires_in: answer.expires_in } : {}) };
  }

  /**
   * The ids the person granted Autopilot's scopes on (`granular_scopes[].target_ids` of debug_token,
   * https://developers.facebook.com/docs/graph-api/reference/debug_token/). A scope granted with no
   * target list reaches every ad account of the person: those are read from `me/adaccounts`
   * (https://developers.facebook.com/docs/graph-api/reference/user/adaccounts/).
   */
  private async grantedTargets(graphUrl: string, token: string, data: NonNullable<DebugToken["data"]>): Promise<string[]> {
    const ours = (data.granular_scopes ?? []).filter((g) => (AUTOPILOT_SCOPES as readonly string[]).includes(g.scope));
    const granted = new Set(ours.flatMap((g) => g.target_ids ?? []));
    const unlisted = ours.length > 0 ? ours.every((g) => g.target_ids === undefined) : (data.scopes ?? []).some((scope) => (AUTOPILOT_SCOPES as readonly string[]).includes(scope));
    if (granted.size > 0 || !unlisted) return [...granted];
    const client = new GraphClient({ baseUrl: graphUrl, accessToken: token, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep });
    return (await client.getAll<{ id: string }>("me/adaccounts", { fields: "id", limit: 100 })).map((a) => a.id);
  }

  /**
   * Meta's "remove the app" (`DELETE /me/permissions`) with the token itself: the grant behind it and
   * every token of it end. Best effort — a server that does not answer leaves a token nobody holds.
   */
  private async giveBack(graphUrl: string, token: string): Promise<void> {
    await this.deps.http
      .fetch(`${graphUrl}/me/permissions`, { method: "DELETE", headers: { authorization: `Bearer ${token}` }, timeoutMs: this.deps.graphTimeoutMs ?? 30_000, maxBytes: 64 * 1024, overflow: "truncate" })
      .catch(() => undefined);
  }

  /** Meta's long-lived token exchange; servers without it leave the short-lived token in place. */
  private async longLived(row: OAuthClientRow, secret: string, token: string): Promise<{ access_token: string; expires_in?: number } | undefined> {
    const client = new GraphClient({ baseUrl: row.graph_url, accessToken: token, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep, readRetries: 0 });
    try {
      const answer = await client.get<{ access_token?: string; expires_in?: number }>("oauth/access_token", { grant_type: "fb_exchange_token", client_id: row.client_id, client_secret: secret, fb_exchange_token: token });
      return answer.access_token ? { access_token: answer.access_token, ...(answer.expires_in ? { expires_in: answer.expires_in } : {}) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sorts the granted ids into ad accounts, pixels and catalogs by reading each with the new token. */
  private async classify(graphUrl: string, token: string, ids: string[]): Promise<{ adAccounts: string[]; pixels: string[]; catalogs: string[] }> {
    const client = new GraphClient({ baseUrl: graphUrl, accessToken: token, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep });
    const out = { adAccounts: [] as string[], pixels: [] as string[], catalogs: [] as string[] };
    for (const id of ids) {
      const bare = assetIdFromGraph(id);
      const account = await client.get<{ account_id?: string }>(adAccountGraphId(bare), { fields: "id,account_id" }).catch((error: unknown) => {
        if (error instanceof GraphApiError) return undefined;
        throw error;
      });
      if (account?.account_id) {
        out.adAccounts.push(adAccountGraphId(bare));
        continue;
      }
      // Each type's own field: the Graph refuses a field the node's type does not have.
      const pixel = await client.get<{ is_unavailable?: boolean }>(bare, { fields: "id,is_unavailable" }).catch(() => undefined);
      if (pixel?.is_unavailable !== undefined) {
        out.pixels.push(bare);
        continue;
      }
      const catalog = await client.get<{ vertical?: string }>(bare, { fields: "id,vertical" }).catch(() => undefined);
      if (catalog?.vertical !== undefined) out.catalogs.push(bare);
    }
    return out;
  }
}
