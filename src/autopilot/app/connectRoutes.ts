import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { GrantlineError } from "../../errors.ts";
import { cardPage, escapeHtml } from "../../web/pageStyle.ts";
import type { Autopilot } from "./autopilot.ts";
import { listWorkspacesOfBusiness } from "../store/connect.repository.ts";
import type { AutopilotHost } from "./host.ts";
import { CALLBACK_PATH, ConnectFlowError, FLOW_TTL_MS } from "./connect.service.ts";
import { autopilotAccess, parseBody } from "./routeAccess.ts";

/** The browser's side of a flow in progress; only the callback path ever sees it. */
export const FLOW_COOKIE = "autopilot_oauth_flow";

const createBody = z.object({ name: z.string().trim().min(1).max(200).optional() }).strict();
const connectBody = z.object({ return_to: z.string().max(500).optional() }).strict();

function withQuery(path: string, params: Record<string, string>): string {
  const url = new URL(path, "http://x");
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return `${url.pathname}${url.search}`;
}

function errorPage(reply: FastifyReply, message: string) {
  void reply.status(400).header("cache-control", "no-store");
  return reply
    .type("text/html; charset=utf-8")
    .send(cardPage("Connecting Autopilot", `<h1>Autopilot could not connect</h1><p class="notice notice-error" role="alert">${escapeHtml(message)}</p><p><a href="/console/">Back to the console</a></p>`));
}

/**
 * Connecting ad accounts through OAuth, and what the console's Autopilot pages read besides the
 * workspace routes: a business's workspaces, creating one, the start of a connection (answers the
 * consent page's URL and sets the flow cookie), the callback, and daily performance for the charts.
 */
export function registerAutopilotConnectRoutes(app: FastifyInstance, host: AutopilotHost, autopilot: Autopilot): void {
  const access = autopilotAccess(host, autopilot);

  type Biz = { Params: { businessId: string } };
  app.get<Biz>("/autopilot/businesses/:businessId/workspaces", async (request) => {
    await access.business(request, request.params.businessId);
    const rows = await listWorkspacesOfBusiness(autopilot.deps.db, request.params.businessId);
    const client = await autopilot.connect.client();
    return {
      data: await Promise.all(
        rows.map(async (r) => {
          await autopilot.workspaces.recheck(r.id);
          return autopilot.workspaces.view(r.id);
        }),
      ),
      oauth_client: client ? { configured: true, client_id: client.client_id, issuer: client.issuer } : { configured: false },
    };
  });

  app.post<Biz>("/autopilot/businesses/:businessId/workspaces", async (request) => {
    const by = await access.business(request, request.params.businessId);
    const body = parseBody(createBody, request.body);
    const businessId = request.params.businessId;
    const name = body.name ?? `${(await host.businessName(by, businessId)) ?? "Business"} (${businessId})`;
    const view = await autopilot.workspaces.create(name, businessId);
    await host.recordAudit(by, { action: "autopilot.workspace", businessId, targetId: view.id, after: { name: view.name } }, request.id);
    return view;
  });

  type Ws = { Params: { ws: string } };
  app.post<Ws>("/autopilot/workspaces/:ws/connect", async (request, reply) => {
    const { workspace, ...by } = await access.workspace(request, request.params.ws);
    const body = parseBody(connectBody, request.body);
    const started = await autopilot.connect.start(workspace.id, { initiatedBy: by.who, returnTo: body.return_to ?? null });
    const callback = new URL(started.callbackUrl);
    // Lax: the consent page's redirect back is a top-level navigation, which carries it.
    void reply.setCookie(FLOW_COOKIE, started.browserBinding, {
      httpOnly: true,
      sameSite: "lax",
      secure: callback.protocol === "https:",
      path: callback.pathname,
      maxAge: Math.floor(FLOW_TTL_MS / 1000),
    });
    await host.recordAudit(by, { action: "autopilot.connect_start", businessId: workspace.business_id, targetId: workspace.id }, request.id);
    return { authorization_url: started.authorizationUrl, expires_at: new Date(started.expiresAt).toISOString() };
  });

  app.get(CALLBACK_PATH, async (request, reply) => {
    const query = new URLSearchParams(request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "");
    const binding = request.cookies[FLOW_COOKIE];
    void reply.clearCookie(FLOW_COOKIE, { path: CALLBACK_PATH });
    void reply.header("cache-control", "no-store");
    try {
      const done = await autopilot.connect.finish(query, binding);
      const connected = done.connected.map((c) => c.ad_account_id).join(",");
      await host.recordAudit(
        null,
        {
          action: "autopilot.connect",
          businessId: done.workspace.business_id,
          targetId: done.workspace.id,
          after: { connected: done.connected.map((c) => c.ad_account_id), pixels: done.pixels, catalogs: done.catalogs, initiated_by: done.initiatedBy },
        },
        request.id,
      );
      if (!done.returnTo) {
        return reply.type("text/html; charset=utf-8").send(cardPage("Autopilot connected", `<h1>Autopilot is connected</h1><p>Connected ${escapeHtml(connected)}.</p><p><a href="/console/">Back to the console</a></p>`));
      }
      return reply.redirect(withQuery(done.returnTo, { connected }), 303);
    } catch (error) {
      if (error instanceof ConnectFlowError) {
        return error.returnTo ? reply.redirect(withQuery(error.returnTo, { connect_error: error.message }), 303) : errorPage(reply, error.message);
      }
      if (error instanceof GrantlineError && error.status < 500) return errorPage(reply, error.options.userMsg ?? error.message);
      throw error;
    }
  });

  app.get<Ws & { Querystring: { days?: string } }>("/autopilot/workspaces/:ws/performance", async (request) => {
    const { workspace } = await access.workspace(request, request.params.ws);
    return { data: await autopilot.performance.daily(workspace.id, Number(request.query.days ?? 30)) };
  });
}
