import { errors } from "../../errors.ts";
import type { Actor } from "../../hub/context.ts";
import type { ImpactForecast } from "../../impactForecast.ts";
import { OutboundError, type OutboundHttp } from "../../net/outbound.ts";
import { accessTokenOf, tokenRequired } from "../../requestToken.ts";
import type { DayTotals } from "./pilot/pilotStats.ts";
import type { AutopilotHost, HostCaller } from "./host.ts";

/** Where the hub serves Autopilot's host (`registerAutopilotHostRoutes`). */
const HOST_PATH = "/autopilot_host";
/** A forecast runs the account 2 × runs × days times on the hub: longer than a plain call. */
const FORECAST_TIMEOUT_MS = 120_000;

/**
 * Autopilot's host on a hub it reaches only over HTTP, as `grantline autopilot serve --hub URL` runs
 * it: every question goes to the hub's /autopilot_host/ routes with `token`, a token of the hub's
 * own Autopilot app; questions about a console caller carry the caller's own hub token, so the hub
 * authenticates and admits them exactly as it does in its own process, and its refusals are
 * passed on as it answered them.
 */
export function hostOverHttp(hubUrl: string, options: { token: string; http: OutboundHttp }): AutopilotHost {
  const base = hubUrl.replace(/\/+$/, "");
  const call = async <T>(path: string, body: unknown, timeoutMs?: number): Promise<T> => {
    let response;
    try {
      response = await options.http.fetch(`${base}${HOST_PATH}/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        ...(timeoutMs ? { timeoutMs } : {}),
        maxBytes: 16 * 1024 * 1024,
      });
    } catch (error) {
      // The hub unreachable is this server's trouble for a while, not the caller's mistake.
      if (error instanceof OutboundError) throw errors.serviceUnavailable();
      throw error;
    }
    const answer = parseJson(response.text());
    if (response.status >= 200 && response.status < 300 && answer !== undefined) return answer as T;
    const graphError = (answer as { error?: Record<string, unknown> } | undefined)?.error;
    if (response.status < 500 && graphError) throw errors.relayed(response.status, graphError);
    throw response.status === 503 ? errors.serviceUnavailable() : errors.internal();
  };
  const about = (caller: HostCaller, businessId: string) => ({ caller_token: caller.accessToken, business_id: businessId });
  return {
    async authenticate(request) {
      const accessToken = accessTokenOf(request);
      if (!accessToken) throw tokenRequired();
      const { who, actor } = await call<{ who: string; actor: Actor }>("callers", { caller_token: accessToken });
      return { ctx: { requestId: request.id, actor }, who, accessToken };
    },
    seesBusiness: async (caller, businessId) => (await call<{ sees: boolean }>("callers/sees_business", about(caller, businessId))).sees,
    admitAdmin: async (caller, businessId) => void (await call("callers/admit_admin", about(caller, businessId))),
    businessName: async (caller, businessId) => (await call<{ name: string | null }>("callers/business_name", about(caller, businessId))).name ?? undefined,
    async recordAudit(caller, entry, requestId) {
      await call("audit", {
        ...(caller ? { caller_token: caller.accessToken } : {}),
        request_id: requestId,
        action: entry.action,
        business_id: entry.businessId,
        target_id: entry.targetId,
        ...(entry.after === undefined ? {} : { after: entry.after }),
      });
    },
    raiseAlert: async (alert) => (await call<{ outcome: unknown }>("alerts", alert)).outcome,
    forecast: (request) => call<ImpactForecast>("forecasts", request, FORECAST_TIMEOUT_MS),
    market: {
      checkpoint: async (accountIds) => (await call<{ checkpoint: string | null }>("market/checkpoints", { account_ids: accountIds })).checkpoint,
      replay: async (checkpoint) => (await call<{ data: DayTotals[] }>("market/replays", { checkpoint }, FORECAST_TIMEOUT_MS)).data,
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
