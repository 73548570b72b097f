#!/usr/bin/env node
// Entry point for `grantline` / `npx grantline`: runs the TypeScript CLI through tsx's loader. The
// commands return their exit code; only a stopped server ends the process at once (`endProcess`).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2), { endProcess: (code) => process.exit(code) });
