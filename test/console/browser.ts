import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
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
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  // Every page asks for reduced motion, so dialogs and drawers open without a fade: axe judges
  // colours as people see them once a dialog is open, not a half-transparent frame of its entrance.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options) => newContext({ reducedMotion: "reduce", ...options });
  return browser;
}

export const PASSWORD = "correct horse battery staple";

export interface ConsolePerson {
  id: string;
  name: string;
  email: string;
}

/** A person who can sign in (the operator set a password), admin of a new business. */
export async function buildSignInBusiness(hub: Hub, name: string, personName: string, email: string): Promise<{ id: string; name: string; admin: ConsolePerson }> {
  const person = await hub.businesses.createPerson(operatorContext(), { name: personName, email });
  await hub.auth.setPassword(operatorContext(), email, PASSWORD);
  const business = await hub.businesses.createBusiness(principalContext("person", person.id), { name });
  return { id: business.id, name: business.name, admin: { id: person.id, name: person.name, email } };
}

/** The person's console Graph token, obtained the way the console does: `POST /auth/login`, then `GET /auth/session`. */
export async function sessionToken(baseUrl: string, email: string, password = PASSWORD): Promise<string> {
  const login = await fetch(`${baseUrl}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const session = await fetch(`${baseUrl}/auth/session`, { headers: { cookie } });
  expect(session.status).toBe(200);
  return ((await session.json()) as { access_token: string }).access_token;
}

/** Signs in through the console's sign-in screen with email and password, and waits for the first page. */
export async function signIn(page: Page, baseUrl: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/console/login`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.locator("input[type=password]").and(page.getByLabel("Password")).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Business info", level: 2 }).waitFor();
}

/** Signs in with an access token instead (developers, system users). */
export async function signInWithToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/login`);
  await page.getByRole("button", { name: "Use an access token instead" }).click();
  await page.getByRole("textbox", { name: "Access token" }).fill(token);
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

let axeSource: string | undefined;
const AXE_SOURCE = () => (axeSource ??= fs.readFileSync(path.resolve("node_modules/axe-core/axe.min.js"), "utf8"));

/** Runs axe-core in the page; returns serious and critical violations (the bar is none). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated rather than added as a <script> tag: the console's CSP refuses inline scripts.
  // A dialog or menu still fading in has its colours half-way: axe would measure the contrast of a
  // frame of the transition, not of what the person reads. Wait for running transitions to end.
  await page.evaluate(() => {
    type Running = { finished: Promise<unknown>; effect: { getComputedTiming(): { endTime?: number | string } } | null };
    const all = (globalThis as unknown as { document: { getAnimations(): Running[] } }).document.getAnimations();
    // Spinners run for ever; only what ends is waited for.
    const ending = all.filter((animation) => Number.isFinite(Number(animation.effect?.getComputedTiming().endTime)));
    return Promise.all(ending.map((animation) => animation.finished.catch(() => undefined)));
  });
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE_SOURCE());
  const violations = await page.evaluate(async () => {
    const page = globalThis as any;
    const result: { violations: AxeViolation[] } = await page.axe.run(page.document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** The page passes axe at this width; its screenshot is kept beside the test output. */
export async function expectAccessible(page: Page, name: string, width: number): Promise<void> {
  expectNoSeriousViolations(await seriousViolations(page), `${name} at ${width}px`);
  await screenshot(page, `${name}-${width}`);
}

export function expectNoSeriousViolations(violations: AxeViolation[], where: string): void {
  expect(violations.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}
