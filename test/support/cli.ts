import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const BIN = path.resolve("bin/grantline.mjs");

/** Runs `grantline …` as a user would, in its own process, against the store `env` points at. */
export function runGrantline(env: Record<string, string | undefined>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}
