import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import type { Planner } from "../../src/autopilot/app/planner.ts";
import { buildServer } from "../../src/http/server.ts";
import { DIALECTS } from "../support/hubs.ts";
import { budgetItem, buildAutopilotWorld, planning, type AutopilotWorld } from "./world.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

interface Line {
  progress?: { phase: string; ad_account_id?: string; account: number; accounts: number; done?: number; total?: number; rows?: number; fraction: number };
  report?: { days: number; scans: { ad_account_id: string; status: string; ads: number; rows: number }[]; skipped: unknown[]; plans: { ad_account_id: string; proposed: { text: string }[]; notes: string[] }[]; notes: string[] };
  error?: { message: string; code: number; type: string };
}

describe.each(DIALECTS)("POST /autopilot/workspaces/:ws/scan on %s", (dialect) => {
  let world: AutopilotWorld;
  let app: FastifyInstance;
  let url: string;
  let autopilot: Autopilot;
  let workspaceId: string;
  let adminToken: string;
  /** What the stand-in engine does when asked: plan, wait to be let go, or fail. */
  let engine: { mode: "plan" | "wait" | "fail"; asked?: () => void; release?: Promise<void> };

  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 20 });
    const plan = planning([budgetItem(world.adSets[0]!.id, world.adSets[0]!.name, 5000, 5500)], ["one ad set is doing well"]);
    engine = { mode: "plan" };
    const planner: Planner = async (snapshot) => {
      engine.asked?.();
      if (engine.mode === "fail") throw new Error("engine exploded at /srv/engine/internal.ts:42");
      if (engine.mode === "wait") await engine.release;
      return plan(snapshot);
    };
    autopilot = world.autopilot({ planner });
    app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    workspaceId = (await autopilot.workspaces.create("Acme", world.advertiser.id)).id;
    await autopilot.workspaces.connect(workspaceId, { graphUrl: url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    const systemUser = await world.hub.businesses.createSystemUser(world.advertiser.admin.ctx, world.advertiser.id, { name: "Console", role: "ADMIN" });
    adminToken = (await world.hub.tokens.issueSystemUserToken(world.advertiser.admin.ctx, systemUser.id, {})).accessToken;
  });
  afterEach(async () => {
    await app?.close();
    await world.close();
  });

  const scan = (body?: unknown, token = adminToken) =>
    fetch(`${url}/autopilot/workspaces/${workspaceId}/scan`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const linesOf = async (response: Response) =>
    (await response.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);

  it("streams each phase of the scan with the share done, then the scans and the queued plan; a second scan meanwhile is refused", async () => {
    let asked!: () => void;
    const planning = new Promise<void>((resolve) => (asked = resolve));
    let release!: () => void;
    engine = { mode: "wait", asked, release: new Promise<void>((resolve) => (release = resolve)) };

    const response = await scan({ days: 14 });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const body = linesOf(response);
    // The scans are done and the engine is deciding: the workspace's scan is still running.
    await planning;
    const second = await scan();
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: { message: string } }).error.message).toBe("A scan of Acme is already running; wait for it to finish before starting another.");
    release();
    const lines = await body;

    const act = world.account.graphId;
    const progress = lines.slice(0, -1).map((l) => l.progress!);
    expect(progress.every((p) => p !== undefined)).toBe(true);
    expect(progress.filter((p) => p.phase === "objects").map((p) => `${p.done}/${p.total}`)).toEqual(["1/5", "2/5", "3/5", "4/5", "5/5"]);
    const insights = progress.filter((p) => p.phase === "insights");
    expect(insights.at(-1)).toMatchObject({ ad_account_id: act, account: 1, accounts: 1, done: 14, total: 14, rows: 56 });
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
    expect(progress[0]!.fraction).toBeGreaterThan(0);
    expect(progress[0]!.fraction).toBeLessThan(0.2);
    expect(progress.at(-1)).toEqual({ phase: "planning", account: 1, accounts: 1, fraction: 1 });

    const report = lines.at(-1)!.report!;
    expect(report).toMatchObject({ days: 14, skipped: [], notes: [] });
    expect(report.scans).toEqual([expect.objectContaining({ ad_account_id: act, status: "completed", ads: 4, rows: 56 })]);
    expect(report.plans).toHaveLength(1);
    expect(report.plans[0]).toMatchObject({ ad_account_id: act, notes: ["one ad set is doing well"] });
    expect(report.plans[0]!.proposed.map((p) => p.text)).toEqual(["Raise 'Summer Sale – Lookalike' daily budget from $50.00 to $55.00: its CPA $18 is 28% under your $25 target over 7 days, 64 conversions"]);

    // The plan waits in the approval queue, and the scan is in the audit log.
    const queue = await (await fetch(`${url}/autopilot/workspaces/${workspaceId}/queue`, { headers: { authorization: `Bearer ${adminToken}` } })).json();
    expect((queue as { data: unknown[] }).data).toHaveLength(1);
    const audit = await world.hub.store.db.selectFrom("audit_entries").select(["action", "after_json"]).where("action", "=", "autopilot.scan").execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after_json!)).toEqual({ days: 14, scans: [{ ad_account_id: act, rows: 56 }], proposed: 1 });

    // Once it ended, another may start (the default is 90 days; the history holds 20).
    const again = await linesOf(await scan());
    expect(again.at(-1)!.report).toMatchObject({ days: 90, scans: [{ rows: 80 }] });
  });

  it("refuses a caller who is not an admin of the advertiser, and a bad number of days, before any progress", async () => {
    const outsider = await scan({}, world.token);
    expect(outsider.status).toBe(400);
    expect(outsider.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await outsider.json()) as { error: { code: number } }).error.code).toBe(200);
    for (const days of [0, 401, 2.5, "90"]) {
      const bad = await scan({ days });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^Invalid days: /);
    }
    expect(await autopilotDb(world.hub.store.db).selectFrom("autopilot_scans").select("id").execute()).toEqual([]);
    expect(await world.hub.store.db.selectFrom("audit_entries").select("seq").where("action", "=", "autopilot.scan").execute()).toEqual([]);
  });

  it("ends with a Graph error line, without internals, when it fails after the first line; a refusal by the Graph before it is a plain error", async () => {
    engine = { mode: "fail" };
    const response = await scan({ days: 3 });
    expect(response.status).toBe(200);
    const text = await response.clone().text();
    expect(text).not.toContain("exploded");
    const lines = await linesOf(response);
    expect(lines[0]!.progress).toMatchObject({ phase: "objects" });
    expect(lines.at(-1)).toEqual({ error: expect.objectContaining({ message: "An unknown error occurred", code: 1 }) });

    // The token is revoked: the first Graph call is refused, so the answer is an ordinary error.
    engine = { mode: "plan" };
    const tokens = await world.hub.store.db.selectFrom("access_tokens").select(["id"]).where("app_id", "=", world.appId).execute();
    await world.hub.tokens.revoke(world.advertiser.admin.ctx, tokens[0]!.id, world.advertiser.id);
    const refused = await scan();
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(new RegExp(`^The scan of ${world.account.graphId} stopped: \\(#190\\) `));
    const after = await scan();
    expect(((await after.json()) as { error: { message: string } }).error.message).toBe("Every connected ad account needs attention: reconnect one before scanning.");
  });
});
