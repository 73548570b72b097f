// What the `grantline` command groups share: opening the configured hub for one command, printing a
// result as text or one line of JSON, the option parsers several groups take, and the one-line
// report of a failed command.
import { InvalidArgumentError } from "commander";
import { cliIo } from "../cliIo.ts";
import { ConfigError, loadConfig, type Config } from "../config/env.ts";
import { GrantlineError } from "../errors.ts";
import { isActionName, ACTION_NAMES } from "../hub/catalogue/actions.ts";
import { openGrantline, type Grantline, type GrantlineOptions } from "../app/openGrantline.ts";
import type { WithAutopilot } from "../autopilot/app/cli.ts";
import { openAutopilot } from "../app/autopilotHost.ts";
import { StoreSetupError } from "../store/database.ts";
import { StoreFaultError } from "../store/storeFault.ts";

/** The hub's and the store's settings, as the configuration gives them. */
export function hubOptions(config: Config): GrantlineOptions {
  return { databaseUrl: config.databaseUrl, pgSchema: config.databaseSchema, dataDir: config.dataDir, timeouts: { queryMs: config.timeouts.dbQueryMs, connectMs: config.timeouts.dbConnectMs }, diskMinFreeBytes: config.diskMinFreeBytes, pendingTtlDays: config.pendingTtlDays, invitations: { ttlDays: config.invitationTtlDays, publicUrl: config.publicUrl }, secretKey: config.secretKey, mail: config.mail, notifications: config.alerts, outbound: config.outbound };
}

/** Runs `work` on the configured store's hub, closed afterwards whatever happens. */
export async function withHub<T>(work: (hub: Grantline, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(cliIo().env);
  const hub = await openGrantline(hubOptions(config));
  try {
    return await work(hub, config);
  } finally {
    await hub.close();
  }
}

/** Autopilot's commands run on the configured store's hub, with Autopilot's host in this process. */
export const withAutopilot: WithAutopilot = (work) => withHub((hub, config) => work(openAutopilot(hub, config).autopilot, hub));

export { print } from "../cliIo.ts";

/** A whole number of days from 1 to 3650 (also the simulator's seed). */
export function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError("a whole number of days from 1 to 3650");
  return n;
}

/** An action of the catalogue (`--action`). */
export function actionName(value: string): string {
  if (!isActionName(value)) throw new InvalidArgumentError(`unknown action; use one of ${ACTION_NAMES.join(", ")}`);
  return value;
}

/** A failed command's one line on stderr (a configuration error lists every problem); never a stack trace. */
export function reportError(error: unknown): void {
  const { stderr } = cliIo();
  if (error instanceof ConfigError) {
    stderr.write(`${error.message}\n`);
  } else if (error instanceof GrantlineError) {
    stderr.write(`Error: ${error.options.userMsg ?? error.message}\n`);
  } else if (error instanceof StoreFaultError || error instanceof StoreSetupError) {
    stderr.write(`Error: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    stderr.write(`Error: ${message.split("\n")[0]}\n`);
  }
}
