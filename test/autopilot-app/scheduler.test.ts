import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Autopilot, AutopilotOptions } from "../../src/autopilot/app/autopilot.ts";
import { updateConnection } from "../../src/autopilot/store/autopilot.repository.ts";
import { AutopilotScheduler, type JobRun } from "../../src/autopilot/app/scheduler.ts";
import { DIALECTS } from "../support/hubs.ts";
import { budgetItem, buildAutopilotWorld, planning, type AutopilotWorld } from "./world.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

const HOUR = 3_600_000;

/** The ads' landing page: always up, so the monitors find nothing to pause. */
async function startShop() {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<h1>shop</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const jobs = (runs: JobRun[]) => runs.map((r) => `${r.workspace_id}:${r.job}`).sort();

describe.each(DIALECTS)("Autopilot's built-in schedule on %s", (dialect) => {
  let world: AutopilotWorld;
  let shop: Awaited<ReturnType<typeof startShop>>;
  beforeEach(async () => {
    lines = [];
    shop = await startShop();
    // 12:00 UTC; the daily slot is 06:00 UTC.
    world = await buildAutopilotWorld(dialect, { days: 30, linkUrl: `${shop.url}/trail`, start: Date.UTC(2026, 5, 15, 12) });
  });
  afterEach(async () => {
    await world.close();
    await shop.close();
  });

  const autopilotOf = (overrides: Partial<AutopilotOptions> = {}) =>
    world.autopilot({ sleep: async () => undefined, urlCheck: { timeoutMs: 2000, attempts: 1, retryDelayMs: 0 }, planner: planning([]), ...overrides });

  let lines: string[] = [];
  const scheduleOf = (autopilot: Autopilot) =>
    new AutopilotScheduler(autopilot, {
      timeZone: "UTC",
      dailyHour: 6,
      log: { info: (_d, message) => lines.push(message), warn: (_d, message) => lines.push(message) },
    });

  const workspace = async (autopilot: Autopilot, name: string) => {
    const ws = await autopilot.workspaces.create(name, world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    return { id: ws.id, connection: view.id };
  };

  const budgetOf = async (adSetId: string) => Number((await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", adSetId).executeTakeFirstOrThrow()).daily_budget);

  it("runs each workspace's due work once, claimed by one of two instances sharing the store", async () => {
    const first = autopilotOf();
    const secondHub = await world.store.open(world.clock);
    const second = autopilotOf({ db: autopilotDb(secondHub.store.db) });
    const ws = await workspace(first, "Acme");
    const [a, b] = [scheduleOf(first), scheduleOf(second)];

    // A new connection: its first scan and the monitors, at once, each by one instance.
    const firstRound = (await Promise.all([a.tick(), b.tick()])).flat();
    expect(jobs(firstRound)).toEqual([`${ws.id}:monitors`, `${ws.id}:scan`]);
    expect(firstRound.every((r) => r.outcome.ok)).toBe(true);
    expect(firstRound.find((r) => r.job === "scan")!.outcome.counts).toMatchObject({ scanned: 1, rows: 120, proposed: 0 });
    const scans = await autopilotDb(world.hub.store.db).selectFrom("autopilot_scans").select("status").where("connection_id", "=", ws.connection).execute();
    expect(scans.map((s) => s.status)).toEqual(["completed"]);
    expect(lines.filter((l) => l.startsWith("autopilot "))).toEqual(expect.arrayContaining(["autopilot scan job done", "autopilot monitors job done"]));

    // Nothing more is due now.
    expect((await Promise.all([a.tick(), b.tick()])).flat()).toEqual([]);
    const { schedule } = await first.workspaces.view("Acme");
    expect(schedule).toMatchObject({
      next_scan_at: Date.UTC(2026, 5, 16, 6),
      last_run_at: world.clock.now(),
      last_outcome: { ok: true, counts: { scanned: 1, rows: 120 } },
      last_scan: { at: world.clock.now(), status: "completed", rows: 120, error: null },
      monitors: { next_at: world.clock.now() + HOUR, last_outcome: { ok: true, counts: { connections: 1, alerts: 0, paused: 0 } } },
    });

    // An hour later only the monitors are due.
    world.clock.t += HOUR;
    expect(jobs((await Promise.all([a.tick(), b.tick()])).flat())).toEqual([`${ws.id}:monitors`]);

    // At the daily hour the scan runs again, once, over the full window (the older scan gives way).
    world.clock.t = Date.UTC(2026, 5, 16, 6);
    expect(jobs((await Promise.all([b.tick(), a.tick()])).flat())).toEqual([`${ws.id}:monitors`, `${ws.id}:scan`]);
    const after = await autopilotDb(world.hub.store.db).selectFrom("autopilot_scans").select(["status", "since", "until"]).where("connection_id", "=", ws.connection).orderBy("started_at").execute();
    expect(after).toEqual([
      { status: "superseded", since: "2026-03-17", until: "2026-06-14" },
      { status: "completed", since: "2026-03-18", until: "2026-06-15" },
    ]);
    expect((await first.workspaces.view("Acme")).schedule.next_scan_at).toBe(Date.UTC(2026, 5, 17, 6));
  });

  it("shows a scan a person started as the last scan, before any scheduled run and after one", async () => {
    const autopilot = autopilotOf();
    const ws = await workspace(autopilot, "Acme");
    expect((await autopilot.workspaces.view("Acme")).schedule).toMatchObject({ last_run_at: null, last_scan: null });
    world.clock.t += HOUR;
    await autopilot.scans.scan(await autopilot.workspaces.connection(ws.connection));
    const { schedule } = await autopilot.workspaces.view("Acme");
    // The schedule has not run, but the account was scanned: that is what the schedule shows as last.
    expect(schedule).toMatchObject({ last_run_at: null, last_scan: { at: world.clock.now(), status: "completed", rows: 120 } });
  });

  it("scans an account connected later at the next tick, not at the next daily hour", async () => {
    const autopilot = autopilotOf();
    const ws = await workspace(autopilot, "Acme");
    const schedule = scheduleOf(autopilot);
    await schedule.tick();
    world.clock.t += 10 * 60_000;
    expect(await schedule.tick()).toEqual([]);

    // The advertiser gives Autopilot's system user the other account too, and it is connected.
    const systemUser = (await world.hub.tokens.resolve(world.token)).principalId;
    await world.hub.assignments.assign(world.advertiser.admin.ctx, { assetId: world.otherAccount.id, principalId: systemUser, tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] });
    const other = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.otherAccount.graphId, scopes: ["ads_read", "ads_management"] });
    const [run] = await schedule.tick();
    expect(run).toMatchObject({ job: "scan", outcome: { ok: true, counts: { scanned: 2 } } });
    const scanned = await autopilotDb(world.hub.store.db).selectFrom("autopilot_scans").select("status").where("connection_id", "=", other.id).execute();
    expect(scanned).toEqual([{ status: "completed" }]);
    expect(run!.next_due_at).toBe(Date.UTC(2026, 5, 16, 6));
  });

  it("applies run() in autopilot mode, and only queues plan() proposals in semi-auto", async () => {
    const [lookalike, interests] = world.adSets;
    // One schedule serves every workspace: the stand-in engine proposes a different change by mode.
    const byMode = planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 6000)]);
    const semiPlan = planning([budgetItem(interests!.id, interests!.name, 5000, 5500)]);
    const autopilot = autopilotOf({ planner: (snapshot) => (snapshot.mode === "autopilot" ? byMode(snapshot) : semiPlan(snapshot)) });
    const auto = await workspace(autopilot, "Acme auto");
    await autopilot.workspaces.setGuardrails("Acme auto", { dailyCap: 20_000 });
    await autopilot.workspaces.setMode("Acme auto", "autopilot");
    const semi = await workspace(autopilot, "Acme semi");

    const runs = await scheduleOf(autopilot).tick();
    expect(runs.every((r) => r.outcome.ok)).toBe(true);

    const autoScan = runs.find((r) => r.workspace_id === auto.id && r.job === "scan")!;
    expect(autoScan.outcome.counts).toMatchObject({ scanned: 1, applied: 1, not_applied: 0 });
    expect(autoScan.outcome.counts.proposed).toBeUndefined();
    expect(await budgetOf(lookalike!.id)).toBe(6000);
    const [entry] = await autopilot.actions.log(await autopilot.workspaces.require("Acme auto"));
    expect(entry).toMatchObject({ state: "CONFIRMED", approved_by: "autopilot" });

    const semiScan = runs.find((r) => r.workspace_id === semi.id && r.job === "scan")!;
    expect(semiScan.outcome.counts).toMatchObject({ scanned: 1, proposed: 1 });
    expect(semiScan.outcome.counts.applied).toBeUndefined();
    expect(await budgetOf(interests!.id)).toBe(5000);
    const queue = await autopilot.actions.queue(await autopilot.workspaces.require("Acme semi"));
    expect(queue.map((q) => q.state)).toEqual(["pending_approval"]);
  });

  it("with the kill switch on, scans and monitors but neither plans nor applies", async () => {
    const [lookalike] = world.adSets;
    const autopilot = autopilotOf({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 6000)]) });
    const ws = await workspace(autopilot, "Acme");
    await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 20_000 });
    await autopilot.workspaces.setMode("Acme", "autopilot");
    await autopilot.workspaces.setKillSwitch("Acme", true);

    const runs = await scheduleOf(autopilot).tick();
    expect(jobs(runs)).toEqual([`${ws.id}:monitors`, `${ws.id}:scan`]);
    const scan = runs.find((r) => r.job === "scan")!;
    expect(scan.outcome).toMatchObject({ ok: true, counts: { scanned: 1 }, notes: ["The kill switch is on: nothing was planned or applied."] });
    expect(scan.outcome.counts.applied).toBeUndefined();
    expect(runs.find((r) => r.job === "monitors")!.outcome).toMatchObject({ ok: true, counts: { connections: 1 } });
    expect(await autopilot.actions.log(await autopilot.workspaces.require("Acme"))).toEqual([]);
    expect(await budgetOf(lookalike!.id)).toBe(5000);
  });

  it("records one workspace's failure, retries it with backoff, and the others go on", async () => {
    const autopilot = autopilotOf();
    const broken = await workspace(autopilot, "Broken");
    const fine = await workspace(autopilot, "Fine");
    // The Broken workspace's Graph stops answering after it was connected.
    await updateConnection(autopilot.deps.db, broken.connection, { graph_url: "http://127.0.0.1:9" });

    const now = world.clock.now();
    const runs = await scheduleOf(autopilot).tick();
    expect(jobs(runs)).toEqual([`${broken.id}:monitors`, `${broken.id}:scan`, `${fine.id}:monitors`, `${fine.id}:scan`].sort());
    const failed = runs.find((r) => r.workspace_id === broken.id && r.job === "scan")!;
    expect(failed.outcome).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`^The scan failed, so nothing was planned: .*act_${world.account.graphId.replace(/^act_/, "")}\\b`)) });
    expect(failed.next_due_at).toBe(now + 30 * 60_000);
    expect(runs.find((r) => r.workspace_id === fine.id && r.job === "scan")!.outcome).toMatchObject({ ok: true, counts: { scanned: 1 } });
    expect(lines).toContain("autopilot scan job failed");

    const view = await autopilot.workspaces.view("Broken");
    expect(view.schedule).toMatchObject({ next_scan_at: now + 30 * 60_000, last_outcome: { ok: false, error: failed.outcome.error } });

    // Half an hour later only the failed job is tried again; a second failure waits twice as long.
    world.clock.t += 30 * 60_000;
    const retried = await scheduleOf(autopilot).tick();
    expect(jobs(retried)).toEqual([`${broken.id}:scan`]);
    expect(retried[0]!.next_due_at).toBe(world.clock.now() + HOUR);
  });
});
