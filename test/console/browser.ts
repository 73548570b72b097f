import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { newId } from "../../src/ids.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { SCOPES } from "../../src/hub/catalogue/roles.ts";
import { hashToken } from "../../src/hub/tokens/accessToken.service.ts";
import { insertToken } from "../../src/hub/tokens/accessToken.repository.ts";
import { buildConsole, consoleBuildIsStale } from "../../console/build.mjs";

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve("dist/screenshots");

const LOCK = path.resolve("dist/.console-build.lock");

/** Builds the console when it is missing or older than its sources; test files running at once wait for one build. */
export async function ensureConsoleBuilt(): Promise<void> {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; a lock older than five minutes is left over from a killed run.
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) fs.rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (consoleBuildIsStale()) await buildConsole();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * A first-party Graph token for a person, as the hub's person login hands out after sign-in. Until
 * password sign-in is part of the hub, tests issue it straight into the token store.
 */
export async function personToken(hub: Hub, personId: string): Promise<string> {
  const value = `GL${crypto.randomBytes(32).toString("base64url")}`;
  await insertToken(hub.store.db, {
    id: newId(),
    token_hash: hashToken(value),
    principal_id: personId,
    principal_type: "person",
    app_id: null,
    grant_id: null,
    scopes: JSON.stringify(SCOPES),
    created_at: hub.now(),
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
  });
  return value;
}

/** Signs in through the console's sign-in screen with an access token, and waits for the first page. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/login`);
  await page.getByRole("button", { name: "Use an access token instead" }).click();
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
}

/** Picks an option of a Mantine Select by its label. */
export async function choose(page: Page, label: string, option: string): Promise<void> {
  await page.locator("input").and(page.getByLabel(label, { exact: true })).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; returns serious and critical violations (the bar is none). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: path.resolve("node_modules/axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => {
    const page = globalThis as any;
    const result: { violations: AxeViolation[] } = await page.axe.run(page.document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export function expectNoSeriousViolations(violations: AxeViolation[], where: string): void {
  expect(violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}
