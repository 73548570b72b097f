import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { main } from "../../src/cli/main.ts";

const run = promisify(execFile);
const BIN = path.resolve("bin/grantline.mjs");

/** How a `grantline` run ended: its exit code and everything it wrote. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a run sees: only the given settings, plus PATH and HOME (as a spawned run gets). */
function runEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

/**
 * `grantline ARGS…` in this process, through the same entry as the command (`main`), with its own
 * streams and only the given environment: no spawn, no transpiling per run. Every database handle a
 * command opens is closed when it ends, as the process's end would.
 */
export async function runGrantlineToExit(env: Record<string, string | undefined>, args: string[], options: { stdin?: string } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const input = options.stdin;
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: runEnv(env),
    stdin: (async function* () {
      if (input !== undefined) yield input;
    })(),
  });
  return { code, stdout, stderr };
}

/** The failure `runGrantline` rejects with, shaped as a failed spawn's (execFile's) error. */
export class GrantlineFailed extends Error {
  constructor(
    readonly cmd: string,
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`Command failed: ${cmd}\n${stderr}`);
  }
}

/**
 * Runs `grantline …` against the store `env` points at, in-process: resolves with its output, or
 * rejects with a `GrantlineFailed` (code, stdout, stderr) when it exits non-zero, as a spawned run does.
 */
export async function runGrantline(env: Record<string, string | undefined>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const result = await runGrantlineToExit(env, args);
  if (result.code !== 0) throw new GrantlineFailed(`grantline ${args.join(" ")}`, result.code, result.stdout, result.stderr);
  return { stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the real `bin/grantline.mjs` in its own process, as a user would. For what needs a process
 * of its own (the entry itself, signals, concurrent processes); rejects as `execFile` does.
 */
export function spawnGrantline(env: Record<string, string | undefined>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: runEnv(env) });
}
