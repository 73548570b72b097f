// What several groups of `grantline autopilot …` commands share: how a command reaches Autopilot,
// how it prints, how it parses a whole-number option, and how it writes one action-log entry.
import { InvalidArgumentError } from "commander";
import type { Hub } from "../../../hub/hub.ts";
import type { LogEntry } from "../actionLog.ts";
import type { Autopilot } from "../autopilot.ts";

/**
 * Runs a command's work on Autopilot beside the configured store's hub, and closes both after;
 * the CLI's entry point builds them (the composition root).
 */
export type WithAutopilot = <T>(work: (autopilot: Autopilot, hub: Hub) => Promise<T>) => Promise<T>;

export { print } from "../../../cliIo.ts";

/** Parses an option that must be a whole number from min to max. */
export const whole = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
  return n;
};

export const entryLine = (e: LogEntry) => `[${e.id}] ${new Date(e.time).toISOString()} ${e.state.padEnd(16)} ${e.text}${e.approved_by ? ` (approved by ${e.approved_by})` : ""}`;
