#!/usr/bin/env node
// Entry point for `grantline` / `npx grantline`: runs the TypeScript CLI through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
