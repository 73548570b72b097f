import { isDeepStrictEqual } from "node:util";
import { GraphClient } from "../graph/client/graphClient.ts";
import { applyFixThroughGraph, type AppliedGraphFix } from "../graph/client/graphFixes.ts";
import type { Finding } from "../hub/review/findings.ts";
import { reviewThroughGraph, type GraphReviewReport } from "../graph/client/graphReview.ts";
import { FileCheckpoint } from "./reviewCheckpoint.ts";

export interface GraphReviewCliOptions {
  graphUrl: string;
  business: string;
  token: string;
  windowDays: number;
  checkpoint?: string;
  resume?: boolean;
  /** Progress lines; stderr in the CLI. */
  progress: (line: string) => void;
  /** Injected by tests so that rate-limit waits need not pass in real time. */
  sleep?: (ms: number) => Promise<void>;
}

/** Default checkpoint file of a business's Graph-sourced review, in the working directory. */
export const defaultCheckpointPath = (businessId: string) => `grantline-review-${businessId.replace(/[^A-Za-z0-9_-]/g, "_")}.checkpoint.jsonl`;

/**
 * `grantline review --graph-url URL --business ID --token T`: the access review read through the
 * Graph API only. Pages read are kept in a checkpoint file as they arrive, so `--resume` after an
 * interruption (a crash, Ctrl-C, a token that expired mid-way) re-reads nothing already read; the
 * file is removed once the review completes.
 */
export async function runGraphReview(options: GraphReviewCliOptions): Promise<GraphReviewReport> {
  let url: URL;
  try {
    url = new URL(options.graphUrl);
  } catch {
    throw new Error(`--graph-url must be an http(s) URL such as https://graph.facebook.com or http://127.0.0.1:8080, not ${JSON.stringify(options.graphUrl)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("--graph-url must be an http(s) URL.");
  const version = /^\/(v\d+\.\d+)\/?$/.exec(url.pathname)?.[1];
  const baseUrl = url.origin;
  const path = options.checkpoint ?? defaultCheckpointPath(options.business);
  const identity = { graph_url: options.graphUrl, business_id: options.business, window_days: options.windowDays };
  const checkpoint = options.resume
    ? FileCheckpoint.resume(path, identity)
    : FileCheckpoint.start(path, { kind: "grantline-graph-review", ...identity, now: Date.now() });
  if (options.resume) options.progress(`Resuming the review of business ${options.business}: ${checkpoint.size} page(s) already read.`);
  const client = new GraphClient({
    baseUrl,
    version,
    token: options.token,
    sleep: options.sleep,
    onWait: (ms, reason) => {
      if (ms >= 1000) options.progress(`${reason === "pacing" ? "Pacing by the usage headers" : reason === "rate_limited" ? "Rate-limited" : "Server error"}: waiting ${Math.ceil(ms / 1000)} s.`);
    },
  });
  let lastPhase = "";
  try {
    const report = await reviewThroughGraph(client, {
      businessId: options.business,
      windowDays: options.windowDays,
      now: checkpoint.header.now,
      cache: checkpoint,
      onProgress: ({ done, total, phase, calls }) => {
        if (phase === lastPhase) return;
        lastPhase = phase;
        options.progress(`[${done}/${total}] ${phase} (${calls} Graph call(s))`);
      },
    });
    checkpoint.remove();
    return report;
  } catch (error) {
    // Nothing read, nothing to resume: no file is left behind (a bad token fails on the first call).
    if (checkpoint.size === 0 && !options.resume) checkpoint.remove();
    else {
      checkpoint.close();
      options.progress(`The review stopped; what was read is kept in ${path}. Run the same command with --resume to go on.`);
    }
    throw error;
  }
}

/**
 * `grantline review --graph-url … --apply-fix JSON`: applies one fix of the business's current
 * Graph-sourced findings (the review is run first, so a stale or hand-made fix is refused, as the
 * hub's own one-click fixes are), confirms it by re-reading and checks the removal from the Graph.
 */
export async function applyGraphReviewFix(
  options: Omit<GraphReviewCliOptions, "checkpoint" | "resume"> & { fix: string },
): Promise<{ finding: Pick<Finding, "kind" | "principal" | "asset" | "path">; result: AppliedGraphFix }> {
  let wanted: { action?: unknown; params?: unknown };
  try {
    wanted = JSON.parse(options.fix) as { action?: unknown; params?: unknown };
  } catch {
    throw new Error('--apply-fix takes a finding\'s fix as JSON: {"action": "...", "params": {...}}.');
  }
  const url = new URL(options.graphUrl);
  const client = new GraphClient({ baseUrl: url.origin, version: /^\/(v\d+\.\d+)\/?$/.exec(url.pathname)?.[1], token: options.token, sleep: options.sleep });
  options.progress(`Reviewing business ${options.business} to find the fix among its current findings…`);
  const report = await reviewThroughGraph(client, { businessId: options.business, windowDays: options.windowDays, now: Date.now() });
  const finding = report.findings.find((f) => f.fix.action === wanted.action && isDeepStrictEqual(f.fix.params, wanted.params));
  if (!finding) throw new Error("This fix is not among the business's current findings; run the review again and copy a fix from it.");
  options.progress(`Applying: ${finding.fix.description}`);
  const result = await applyFixThroughGraph(client, options.business, finding.fix);
  return { finding: { kind: finding.kind, principal: finding.principal, asset: finding.asset, path: finding.path }, result };
}
