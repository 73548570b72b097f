// `grantline autopilot register|oauth-client|workspace|connect`: setting Autopilot up as an app of
// the hub, its OAuth client, advertisers' workspaces and their connected ad accounts.
import { InvalidArgumentError, type Command } from "commander";
import { loadConfig } from "../../../config/env.ts";
import { cliIo, CliExit } from "../../../cliIo.ts";
import { registerAutopilotApp } from "../registration.ts";
import { print, type WithAutopilot } from "./commandHelpers.ts";

export function registerSetupCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
  autopilot
    .command("register")
    .description("Register Autopilot as an app of its own business on the hub (OAuth client; the secret is kept sealed in the store).")
    .option("--hub-url <url>", "where people and Autopilot reach the hub (default GRANTLINE_PUBLIC_URL, else http://HOST:PORT)")
    .option("--business-name <name>", "name of Autopilot's business", "Autopilot")
    .option("--app-name <name>", "name of the app", "Autopilot")
    .option("--json", "print one line of JSON")
    .action(async (opts: { hubUrl?: string; businessName: string; appName: string; json?: boolean }) => {
      const config = loadConfig(cliIo().env);
      const hubUrl = opts.hubUrl ?? config.publicUrl ?? `http://${config.host}:${config.port}`;
      await withAutopilot(async (ap, hub) => {
        const out = await registerAutopilotApp(hub, ap, { hubUrl, businessName: opts.businessName, appName: opts.appName });
        print(opts.json === true, out, `Autopilot is app ${out.client_id} of business ${out.business_id}; its callback is ${out.redirect_uri}. The client secret is sealed in the store (autopilot_oauth_clients).`);
      });
    });

  autopilot
    .command("oauth-client")
    .description("Show Autopilot's OAuth client, or set one registered elsewhere (another hub, or Meta's Facebook Login).")
    .option("--issuer <url>", "the authorization server (OpenID discovery is read from it)")
    .option("--login-dialog-url <url>", "instead of --issuer, for a server without discovery (Meta): the login dialog, e.g. https://www.facebook.com/v24.0/dialog/oauth")
    .option("--login-token-url <url>", "with --login-dialog-url: the code exchange, e.g. https://graph.facebook.com/v24.0/oauth/access_token")
    .option("--graph-url <url>", "base URL of the Graph the tokens are for (default: the issuer; required with the login URLs)")
    .option("--client-id <id>", "the app's client ID")
    .option("--client-secret <secret>", "the app's client secret (stored sealed)")
    .option("--redirect-uri <uri>", "Autopilot's callback exactly as registered (…/autopilot/oauth/callback)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { issuer?: string; loginDialogUrl?: string; loginTokenUrl?: string; graphUrl?: string; clientId?: string; clientSecret?: string; redirectUri?: string; json?: boolean }) => {
      const login = opts.loginDialogUrl !== undefined || opts.loginTokenUrl !== undefined;
      if (opts.issuer || login || opts.clientId || opts.clientSecret || opts.redirectUri) {
        if (!(opts.issuer || login) || !opts.clientId || !opts.clientSecret || !opts.redirectUri) {
          throw new InvalidArgumentError("--issuer (or --login-dialog-url and --login-token-url), --client-id, --client-secret and --redirect-uri go together");
        }
        if (login && !opts.graphUrl) throw new InvalidArgumentError("--graph-url is required with the login URLs");
      }
      await withAutopilot(async (ap) => {
        if (opts.clientId && opts.clientSecret && opts.redirectUri) {
          const graphUrl = opts.graphUrl ?? opts.issuer ?? "";
          await ap.connect.saveClient({ issuer: opts.issuer, authorizationEndpoint: opts.loginDialogUrl, tokenEndpoint: opts.loginTokenUrl, graphUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, redirectUri: opts.redirectUri });
        }
        const client = await ap.connect.client();
        if (!client) {
          print(opts.json === true, null, "Autopilot has no OAuth client yet: run `grantline autopilot register`.");
          throw new CliExit(1);
        }
        const server = client.authorization_endpoint ? `login ${client.authorization_endpoint}, token ${client.token_endpoint}` : client.issuer;
        print(opts.json === true, client, `Client ID ${client.client_id} at ${server} (Graph ${client.graph_url}), callback ${client.redirect_uri}, scopes ${client.scopes.join(" ")}; the secret is sealed in the store.`);
      });
    });

  autopilot
    .command("workspace")
    .description("Create an Autopilot workspace for an advertiser.")
    .requiredOption("--name <name>", "workspace name")
    .option("--business <id>", "the advertiser's Business ID (alerts go to its notification channels)")
    .option("--json", "print JSON")
    .action(async (opts: { name: string; business?: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.create(opts.name, opts.business);
        print(opts.json === true, view, `Workspace ${view.name} (${view.id}) created in semi-auto mode.`);
      });
    });

  autopilot
    .command("connect")
    .description("Connect an ad account with an existing token, e.g. a system user's token issued for Autopilot's app (checked against the Graph, stored sealed); people connect through OAuth in the console.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .requiredOption("--account <act_id>", "ad account, act_<id>")
    .requiredOption("--token <token>", "access token for the account (from the OAuth flow or an existing one)")
    .requiredOption("--graph-url <url>", "base URL of the Graph (the hub's, or Meta's)")
    .option("--pixel <id>", "pixel id")
    .option("--catalog <id>", "product catalog id")
    .option("--expires-at <iso>", "when the token expires, if known")
    .option("--scopes <list>", "the token's scopes, comma-separated, if known")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; account: string; token: string; graphUrl: string; pixel?: string; catalog?: string; expiresAt?: string; scopes?: string; json?: boolean }) => {
      const expires = opts.expiresAt ? Date.parse(opts.expiresAt) : undefined;
      if (opts.expiresAt && !Number.isFinite(expires)) throw new InvalidArgumentError("--expires-at must be a date");
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.connect(opts.workspace, {
          graphUrl: opts.graphUrl,
          accessToken: opts.token,
          adAccountId: opts.account,
          pixelId: opts.pixel,
          catalogId: opts.catalog,
          tokenExpiresAt: expires,
          scopes: opts.scopes ? opts.scopes.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
        });
        print(opts.json === true, view, `Connected ${view.ad_account_id} (connection ${view.id}).`);
      });
    });
}
