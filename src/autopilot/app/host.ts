import type { FastifyRequest } from "fastify";
import type { AutopilotAuditAction } from "../../hub/audit/auditActions.ts";
import type { RequestContext } from "../../hub/context.ts";
import type { AlertSink } from "./alerts.ts";
import type { Autopilot } from "./autopilot.ts";
import type { ImpactSimulator, MarketReplay } from "./context.ts";

/** Who called one of Autopilot's console routes, as the hub authenticated them. */
export interface HostCaller {
  /** The hub's view of the caller (who they are, and through which token), for audit entries. */
  ctx: RequestContext;
  /** `person:<id>` or `system_user:<id>`, recorded as who approved or started something. */
  who: string;
  /** The hub token the caller presented, for asking the hub about them again. */
  accessToken: string;
}

/** An entry Autopilot adds to the hub's audit log: what was done to which workspace, pilot or action. */
export interface AutopilotAuditEntry {
  action: AutopilotAuditAction;
  businessId: string | null;
  targetId: string;
  after?: unknown;
}

/**
 * What Autopilot needs of the hub beyond the Graph API it reaches ad accounts through: who is
 * calling its console routes and whether they manage the advertiser, the audit log, the advertiser's
 * alert channels, and the simulated market's forecasts and replays. Adapted in the composition root
 * from the hub in this process (`hostFromHub`), or over HTTP from a hub elsewhere (`hostOverHttp`).
 */
export interface AutopilotHost {
  /** The caller of a console route, from the hub token it presents; Graph's refusal (#190, #104) without a valid one. */
  authenticate(request: FastifyRequest): Promise<HostCaller>;
  /**
   * Whether the caller may know the business exists (one of its people, or of a partner's): to
   * anyone else, a workspace of that business is answered as one that does not exist.
   */
  seesBusiness(caller: HostCaller, businessId: string): Promise<boolean>;
  /** Admits the caller as an admin of the business for managing Autopilot, or throws the hub's refusal, which says why. */
  admitAdmin(caller: HostCaller, businessId: string): Promise<void>;
  /** The business's name as the caller sees it; undefined when the hub does not say. */
  businessName(caller: HostCaller, businessId: string): Promise<string | undefined>;
  /** Records an entry in the hub's audit log as the caller, or as the system (null) when no one is signed in. */
  recordAudit(caller: HostCaller | null, entry: AutopilotAuditEntry, requestId: string): Promise<void>;
  /** Alerts to the advertiser's channels through the hub's notification service. */
  raiseAlert: AlertSink;
  /** Forecasts on the hub's simulated market ("simulate impact"); absent off the simulator. */
  forecast?: ImpactSimulator | undefined;
  /** The simulated market's no-change replay for pilots; absent off the simulator. */
  market?: MarketReplay | undefined;
}

/** Autopilot with the host its console routes ask about callers and record to. */
export interface HostedAutopilot {
  autopilot: Autopilot;
  host: AutopilotHost;
}
