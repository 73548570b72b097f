#!/usr/bin/env node
// Entry point for `grantline` / `npx grantline`: runs the TypeScript CLI through tsx's loader, on
// this process's streams and environment. The commands return their exit code; only a stopped
// server ends the process at once (`endProcess`), whatever a library may still hold open.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
  endProcess: (code) => process.exit(code),
});
