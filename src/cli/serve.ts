import type { Config } from "../config/env.ts";
import { nextStopSignal, startupError } from "../app/lifecycle.ts";
import { startGrantline, type RunningGrantline } from "../app/serve.ts";

/**
 * `grantline serve` (and `demo`): starts Grantline and serves until SIGTERM or SIGINT, then stops
 * and returns the exit code: 0 when everything finished within GRANTLINE_SHUTDOWN_GRACE_MS, 1 when
 * the grace ran out. A start-up failure throws a StartupError that says what to do in one line.
 */
export async function runServer(config: Config, options: { demo: boolean }): Promise<number> {
  // Listening from before the start: a signal during it stops the server as soon as it serves.
  const stopSignal = nextStopSignal();
  let running: RunningGrantline;
  try {
    running = await startGrantline(config, options);
  } catch (error) {
    throw startupError(error, config);
  }
  return running.close(await stopSignal);
}
