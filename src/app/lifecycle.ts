import type { Config } from "../config/env.ts";
import { MissingDataDirError, StoreSetupError } from "../store/database.ts";

/** A start-up step failed; the message says which and why in one line, for the terminal. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartupError";
  }
}

/** Resolves with the first SIGTERM or SIGINT; a second one ends the process at once. */
export function nextStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      process.once("SIGINT", () => process.exit(1));
      process.once("SIGTERM", () => process.exit(1));
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** What a failed listen() means, naming the setting that chose the address. */
export function listenProblem(error: unknown, host: string, port: number, setting: string): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} is already in use (${setting}); stop what uses it or choose another port`;
    case "EACCES":
      return `not permitted to listen on port ${port} on ${host} (${setting})`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `${host} is not an address of this machine (HOST)`;
    default:
      return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A start-up failure as one line that says what to do about it. */
export function startupError(error: unknown, config: Config): Error {
  if (error instanceof StartupError) return error;
  if (error instanceof MissingDataDirError) {
    return new StartupError(
      `${error.message} (GRANTLINE_DATA_DIR): if its volume should be mounted there, mount it; to start a new, empty store there, run \`grantline init\` first`,
      { cause: error },
    );
  }
  if (error instanceof StoreSetupError) return new StartupError(error.message, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new StartupError(`cannot start the hub${config.databaseUrl ? "" : ` (data directory ${config.dataDir})`}: ${message}`, { cause: error });
}

