#!/usr/bin/env node
// Builds the web console into dist/console. With --if-stale, only when the build is missing or
// older than its sources (console/, package-lock.json), so `npm run demo` and the browser tests
// build on a fresh clone and reuse the build afterwards.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const outDir = path.join(root, "dist", "console");
const stamp = path.join(outDir, ".build-stamp");

function newestSource() {
  let newest = fs.statSync(path.join(root, "package-lock.json")).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      // Dependencies count through package-lock.json; a linked node_modules is not a source.
      if (entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(here);
  return newest;
}

export function consoleBuildIsStale() {
  if (!fs.existsSync(stamp) || !fs.existsSync(path.join(outDir, "index.html"))) return true;
  return fs.statSync(stamp).mtimeMs < newestSource();
}

export async function buildConsole() {
  const { build } = await import("vite");
  // A production build (React's production runtime and JSX) even from inside the test runner,
  // whose NODE_ENV is "test": Vite and the React plugin read it when they start.
  /* eslint-disable no-restricted-properties -- the build tool's own environment, not a hub setting */
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: path.join(here, "vite.config.ts"), mode: "production", logLevel: "warn" });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  /* eslint-enable no-restricted-properties */
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && !consoleBuildIsStale()) process.exit(0);
  process.stdout.write("Building the web console (dist/console)…\n");
  await buildConsole();
}
