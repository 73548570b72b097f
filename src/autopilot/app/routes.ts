import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { errors } from "../../errors.ts";
import { answerWithProgress } from "../../web/progressStream.ts";
import { FORECAST_LIMITS } from "../../impactForecast.ts";
import { listAlerts } from "../store/autopilot.repository.ts";
import type { Autopilot, ScanAndPlanProgress } from "./autopilot.ts";
import { registerAutopilotConnectRoutes } from "./connectRoutes.ts";
import type { AutopilotAuditEntry, AutopilotHost, HostCaller } from "./host.ts";
import type { LaunchPlanObjects, LaunchProgress } from "./launch/launch.service.ts";
import { LAUNCH_LIMITS } from "./launch/launchLimits.ts";
import { launchSpecOf, parseLaunchSpec } from "./launch/launchSpec.ts";
import { autopilotAccess, parseBody } from "./routeAccess.ts";
import { reportHtml, reportPdf } from "./pilot/pilotDocument.ts";
import { PILOT_DAYS } from "./pilot/pilot.service.ts";

const settingsBody = z.object({ mode: z.enum(["semi_auto", "autopilot"]).optional(), guardrails: z.unknown().optional() }).strict();
const killBody = z.object({ on: z.boolean() }).strict();
const commandBody = z.object({ text: z.string().min(1).max(500) }).strict();
const scanBody = z.object({ days: z.number().int().min(1).max(400).optional() }).strict();
const pilotBody = z
  .object({
    accounts: z.array(z.string().regex(/^(act_)?\d+$/, "must be act_<id>")).min(1).max(50),
    holdout: z.array(z.string().regex(/^(act_)?\d+$/, "must be act_<id>")).max(50).optional(),
    days: z.number().int().min(PILOT_DAYS.min).max(PILOT_DAYS.max).optional(),
  })
  .strict();
const simulateBody = z
  .object({
    days: z.number().int().min(1).max(FORECAST_LIMITS.days).optional(),
    runs: z.number().int().min(1).max(FORECAST_LIMITS.runs).optional(),
    account: z.string().regex(/^(act_)?\d+$/, "must be act_<id>").optional(),
  })
  .strict();
/** A launch spec as YAML or JSON text (what the CLI reads from its file), or as a JSON object. */
const launchBody = z.object({ spec: z.union([z.string().min(1).max(LAUNCH_LIMITS.specChars), z.record(z.string(), z.unknown())]) }).strict();
const launchSpecIn = (body: unknown) => {
  const { spec } = parseBody(launchBody, body);
  return typeof spec === "string" ? parseLaunchSpec(spec) : launchSpecOf(spec);
};

/** Records what a caller did to a workspace, pilot or action in the hub's audit log. */
type Audit = (by: HostCaller, businessId: string | null, action: AutopilotAuditEntry["action"], targetId: string, after: unknown) => Promise<void>;

/**
 * Plain JSON routes for the console under /autopilot/: a workspace's settings, kill switch, approval
 * queue, action log, alerts, text commands, impact previews and bulk launches. The caller authenticates with a hub token and must be
 * an admin of the workspace's business (the advertiser); errors use the Graph envelope.
 */
export function registerAutopilotRoutes(app: FastifyInstance, host: AutopilotHost, autopilot: Autopilot): void {
  const caller = autopilotAccess(host, autopilot).workspace;
  const audit: Audit = (by, businessId, action, targetId, after) => host.recordAudit(by, { action, businessId, targetId, after }, by.ctx.requestId);
  const forAction = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const action = await autopilot.actions.require(request.params.id).catch(() => undefined);
    if (!action) throw errors.permissionDenied("(#200) You cannot manage this Autopilot action.");
    return { action, ...(await caller(request, action.workspace_id)) };
  };

  type Ws = { Params: { ws: string } };
  app.get<Ws>("/autopilot/workspaces/:ws", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    await autopilot.workspaces.recheck(workspace.id);
    return autopilot.workspaces.view(workspace.id);
  });
  app.get<Ws>("/autopilot/workspaces/:ws/audit", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return { data: await autopilot.audits.auditWorkspace(workspace.id) };
  });
  app.post<Ws>("/autopilot/workspaces/:ws/settings", async (request) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const body = parseBody(settingsBody, request.body);
    if (body.guardrails !== undefined) await autopilot.workspaces.setGuardrails(workspace.id, body.guardrails);
    if (body.mode !== undefined) await autopilot.workspaces.setMode(workspace.id, body.mode);
    await audit(by, workspace.business_id, "autopilot.settings", workspace.id, body);
    return autopilot.workspaces.view(workspace.id);
  });
  app.post<Ws>("/autopilot/workspaces/:ws/kill_switch", async (request) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const body = parseBody(killBody, request.body);
    const view = await autopilot.workspaces.setKillSwitch(workspace.id, body.on);
    await audit(by, workspace.business_id, body.on ? "autopilot.kill" : "autopilot.unkill", workspace.id, body);
    return view;
  });
  app.get<Ws>("/autopilot/workspaces/:ws/queue", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return { data: await autopilot.actions.queue(workspace) };
  });
  app.get<Ws & { Querystring: { limit?: string } }>("/autopilot/workspaces/:ws/log", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 500);
    return { data: await autopilot.actions.log(workspace, limit) };
  });
  app.get<Ws>("/autopilot/workspaces/:ws/alerts", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    const rows = await listAlerts(autopilot.deps.db, workspace.id);
    return { data: rows.map((r) => ({ id: r.id, kind: r.kind, severity: r.severity, title: r.title, body: r.body, created_at: r.created_at, delivery: r.delivery_json ? JSON.parse(r.delivery_json) : null })) };
  });
  app.post<Ws>("/autopilot/workspaces/:ws/commands", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return autopilot.commands.run(workspace.id, parseBody(commandBody, request.body).text);
  });

  /**
   * Scan every connected account, then queue a plan for approval, as NDJSON: `{"progress":{…}}`
   * lines as it goes, then `{"report":{…}}` (or `{"error":{…}}` when it fails after the first line;
   * before that, the usual Graph error). One request carries it all, like the access review's stream.
   */
  app.post<Ws>("/autopilot/workspaces/:ws/scan", async (request, reply) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const { days = 90 } = parseBody(scanBody, request.body);
    await answerWithProgress<ScanAndPlanProgress>(request, reply, async (onProgress) => {
      const report = await autopilot.scanAndPlan(workspace.id, { days, onProgress: (p) => void onProgress(p) });
      const proposed = report.plans.reduce((n, p) => n + p.proposed.length, 0);
      await audit(by, workspace.business_id, "autopilot.scan", workspace.id, { days, scans: report.scans.map((s) => ({ ad_account_id: s.ad_account_id, rows: s.rows })), proposed });
      return { days, ...report };
    });
  });

  app.get<Ws & { Querystring: { connection?: string } }>("/autopilot/workspaces/:ws/creatives", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return { data: await autopilot.creatives.standings(workspace.id, request.query.connection) };
  });

  app.post<Ws>("/autopilot/workspaces/:ws/simulate", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return { data: await autopilot.impact.simulate(workspace.id, parseBody(simulateBody, request.body)) };
  });

  registerPilotRoutes(app, caller, audit, autopilot);

  /** A bulk launch's plan: what the spec describes, named, and what the account already has; validated, nothing created. */
  app.post<Ws>("/autopilot/workspaces/:ws/launch/plan", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    const spec = launchSpecIn(request.body);
    let objects: LaunchPlanObjects | undefined;
    const report = await autopilot.launches.launch(workspace.id, spec, { dryRun: true, onPlan: (_plan, planned) => (objects = planned) });
    return { ...report, objects };
  });

  /** Runs a bulk launch, streamed like the scan: `{"progress":{phase,done,total}}` lines, then `{"report":…}` or `{"error":…}`. */
  app.post<Ws>("/autopilot/workspaces/:ws/launch", async (request, reply) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const spec = launchSpecIn(request.body);
    await answerWithProgress<LaunchProgress>(request, reply, async (onProgress) => {
      const report = await autopilot.launches.launch(workspace.id, spec, { onProgress: (p) => void onProgress(p) });
      const created = Object.fromEntries(["campaign", "creative", "adset", "ad"].map((type) => [type, report.created.filter((o) => o.type === type).length]));
      await audit(by, workspace.business_id, "autopilot.launch", workspace.id, { ad_account_id: report.ad_account_id, campaign: report.plan.campaign, created });
      return report;
    });
  });

  type Act = { Params: { id: string } };
  app.post<Act>("/autopilot/actions/:id/approve", async (request) => {
    const { action, workspace, ...by } = await forAction(request);
    const result = await autopilot.actions.approve(action.id, by.who);
    await audit(by, workspace.business_id, "autopilot.approve", action.id, result);
    return result;
  });
  app.post<Act>("/autopilot/actions/:id/reject", async (request) => {
    const { action, workspace, ...by } = await forAction(request);
    const result = await autopilot.actions.decline(action.id, by.who);
    await audit(by, workspace.business_id, "autopilot.reject", action.id, result);
    return result;
  });
  app.post<Act>("/autopilot/actions/:id/undo", async (request) => {
    const { action, workspace, ...by } = await forAction(request);
    const result = await autopilot.actions.undo(action.id, by.who);
    await audit(by, workspace.business_id, "autopilot.undo", action.id, result);
    return result;
  });

  registerAutopilotConnectRoutes(app, host, autopilot);
}

/**
 * A workspace's pilots for the console: list, start, stop, and the report as JSON, an HTML page or
 * a PDF. Only the workspace's advertiser admins reach them, like every route here.
 */
function registerPilotRoutes(
  app: FastifyInstance,
  caller: ReturnType<typeof autopilotAccess>["workspace"],
  audit: Audit,
  autopilot: Autopilot,
): void {
  type Ws = { Params: { ws: string } };
  type Pilot = { Params: { ws: string; pilot: string } };
  app.get<Ws>("/autopilot/workspaces/:ws/pilots", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return { data: await autopilot.pilots.list(workspace.id), terms: autopilot.pilots.terms() };
  });
  app.post<Ws>("/autopilot/workspaces/:ws/pilots", async (request) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const body = parseBody(pilotBody, request.body);
    const view = await autopilot.pilots.start(workspace.id, { accounts: body.accounts, holdout: body.holdout ?? [], days: body.days ?? PILOT_DAYS.default });
    await audit(by, workspace.business_id, "autopilot.pilot_start", view.id, body);
    return view;
  });
  app.post<Pilot>("/autopilot/workspaces/:ws/pilots/:pilot/stop", async (request) => {
    const { workspace, ...by } = await caller(request, request.params.ws);
    const view = await autopilot.pilots.stop(workspace.id, request.params.pilot);
    await audit(by, workspace.business_id, "autopilot.pilot_stop", view.id, {});
    return view;
  });
  app.get<Pilot>("/autopilot/workspaces/:ws/pilots/:pilot/report", async (request) => {
    const { workspace } = await caller(request, request.params.ws);
    return autopilot.pilots.report(workspace.id, request.params.pilot);
  });
  app.get<Pilot>("/autopilot/workspaces/:ws/pilots/:pilot/report.html", async (request, reply) => {
    const { workspace } = await caller(request, request.params.ws);
    const report = await autopilot.pilots.report(workspace.id, request.params.pilot);
    return reply.type("text/html; charset=utf-8").send(reportHtml(report));
  });
  app.get<Pilot>("/autopilot/workspaces/:ws/pilots/:pilot/report.pdf", async (request, reply) => {
    const { workspace } = await caller(request, request.params.ws);
    const report = await autopilot.pilots.report(workspace.id, request.params.pilot);
    return reply.type("application/pdf").header("content-disposition", `attachment; filename="pilot-${report.pilot.id}.pdf"`).send(await reportPdf(report));
  });
}
