import crypto from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import type { PlannerPlan, Planner } from "../../src/autopilot/app/planner.ts";
import { registerAutopilotApp } from "../../src/autopilot/app/registration.ts";
import { AutopilotScheduler } from "../../src/autopilot/app/scheduler.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildServer } from "../../src/http/server.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { LOCAL_RECEIVERS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { graphClient } from "../support/servers.ts";
import { buildSignInBusiness, ensureConsoleBuilt, expectAccessible, launchChromium, screenshot, sessionToken, signIn } from "./browser.ts";
import { hostFromHub } from "../../src/app/autopilotHost.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/**
 * Autopilot in the console, in headless Chromium against a running hub: a person connects it
 * through the consent page choosing one ad account of two, scans and plans from the overview,
 * approves a semi-auto recommendation, and finds it in the action log — and the change is really
 * made in the hub.
 */
describe("console: Autopilot connects through OAuth and a recommendation is approved", () => {
  let store: TestStore;
  let hub: Grantline;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let autopilot: Autopilot;
  let owner: Awaited<ReturnType<typeof buildSignInBusiness>>;
  let main: { id: string; graphId: string };
  let other: { id: string; graphId: string };
  let lookalike: { id: string; name: string };
  /** The engine answers once the test has seen the console show that it is planning. */
  let letPlan!: () => void;
  const planning = new Promise<void>((resolve) => (letPlan = resolve));

  beforeAll(async () => {
    await ensureConsoleBuilt();
    store = makeTestStore("sqlite");
    hub = await store.open();
    owner = await buildSignInBusiness(hub, "Acme Outdoor", "Alice Advertiser", "alice@acme.example");
    const ctx = principalContext("person", owner.admin.id);
    main = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme Main", adAccount: { currency: "USD", timezoneName: "UTC" } });
    other = await hub.assets.createAsset(ctx, owner.id, { type: "ad_account", name: "Acme Other", adAccount: { currency: "USD", timezoneName: "UTC" } });
    const services = adServicesOf(hub);
    const campaign = await buildCampaign(services, ctx, main.graphId, { name: "Summer Sale", status: "ACTIVE" });
    const creative = await buildCreative(services, ctx, main.graphId);
    const adSets = [];
    for (const name of ["Summer Sale – Lookalike", "Summer Sale – Interests"]) {
      const adSet = await buildAdSet(services, ctx, main.graphId, campaign.id, { name, status: "ACTIVE", daily_budget: 5000 });
      adSets.push({ id: adSet.id, name });
      await buildAd(services, ctx, main.graphId, adSet.id, creative.id, { name: `${name} ad`, status: "ACTIVE" });
    }
    lookalike = adSets[0]!;
    await new HubSimulation(hub, { disapprovalDailyHazard: 0 }).backfill(14, { seed: 7 });

    // The decision engine is not what this test is about: a fixed recommendation stands in for it.
    const planner: Planner = async () => {
      await planning;
      return {
        items: [
          {
            kind: "change_budget",
            change: { objectType: "adset", objectId: lookalike.id, objectName: lookalike.name, field: "daily_budget", old: "5000", new: "5500" },
            reason: "its CPA is 28% under your target over 7 days",
            evidence: { conversions: 64, cpa: 18 },
            expectedEffect: "about 6 more purchases a week",
          },
        ],
        notes: [],
      } satisfies PlannerPlan;
    };
    autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), planner, http: new OutboundHttp(LOCAL_RECEIVERS) });
    app = await buildServer(hub, { logLevel: "silent", autopilot: { autopilot, host: hostFromHub(hub) } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    await registerAutopilotApp(hub, autopilot, { hubUrl: url });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.cleanup();
  });

  const check = expectAccessible;

  it("connects one ad account of two through the consent page, scans and plans from the console, then approves a recommendation that the log and the hub both show", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, url, owner.admin.email);
    await page.getByRole("link", { name: "Autopilot" }).click();
    await page.getByRole("heading", { name: "Autopilot", level: 2 }).waitFor();
    await page.getByRole("button", { name: "Set up Autopilot" }).click();

    // Connect: the hub's consent page, where the person ticks one of the two accounts.
    await page.getByRole("button", { name: "Connect ad accounts" }).click();
    await page.getByRole("heading", { name: "Autopilot wants to connect to your account" }).waitFor();
    await page.getByRole("checkbox", { name: new RegExp(`Acme Main.*ID ${main.graphId}`) }).check();
    expect(await page.getByRole("checkbox", { name: new RegExp(`Acme Other.*ID ${other.graphId}`) }).isChecked()).toBe(false);
    await check(page, "autopilot-consent", 1440);
    await page.getByRole("button", { name: "Allow" }).click();

    // Back in the console: exactly the chosen account is connected.
    await page.getByTestId("connect-result").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/b/${owner.id}/autopilot`);
    const connections = page.getByRole("table", { name: "Connected ad accounts" });
    await connections.getByText(main.graphId).waitFor();
    // Named as the account is named, with its id beside it.
    await connections.getByText("Acme Main", { exact: true }).waitFor();
    expect(await connections.getByRole("row").count()).toBe(2);
    expect(await connections.textContent()).not.toContain(other.graphId);
    await page.getByRole("img", { name: new RegExp(`Spend of ${main.graphId} per day`) }).waitFor();
    await check(page, "autopilot-overview", 1440);

    // The person asks for a scan through the Graph and a plan for approval; the hub streams its progress.
    await page.getByRole("button", { name: "Scan and plan now" }).click();
    await page.getByRole("progressbar", { name: "Planning proposals from 1 account" }).waitFor();
    expect(await page.getByRole("button", { name: "Scan and plan now" }).isDisabled()).toBe(true);
    await check(page, "autopilot-scanning", 1440);
    letPlan();
    const result = page.getByTestId("scan-result");
    await result.waitFor({ timeout: 120_000 });
    // Two ads over the 14 days of history, and the one recommendation.
    expect(await result.textContent()).toBe("Scanned 1 account: 28 daily rows; 1 proposal queued.");
    expect(await page.getByRole("button", { name: "Scan and plan now" }).isEnabled()).toBe(true);
    await check(page, "autopilot-scanned", 1440);

    // Semi-auto: the recommendation waits in the queue with its reason, evidence and expected impact.
    await page.getByRole("link", { name: "Approvals" }).click();
    const proposal = page.getByTestId("proposal");
    await proposal.getByText("about 6 more purchases a week").waitFor();
    await proposal.getByText("its CPA is 28% under your target over 7 days").waitFor();
    await check(page, "autopilot-approvals", 1440);
    await proposal.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Nothing is waiting for your approval.").waitFor();

    // The action log says what was done, with old and new values and who approved it.
    await page.getByRole("link", { name: "Action log and alerts" }).click();
    const log = page.getByRole("table", { name: "Action log" });
    await log.getByText("Raised 'Summer Sale – Lookalike' daily budget from $50.00 to $55.00: its CPA is 28% under your target over 7 days").waitFor();
    expect(await log.textContent()).toContain("daily_budget: 5000 → 5500");
    expect(await log.textContent()).toContain("Alice Advertiser (you)");
    await check(page, "autopilot-log", 1440);

    // And the hub really changed: read back through the Graph with the person's own token.
    const asAlice = graphClient(url, await sessionToken(url, owner.admin.email));
    const adSet = await asAlice("GET", `/v24.0/${lookalike.id}?fields=daily_budget`);
    expect(adSet.body.daily_budget).toBe("5500");
    // The overview's chart now marks the change.
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("list", { name: `Autopilot's changes on ${main.graphId}` }).getByText(/Raised 'Summer Sale – Lookalike'/).waitFor();
    await page.getByRole("img", { name: new RegExp(`Spend of ${main.graphId} per day .* 1 day with Autopilot changes marked`) }).waitFor();
    await screenshot(page, "autopilot-overview-changes-1440");

    // Undo from the log: the opposite change, through the same guarded path, and the hub follows.
    await page.getByRole("link", { name: "Action log and alerts" }).click();
    await log.getByRole("button", { name: "Undo" }).click();
    await log.getByText(/^Lowered 'Summer Sale – Lookalike' daily budget from \$55\.00 to \$50\.00/).waitFor();
    expect((await asAlice("GET", `/${lookalike.id}?fields=daily_budget`)).body.daily_budget).toBe("5000");

    // The server's own schedule: once it has run, the overview says what it did and when it runs next.
    const schedule = page.getByRole("table", { name: "Schedule" });
    await page.getByRole("link", { name: "Overview" }).click();
    await schedule.getByRole("row", { name: /^Monitors not scheduled yet never not run yet$/ }).waitFor();
    await new AutopilotScheduler(autopilot, { timeZone: "UTC", dailyHour: 6 }).tick();
    await page.reload();
    await schedule.getByRole("row", { name: /^Monitors .* UTC .* UTC done \(1 account checked, 1 alert/ }).waitFor();
    // The account was scanned from the console today, so the daily scan waits for its hour, and the
    // schedule shows that scan as the last one (never "never" after a scan).
    await schedule.getByRole("row", { name: /^Scan and propose \w+ \d+, \d{4}, 6:00 AM UTC .+ UTC scanned by hand \(28 rows read\)$/ }).waitFor();
    await check(page, "autopilot-schedule", 1440);
    await context.close();
  }, 240_000);

  it("refuses autopilot mode without a cap next to the field, saves caps, and stops everything with the kill switch", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, url, owner.admin.email);
    await page.goto(`${url}/console/b/${owner.id}/autopilot/settings`);
    await page.getByRole("heading", { name: "Autopilot settings", level: 2 }).waitFor();
    await page.getByRole("radio", { name: /^Autopilot: changes are applied/ }).check();
    await page.getByRole("button", { name: "Save mode" }).click();
    // The server's refusal, shown with the mode field it is about.
    const modeForm = page.locator("form", { has: page.getByRole("radiogroup", { name: "How Autopilot acts" }) });
    await modeForm.getByText("Autopilot will not start without a spending cap: set a daily or monthly cap first (semi-auto works without one).").waitFor();
    await check(page, "autopilot-settings-error", 1440);

    await page.getByRole("textbox", { name: "Daily cap" }).fill("300");
    await page.getByRole("button", { name: "Save guardrails" }).click();
    await page.getByText("Guardrails saved.").waitFor();
    await page.getByRole("radio", { name: /^Autopilot: changes are applied/ }).check();
    await page.getByRole("button", { name: "Save mode" }).click();
    await page.getByText("Mode saved: autopilot.").waitFor();
    expect((await autopilot.workspaces.view((await autopilotDb(hub.store.db).selectFrom("autopilot_workspaces").select("id").executeTakeFirstOrThrow()).id)).guardrails.dailyCap).toBe(30000);

    // Alerts go to the business's channels: a Slack incoming webhook is added here.
    await page.getByRole("textbox", { name: "Name" }).fill("#ads-alerts");
    await page.getByRole("textbox", { name: "Slack incoming-webhook URL" }).fill("https://hooks.slack.example/services/T1/B1/secret");
    await page.getByRole("button", { name: "Add channel" }).click();
    await page.getByRole("table", { name: "Notification channels" }).getByText("#ads-alerts").waitFor();
    await check(page, "autopilot-settings", 1440);

    await page.getByRole("link", { name: "Overview" }).click();
    // The text-command box answers a question from live insights.
    await page.getByRole("textbox", { name: "Command or question" }).fill("how much did we spend yesterday?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.getByTestId("command-answer").textContent()).toMatch(/^You spent \$[\d,]+\.\d\d yesterday\./);

    await page.getByRole("button", { name: "Stop all automated actions" }).click();
    await page.getByRole("dialog", { name: "Stop all automated actions?" }).waitFor();
    await check(page, "autopilot-kill-confirm", 1440);
    await page.getByRole("button", { name: "Yes, stop everything" }).click();
    await page.getByTestId("kill-switch-on").waitFor();
    const ws = await autopilotDb(hub.store.db).selectFrom("autopilot_workspaces").select("killed").executeTakeFirstOrThrow();
    expect(ws.killed).toBe(1);
    await context.close();
  }, 120_000);

  it("every Autopilot page passes axe at a phone's width", async () => {
    // A pilot started today on the connected account: listed, and its report says there is nothing to compare yet.
    const ws = await autopilotDb(hub.store.db).selectFrom("autopilot_workspaces").select("id").executeTakeFirstOrThrow();
    const pilot = await autopilot.pilots.start(ws.id, { accounts: [main.graphId], days: 30 });
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signIn(page, url, owner.admin.email);
    for (const [path, heading, name] of [
      ["autopilot", "Autopilot", "autopilot-overview"],
      ["autopilot/queue", "Autopilot approvals", "autopilot-approvals"],
      ["autopilot/log", "Autopilot action log", "autopilot-log"],
      ["autopilot/settings", "Autopilot settings", "autopilot-settings"],
      ["autopilot/creatives", "Autopilot creatives", "autopilot-creatives"],
      ["autopilot/pilots", "Autopilot pilots", "autopilot-pilots"],
    ] as const) {
      await page.goto(`${url}/console/b/${owner.id}/${path}`);
      await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
      if (path === "autopilot/pilots") {
        await page.getByRole("table", { name: "Pilots" }).getByRole("row", { name: new RegExp(`^${pilot.start_date} to ${pilot.end_date} running Stop the pilot of .* Acme Main`) }).waitFor();
        await expect.poll(() => page.getByTestId("pilot-verdict").textContent()).toMatch(/Nothing to compare yet\./);
      }
      await page.getByRole("status").first().waitFor({ state: "detached" }).catch(() => undefined);
      await check(page, name, 375);
    }
    await context.close();
  }, 120_000);
});
