import { Command, InvalidArgumentError } from "commander";
import { cliIo } from "../cliIo.ts";
import { loadConfig } from "../config/env.ts";
import { errors } from "../errors.ts";
import { operatorContext } from "../hub/context.ts";
import { startAutopilotServer } from "../app/autopilotServer.ts";
import type { WithAutopilot } from "../autopilot/app/cli.ts";
import { nextStopSignal } from "../app/lifecycle.ts";

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port from 0 to 65535");
  return n;
};

/**
 * `grantline autopilot serve --hub URL`: Autopilot's console routes in a process of their own, and
 * `grantline autopilot host-token`, run on the hub's store, which issues the token that process
 * presents to the hub.
 */
export function registerAutopilotServeCommands(program: Command, withAutopilot: WithAutopilot): void {
  const autopilot = program.commands.find((c) => c.name() === "autopilot") ?? program.command("autopilot");

  autopilot
    .command("serve")
    .description(
      "Serve Autopilot's console routes (/autopilot/…) and run its schedule (GRANTLINE_AUTOPILOT_SCHEDULE) in a process of their own, on this store (DATABASE_URL or GRANTLINE_DATA_DIR), reaching the hub at --hub only over HTTP with GRANTLINE_AUTOPILOT_HUB_TOKEN.",
    )
    .requiredOption("--hub <url>", "the hub's URL (its Graph and its Autopilot host routes)")
    .option("--port <n>", "port to listen on (default PORT; 0 picks a free one)", port)
    .action(async (opts: { hub: string; port?: number }) => {
      const config = loadConfig(cliIo().env);
      if (!URL.canParse(opts.hub) || !/^https?:$/.test(new URL(opts.hub).protocol)) throw errors.invalidParameter(`--hub must be the hub's http(s) URL, not ${opts.hub}.`);
      if (!config.autopilotHubToken) {
        throw errors.invalidParameter("GRANTLINE_AUTOPILOT_HUB_TOKEN is not set: run `grantline autopilot host-token` on the hub and set it to the token.");
      }
      const stopSignal = nextStopSignal();
      const server = await startAutopilotServer(config, { hubUrl: opts.hub, hubToken: config.autopilotHubToken, port: opts.port ?? config.port });
      const schedule = server.scheduler?.settings;
      server.app.log.info(
        {
          url: server.url,
          hub: opts.hub.replace(/\/+$/, ""),
          autopilot_schedule: schedule ? { daily_hour: schedule.dailyHour, time_zone: schedule.timeZone, monitor_minutes: schedule.monitorIntervalMs / 60_000 } : "off",
        },
        "Autopilot started",
      );
      const signal = await stopSignal;
      server.app.log.info({ signal }, "Stopping");
      await server.close();
      cliIo().endProcess?.(0);
    });

  autopilot
    .command("host-token")
    .description("Issue the token an Autopilot serving apart from the hub presents to it (GRANTLINE_AUTOPILOT_HUB_TOKEN): of the hub's own Autopilot app, held by its business's admin system user.")
    .option("--json", "print one line of JSON")
    .action(async (opts: { json?: boolean }) => {
      await withAutopilot(async (ap, hub) => {
        const client = await ap.connect.client();
        const app = client ? await hub.appRegistry.get(client.client_id) : undefined;
        if (!app?.firstParty) throw errors.invalidParameter("Autopilot is not registered as this hub's own app: run `grantline autopilot register` first.");
        const admin = (await hub.businesses.listSystemUsers(app.businessId)).find((u) => u.role === "ADMIN");
        if (!admin) throw errors.invalidParameter(`Autopilot's business ${app.businessId} has no admin system user to hold the token.`);
        const issued = await hub.tokens.issueSystemUserToken(operatorContext(), admin.id, { appId: app.id });
        const out = { access_token: issued.accessToken, app_id: app.id, system_user_id: admin.id };
        cliIo().stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `${issued.accessToken}\n`);
      });
    });
}
