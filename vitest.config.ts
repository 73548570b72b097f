import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * One suite in three projects (`npx vitest run --project unit`, …); `npm test` runs them all:
 * - unit: the tests beside the code in src/ — pure functions and properties, no store, no server;
 * - browser: the console and the sign-in pages in Chromium (playwright-core);
 * - store: everything else in test/ — a real store (SQLite, or PostgreSQL and Redis when
 *   DATABASE_URL / REDIS_URL are set), HTTP servers, the CLI, processes.
 *
 * The unit and store projects run their files one after another in each worker, on modules loaded
 * once (`isolate: false`): loading the hub's modules again for every file was most of the suite's
 * time (docs/testing.md). So a test file never imports another test file (its describe blocks would
 * run under the importer), leaves no process-wide setting changed, and closes what it opens.
 *
 * Two workers at least, also on a 2-core machine (vitest's default there is one): a store test
 * waits on PostgreSQL, Redis, HTTP and child processes much of its time, which the other worker
 * fills. Tests therefore share nothing but the services: each opens its own PostgreSQL schema,
 * Redis key prefix, data directory and port 0.
 */
const BROWSER = ["test/console/**/*.test.ts", "test/oauth/consentPage.test.ts", "test/security/headers.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ["default", "./test/support/summaryReporter.ts"],
    // Drops the PostgreSQL schemas the workers kept for reuse between tests (test/support/storePool.ts).
    globalSetup: ["./test/support/globalSetup.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"], isolate: false } },
      { extends: true, test: { name: "browser", include: BROWSER } },
      { extends: true, test: { name: "store", include: ["test/**/*.test.ts"], exclude: BROWSER, isolate: false } },
    ],
  },
});
