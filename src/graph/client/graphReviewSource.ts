import { errors, GrantlineError } from "../../errors.ts";
import { guardedFetch, OutboundError, type OutboundHttp } from "../../net/outbound.ts";
import type { FindingFix } from "../../hub/review/findings.ts";
import type { GraphFixCheck, GraphGrant, GraphReading, GraphReviewSource, GraphTarget } from "../../hub/review/graphCampaign.ts";
import type { ReviewProgress, ReviewSnapshot } from "../../hub/review/reviewSnapshot.ts";
import { GraphCallError, GraphClient } from "./graphClient.ts";
import { applyFixThroughGraph } from "./graphFixes.ts";
import { GraphReviewRefused, reviewThroughGraph } from "./graphReview.ts";

/**
 * The hub's reader of other Graph APIs for Graph-sourced review campaigns: the same review and
 * fixes as `grantline review --graph-url`, with every call going through the outbound guard (a
 * tenant gives the URL) and every failure turned into a Graph-style error that names what the
 * other API answered, never the token.
 */
export class GraphReviewClientSource implements GraphReviewSource {
  constructor(private readonly options: { outbound: OutboundHttp; sleep?: (ms: number) => Promise<void> }) {}

  async businessName(target: GraphTarget): Promise<string> {
    // https://developers.facebook.com/docs/marketing-api/reference/business/ (fields id, name)
    const business = await this.call(target, (client) => client.request("GET", target.businessId, { fields: "id,name" }));
    return typeof business.name === "string" && business.name !== "" ? business.name : target.businessId;
  }

  async read(target: GraphTarget, options: { windowDays?: number; now?: number; onProgress?: (progress: ReviewProgress) => void } = {}): Promise<GraphReading> {
    let read: { snapshot: ReviewSnapshot; owned: ReadonlySet<string> } | undefined;
    const report = await this.call(target, (client) =>
      reviewThroughGraph(client, {
        businessId: target.businessId,
        windowDays: options.windowDays ?? 90,
        now: options.now ?? Date.now(),
        onProgress: options.onProgress,
        onSnapshot: (snapshot, owned) => (read = { snapshot, owned }),
      }),
    );
    if (!read) throw errors.internal();
    return { businessName: read.snapshot.business.name, report, ...grantsOf(read.snapshot, read.owned) };
  }

  async apply(target: GraphTarget, fix: FindingFix): Promise<GraphFixCheck> {
    return this.call(target, (client) => applyFixThroughGraph(client, target.businessId, fix));
  }

  private async call<T>(target: GraphTarget, work: (client: GraphClient) => Promise<T>): Promise<T> {
    const url = new URL(target.graphUrl);
    const guarded = guardedFetch(this.options.outbound, 30_000);
    const client = new GraphClient({
      baseUrl: url.origin,
      version: /^\/(v\d+\.\d+)\/?$/.exec(url.pathname)?.[1],
      token: target.token,
      sleep: this.options.sleep,
      fetch: (href, init) => guarded(href, { method: init.method, headers: init.headers as Record<string, string>, body: init.body }),
    });
    try {
      return await work(client);
    } catch (error) {
      throw asGrantlineError(error, target);
    }
  }
}

/** What the other API answered, as one of the hub's errors (the token never appears in it). */
function asGrantlineError(error: unknown, target: GraphTarget): unknown {
  if (error instanceof GrantlineError) return error;
  const at = `the Graph API at ${target.graphUrl} (business ${target.businessId})`;
  if (error instanceof GraphReviewRefused) return errors.graphReviewFailed(`${at}: ${error.message}`);
  if (error instanceof GraphCallError) {
    if (error.badToken) return errors.graphReviewFailed(`${at} refused the business's token: (#${error.code}) ${error.graphMessage}. Give a new token.`);
    return errors.graphReviewFailed(`${at} answered ${error.path}: (#${error.code}) ${error.graphMessage}`);
  }
  if (error instanceof OutboundError) return errors.graphReviewFailed(`${at} could not be called: ${error.message}`);
  // graphFixes.ts refuses a fix it cannot carry out with a plain message.
  if (error instanceof Error) return errors.invalidParameter(error.message);
  return error;
}

/** The grants on the business's own assets, as a campaign lists them: its assignments and its partners' shares. */
function grantsOf(snapshot: ReviewSnapshot, owned: ReadonlySet<string>): { assignments: GraphGrant[]; shares: GraphGrant[] } {
  const assetOf = (id: string) => {
    const asset = snapshot.assets.get(id)!;
    return { id: asset.id, type: asset.type, name: asset.name };
  };
  const tasksOf = (json: string) => (JSON.parse(json) as unknown[]).map(String);
  const assignments = snapshot.assignments
    .filter((a) => owned.has(a.asset_id))
    .map((a) => ({ id: a.id, asset: assetOf(a.asset_id), principal: { id: a.principal_id, ...snapshot.principal(a.principal_id) }, tasks: tasksOf(a.tasks) }));
  const shares = snapshot.shares
    .filter((s) => owned.has(s.asset_id))
    .map((s) => ({ id: s.id, asset: assetOf(s.asset_id), principal: { id: s.partner_business_id, name: s.partner_name, type: "business" }, tasks: tasksOf(s.tasks) }));
  return { assignments, shares };
}
