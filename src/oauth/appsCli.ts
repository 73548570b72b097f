import type { Command } from "commander";
import type { Config } from "../config/env.ts";
import { operatorContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { sweepExpiredOidcPayloads } from "./oidcPayloadSweep.ts";
import { cliIo } from "../cliIo.ts";

type WithHub = <T>(work: (hub: Hub, config: Config) => Promise<T>) => Promise<T>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `grantline apps create|verify|reject` and `grantline oauth sweep`. */
export function registerAppCommands(program: Command, withHub: WithHub): void {
  const apps = program.command("apps").description("OAuth apps (partner tools) and their review.");
  apps
    .command("create")
    .description("Register an app for a developer business; prints the client secret once.")
    .requiredOption("--business <id>", "the developer business")
    .requiredOption("--name <name>", "app name shown on the consent page")
    .requiredOption("--redirect-uri <uri>", "exact redirect URI (repeat for several)", collect)
    .option("--scope <scope>", "scope the app asks for (repeat; default all)", collect)
    .option("--require-appsecret-proof", "Graph calls with this app's tokens must carry appsecret_proof")
    .option("--json", "print one line of JSON")
    .action(async (opts: { business: string; name: string; redirectUri: string[]; scope?: string[]; requireAppsecretProof?: boolean; json?: boolean }) => {
      await withHub(async (hub) => {
        const { app, clientSecret } = await hub.appRegistry.register(operatorContext(), {
          businessId: opts.business,
          name: opts.name,
          redirectUris: opts.redirectUri,
          scopes: opts.scope,
          requireAppsecretProof: opts.requireAppsecretProof === true,
        });
        cliIo().stdout.write(
          opts.json
            ? `${JSON.stringify({ client_id: app.id, client_secret: clientSecret })}\n`
            : `App ${app.name} registered.\nClient ID: ${app.id}\nClient secret (shown once): ${clientSecret}\n`,
        );
      });
    });
  for (const [command, status, words] of [
    ["verify", "verified", "verified partner"],
    ["reject", "rejected", "rejected"],
  ] as const) {
    apps
      .command(`${command} <id>`)
      .description(`Mark an app as ${words} (the platform operator's review).`)
      .option("--json", "print one line of JSON")
      .action(async (id: string, opts: { json?: boolean }) => {
        await withHub(async (hub) => {
          const app = await hub.appRegistry.setReviewStatus(operatorContext(), id, status);
          cliIo().stdout.write(opts.json ? `${JSON.stringify({ id: app.id, review_status: app.reviewStatus })}\n` : `App ${app.name} (${app.id}) is now ${words}.\n`);
        });
      });
  }
  program
    .command("oauth")
    .description("The authorization server's storage.")
    .command("sweep")
    .description("Delete expired authorization codes, refresh tokens, sessions and interactions (serve does this every 10 minutes).")
    .option("--json", "print one line of JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHub(async (hub) => {
        const { deleted } = await sweepExpiredOidcPayloads(hub);
        cliIo().stdout.write(opts.json ? `${JSON.stringify({ deleted })}\n` : `Deleted ${deleted} expired OAuth rows.\n`);
      });
    });
}
