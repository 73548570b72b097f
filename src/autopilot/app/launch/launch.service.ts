import { errors, GrantlineError } from "../../../errors.ts";
import { adAccountGraphId } from "../../../graphIds.ts";
import { accountClock, zoneOrUtc } from "../accountTime.ts";
import type { ConnectionRow } from "../../store/autopilot.repository.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff, type GraphClient, type GraphParams } from "../graphClient.ts";
import type { WorkspaceService } from "../workspace.service.ts";
import type { AutopilotDeps } from "../context.ts";
import { planLaunch, type LaunchPlan, type LaunchSpec } from "./launchSpec.ts";
import type { LaunchObject, LaunchPhase, LaunchPlanObjects, LaunchProgress, LaunchReport } from "./launchViews.ts";

export type { LaunchObject, LaunchPhase, LaunchPlanObjects, LaunchProgress, LaunchReport };

export interface LaunchOptions {
  dryRun?: boolean;
  onProgress?: (p: LaunchProgress) => void;
  onPlan?: (plan: LaunchReport["plan"], objects: LaunchPlanObjects) => void;
}

/** Meta's answer to `execution_options=["validate_only"]` (https://developers.facebook.com/docs/marketing-api/reference/ad-account/campaigns/#Creating). */
const VALIDATE_ONLY = ["validate_only"];

interface Existing {
  campaignId: string | undefined;
  creatives: Map<string, string>;
  adSets: Map<string, string>;
  /** Per ad set id: ad name → id. */
  ads: Map<string, Map<string, string>>;
}

/**
 * Bulk launches through the Graph, as a partner tool makes them: the plan is read against what the
 * account already holds (objects are found by name, so re-running a spec creates only what is
 * missing), each level is checked with `validate_only` before anything of it is created, everything
 * is created paused and switched on only once all of it exists, and a failure anywhere deletes what
 * this run created, so a launch is all or nothing.
 */
export class LaunchService {
  /** Workspaces with a launch running in this process: two at once would both create what is missing. */
  private readonly running = new Set<string>();

  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async launch(workspaceIdOrName: string, spec: LaunchSpec, options: LaunchOptions = {}): Promise<LaunchReport> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    if (workspace.killed === 1) throw errors.invalidParameter("The kill switch is on: Autopilot launches nothing until it is turned off.");
    if (options.dryRun) return this.launchOnce(workspace.id, spec, options);
    if (this.running.has(workspace.id)) throw errors.autopilotLaunchRunning(workspace.name);
    this.running.add(workspace.id);
    try {
      return await this.launchOnce(workspace.id, spec, options);
    } finally {
      this.running.delete(workspace.id);
    }
  }

  private async launchOnce(workspaceId: string, spec: LaunchSpec, options: LaunchOptions): Promise<LaunchReport> {
    const connection = await this.connectionFor(workspaceId, spec.account);
    const act = adAccountGraphId(connection.ad_account_id);
    return this.workspaces.withClient(connection, "launching ads", async (client) => {
      const account = await client.get<{ timezone_name?: string }>(act, { fields: "timezone_name" });
      const plan = planLaunch(spec, accountClock(this.deps.now(), zoneOrUtc(account.timezone_name)).today);
      options.onProgress?.({ phase: "reading", done: 0, total: 1 });
      const existing = await this.readExisting(client, act, plan);
      const missing = {
        campaign: existing.campaignId === undefined,
        creatives: plan.creatives.filter((c) => !c.existingId && !existing.creatives.has(c.name)),
        adSets: plan.adSets.filter((s) => !existing.adSets.has(s.name)),
        ads: plan.ads.filter((a) => {
          const adSetName = plan.adSets.find((s) => s.key === a.adSetKey)!.name;
          const adSetId = existing.adSets.get(adSetName);
          return !adSetId || !existing.ads.get(adSetId)?.has(a.name);
        }),
      };
      const summary = {
        campaign: plan.campaign.name,
        ad_sets: plan.adSets.length,
        ads: plan.ads.length,
        creatives: plan.creatives.length,
        to_create: { campaigns: missing.campaign ? 1 : 0, creatives: missing.creatives.length, ad_sets: missing.adSets.length, ads: missing.ads.length },
      };
      options.onPlan?.(summary, planObjects(plan, existing));
      const total = (missing.campaign ? 2 : 0) + missing.creatives.length * 2 + missing.adSets.length * 2 + missing.ads.length * 2 + (missing.campaign ? 1 : 0) + missing.adSets.length + missing.ads.length;
      let done = 0;
      const step = (phase: LaunchPhase) => options.onProgress?.({ phase, done: ++done, total });
      const created: LaunchObject[] = [];
      try {
        // Validate what needs no parent first; a dry run stops there (children need real parents to be validated).
        if (missing.campaign) {
          await client.post(`${act}/campaigns`, { ...plan.campaign.params, status: "PAUSED", execution_options: VALIDATE_ONLY });
          step("validating");
        }
        for (const creative of missing.creatives) {
          await client.post(`${act}/adcreatives`, { ...creative.params, execution_options: VALIDATE_ONLY });
          step("validating");
        }
        if (options.dryRun) return { ad_account_id: act, dry_run: true, plan: summary, created, graph_calls: client.calls };

        const campaignId = existing.campaignId ?? (await this.create(client, created, "campaign", plan.campaign.name, `${act}/campaigns`, { ...plan.campaign.params, status: "PAUSED" }, () => step("creating")));
        const creativeIds = new Map(plan.creatives.map((c) => [c.key, c.existingId ?? existing.creatives.get(c.name)]));
        for (const creative of missing.creatives) {
          creativeIds.set(creative.key, await this.create(client, created, "creative", creative.name, `${act}/adcreatives`, creative.params as GraphParams, () => step("creating")));
        }
        const adSetParams = (s: LaunchPlan["adSets"][number]) => ({ ...s.params, name: s.name, campaign_id: campaignId, status: "PAUSED" });
        for (const adSet of missing.adSets) {
          await client.post(`${act}/adsets`, { ...adSetParams(adSet), execution_options: VALIDATE_ONLY });
          step("validating");
        }
        const adSetIds = new Map(plan.adSets.map((s) => [s.key, existing.adSets.get(s.name)]));
        for (const adSet of missing.adSets) adSetIds.set(adSet.key, await this.create(client, created, "adset", adSet.name, `${act}/adsets`, adSetParams(adSet), () => step("creating")));
        const adParams = (a: LaunchPlan["ads"][number]) => ({ name: a.name, adset_id: adSetIds.get(a.adSetKey), creative: { creative_id: creativeIds.get(a.creativeKey) }, status: "PAUSED" });
        for (const ad of missing.ads) {
          await client.post(`${act}/ads`, { ...adParams(ad), execution_options: VALIDATE_ONLY });
          step("validating");
        }
        for (const ad of missing.ads) await this.create(client, created, "ad", ad.name, `${act}/ads`, adParams(ad), () => step("creating"));

        // Everything exists: switch on what this run created, children first, the campaign last.
        for (const object of created.filter((o) => o.type === "ad")) if (plan.adStatus === "ACTIVE") await this.activate(client, object.id, () => step("activating"));
        for (const object of created.filter((o) => o.type === "adset")) if (plan.adSetStatus === "ACTIVE") await this.activate(client, object.id, () => step("activating"));
        if (missing.campaign && plan.campaign.status === "ACTIVE") await this.activate(client, campaignId, () => step("activating"));
        return { ad_account_id: act, dry_run: false, plan: summary, created, graph_calls: client.calls };
      } catch (error) {
        const left = await this.rollBack(client, created, options.onProgress);
        throw launchFailed(error, created.length, left);
      }
    });
  }

  private async connectionFor(workspaceId: string, account: string | undefined): Promise<ConnectionRow> {
    const active = (await this.workspaces.connections(workspaceId)).filter((c) => c.status === "active");
    if (account) {
      const found = active.find((c) => adAccountGraphId(c.ad_account_id) === account);
      if (!found) throw errors.invalidParameter(`${account} is not an active connected account of this workspace.`);
      return found;
    }
    if (active.length !== 1) throw errors.invalidParameter(active.length === 0 ? "No ad account is connected: connect one before launching." : "The workspace has several connected accounts: name one with `account: act_<id>` in the spec.");
    return active[0]!;
  }

  private async readExisting(client: GraphClient, act: string, plan: LaunchPlan): Promise<Existing> {
    // Matched here rather than with `filtering`, which Meta's spec does not list for this edge.
    const campaigns = await client.getAll<{ id: string; name: string }>(`${act}/campaigns`, { fields: "id,name", limit: 500 });
    const campaignId = campaigns.find((c) => c.name === plan.campaign.name)?.id;
    const creatives = new Map<string, string>();
    if (plan.creatives.some((c) => !c.existingId)) {
      for (const c of await client.getAll<{ id: string; name?: string }>(`${act}/adcreatives`, { fields: "id,name", limit: 500 })) if (c.name && !creatives.has(c.name)) creatives.set(c.name, c.id);
    }
    const adSets = new Map<string, string>();
    const ads = new Map<string, Map<string, string>>();
    if (campaignId) {
      for (const s of await client.getAll<{ id: string; name: string }>(`${campaignId}/adsets`, { fields: "id,name", limit: 500 })) if (!adSets.has(s.name)) adSets.set(s.name, s.id);
      for (const adSetId of adSets.values()) {
        const byName = new Map<string, string>();
        for (const a of await client.getAll<{ id: string; name: string }>(`${adSetId}/ads`, { fields: "id,name", limit: 500 })) if (!byName.has(a.name)) byName.set(a.name, a.id);
        ads.set(adSetId, byName);
      }
    }
    return { campaignId, creatives, adSets, ads };
  }

  private async create(client: GraphClient, created: LaunchObject[], type: LaunchObject["type"], name: string, edge: string, params: GraphParams, onDone: () => void): Promise<string> {
    const { id } = await client.post<{ id?: string }>(edge, params);
    if (!id) throw new GraphTransportError("server_error", `The Graph created no id for ${type} "${name}".`);
    created.push({ type, id, name });
    onDone();
    return id;
  }

  private async activate(client: GraphClient, id: string, onDone: () => void): Promise<void> {
    await client.post(id, { status: "ACTIVE" });
    onDone();
  }

  /** Deletes what this run created, children first; returns what could not be deleted. */
  private async rollBack(client: GraphClient, created: LaunchObject[], onProgress?: (p: LaunchProgress) => void): Promise<LaunchObject[]> {
    const order: LaunchObject["type"][] = ["ad", "adset", "creative", "campaign"];
    const ordered = [...created].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    const left: LaunchObject[] = [];
    for (const [index, object] of ordered.entries()) {
      try {
        await client.delete(object.id);
      } catch {
        left.push(object);
      }
      onProgress?.({ phase: "rolling_back", done: index + 1, total: ordered.length });
    }
    return left;
  }
}

function planObjects(plan: LaunchPlan, existing: Existing): LaunchPlanObjects {
  const adSetName = new Map(plan.adSets.map((s) => [s.key, s.name]));
  const creativeOf = new Map(plan.creatives.map((c) => [c.key, c]));
  const adSetId = (name: string) => existing.adSets.get(name) ?? null;
  return {
    campaign: { name: plan.campaign.name, objective: String(plan.campaign.params.objective), status: plan.campaign.status, id: existing.campaignId ?? null },
    creatives: plan.creatives.map((c) => ({ name: c.name, id: c.existingId ?? existing.creatives.get(c.name) ?? null })),
    ad_sets: plan.adSets.map((s) => ({ name: s.name, audience: s.audience, placement: s.placement, id: adSetId(s.name) })),
    ads: plan.ads.map((a) => {
      const set = adSetName.get(a.adSetKey)!;
      const setId = adSetId(set);
      return { name: a.name, ad_set: set, creative: creativeOf.get(a.creativeKey)!.name, id: (setId && existing.ads.get(setId)?.get(a.name)) ?? null };
    }),
  };
}

/** The launch's failure as one clear error: what the Graph said, and what the roll-back did. */
function launchFailed(error: unknown, created: number, left: LaunchObject[]): Error {
  const cause =
    error instanceof GraphApiError ? `(#${error.code}) ${error.userMsg ?? error.message}` : error instanceof RateLimitBackoff || error instanceof GraphTransportError ? error.message : undefined;
  if (cause === undefined && !(error instanceof GrantlineError)) return error instanceof Error ? error : new Error(String(error));
  const reason = cause ?? (error as GrantlineError).options.userMsg ?? (error as GrantlineError).message;
  const rolledBack =
    created === 0
      ? "nothing had been created"
      : left.length === 0
        ? `the ${created} object${created === 1 ? "" : "s"} it had created ${created === 1 ? "was" : "were"} deleted`
        : `${created - left.length} of the ${created} objects it had created were deleted; still there: ${left.map((o) => `${o.type} ${o.id} "${o.name}"`).join(", ")}`;
  return errors.invalidParameter(`The launch stopped: ${reason}. ${rolledBack[0]!.toUpperCase()}${rolledBack.slice(1)}.`);
}
