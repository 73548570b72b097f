// `grantline review …`: a business's access review, read from the hub or through a Graph API (where
// one finding's fix can also be applied), and its review campaigns.
import fs from "node:fs";
import type { Command } from "commander";
import { cliIo, CliExit } from "../cliIo.ts";
import { GrantlineError } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import { operatorContext } from "../hub/context.ts";
import type { AccessReviewReport } from "../hub/review/findings.ts";
import { GraphReviewClientSource } from "../graph/client/graphReviewSource.ts";
import { applyGraphReviewFix, runGraphReview } from "./graphReviewCli.ts";
import { days, print, withHub } from "./commandKit.ts";

/** `--token` or the contents of `--token-file` (which keeps it out of the process list). */
function readToken(opts: { token?: string; tokenFile?: string }, cmd: Command): string {
  const token = opts.tokenFile !== undefined ? fs.readFileSync(opts.tokenFile, "utf8").trim() : opts.token;
  if (!token) cmd.error("error: --graph-url needs --token <token> or --token-file <file>");
  return token;
}

/**
 * `review campaign start --graph-url`: holds the business for review by a business of this hub
 * (its token sealed) and starts a campaign over what its Graph API shows now.
 */
async function startGraphCampaign(
  hub: Hub,
  graph: { graphUrl: string; business: string; token: string; heldBy?: string },
  terms: { name?: string; closePolicy: string; dueInDays: number },
  cmd: Command,
) {
  hub.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: hub.outbound }));
  const holder = graph.heldBy ?? graph.business;
  const ctx = operatorContext();
  try {
    const target = await hub.reviewCampaigns.addGraphTarget(ctx, holder, { graphUrl: graph.graphUrl, graphBusinessId: graph.business, token: graph.token });
    return await hub.reviewCampaigns.start(ctx, holder, { ...terms, graphTargetId: target.id });
  } catch (error) {
    if (graph.heldBy === undefined && error instanceof GrantlineError && error.id === "UNKNOWN_BUSINESS") {
      cmd.error(`error: business ${graph.business} is not a business of this hub; give --held-by <id>, the business of this hub whose admins decide the campaign`);
    }
    throw error;
  }
}

/** `grantline review`, and `grantline review campaign start` and `close`. */
export function registerReviewCommands(program: Command): void {
  const review = program
    .command("review")
    .description("Access review findings for a business: unused, stale, over-privileged and external access, risky apps, ending shares, 2FA gaps.")
    // Not requiredOption: commander checks a parent's required options for its subcommands too.
    .option("--business <id>", "business id (required)")
    .option("--window-days <n>", "days of history to judge use by", days, 90)
    .option("--json", "print one line of JSON")
    .option("--graph-url <url>", "review through this Graph API only (Meta's, or a Grantline hub's), with --token")
    .option("--token <token>", "with --graph-url: an access token of the business (business_management)")
    .option("--token-file <file>", "with --graph-url: read the token from this file instead (keeps it out of the process list)")
    .option("--checkpoint <file>", "with --graph-url: where pages read are kept until the review completes")
    .option("--resume", "with --graph-url: go on from the checkpoint of an interrupted review")
    .option("--apply-fix <json>", "with --graph-url: apply one finding's fix through the Graph API and check it (exit 5 if the check fails)")
    .action(async (opts: { business?: string; windowDays: number; json?: boolean; graphUrl?: string; token?: string; checkpoint?: string; resume?: boolean; applyFix?: string; tokenFile?: string }, cmd: Command) => {
      if (!opts.business) cmd.error("error: required option '--business <id>' not specified");
      const businessId = opts.business;
      const printReport = (report: AccessReviewReport & { not_reviewed?: { what: string; why: string }[] }) => {
        const lines = report.findings.map((f) => {
          const who = [f.principal?.name, f.asset?.name].filter(Boolean).join(" on ");
          const fixes = f.fixes ?? [f.fix];
          const fixLines =
            fixes.length > 1 ? `    Fixes, narrowest first:\n${fixes.map((x, i) => `      ${i + 1}. (${x.action}) ${x.description}`).join("\n")}` : `    Fix (${f.fix.action}): ${f.fix.description}`;
          return `- [${f.kind}] ${who}\n    ${f.path}\n${fixLines}`;
        });
        const gaps = (report.not_reviewed ?? []).map((g) => `- NOT REVIEWED: ${g.what}: ${g.why}`);
        print(
          opts.json === true,
          report,
          [`Access review of business ${report.business_id} over the last ${report.window_days} days: ${report.findings.length} finding(s).`, ...lines, ...gaps].join("\n"),
        );
      };
      if (opts.applyFix !== undefined && opts.graphUrl === undefined) cmd.error("error: --apply-fix needs --graph-url and --token");
      if (opts.graphUrl !== undefined) {
        opts.token = readToken(opts, cmd);
        // On a terminal, progress rewrites one line; otherwise (a log, CI) each step is a line.
        const { stderr } = cliIo();
        const tty = stderr.isTTY === true;
        let open = false;
        const progress = (line: string) => {
          stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
          open = tty;
        };
        const endProgress = () => {
          if (open) stderr.write("\n");
          open = false;
        };
        if (opts.applyFix !== undefined) {
          const applied = await applyGraphReviewFix({ graphUrl: opts.graphUrl, business: businessId, token: opts.token, windowDays: opts.windowDays, fix: opts.applyFix, progress }).finally(endProgress);
          const check = applied.result.removal_check;
          print(
            opts.json === true,
            applied,
            [
              `${applied.result.summary} ${applied.result.confirmed ? "Confirmed by reading it back." : "NOT confirmed: the Graph still shows the old state."}`,
              check.verified ? "Removal check: nothing reaches it any more through that path." : "Removal check FAILED:",
              ...check.remaining.map((r) => `- ${r}`),
            ].join("\n"),
          );
          if (!applied.result.confirmed || !check.verified) throw new CliExit(5);
          return;
        }
        const report = await runGraphReview({
          graphUrl: opts.graphUrl,
          business: businessId,
          token: opts.token,
          windowDays: opts.windowDays,
          checkpoint: opts.checkpoint,
          resume: opts.resume,
          progress,
        }).finally(endProgress);
        printReport(report);
        return;
      }
      await withHub(async (hub) => {
        printReport(await hub.review.findings(operatorContext(), businessId, { windowDays: opts.windowDays }));
      });
    });

  // `review` owns --business and --json, and commander hands a parent's options to the parent even
  // after a subcommand's name, so the campaign commands read them with optsWithGlobals().
  const reviewCampaign = review.command("campaign").description("Access review campaigns: every grant of a business's assets, decided by its admins.");
  reviewCampaign
    .command("start")
    .description("Start a campaign now for the business given by --business ID (its admins certify, downgrade or revoke each grant); --json prints one line.")
    .option("--close-policy <policy>", "what closing does to undecided items: skip or revoke", "skip")
    .option("--name <name>", "campaign name")
    .option("--due-in-days <n>", "days until the campaign is due", days, 14)
    .option("--held-by <id>", "with --graph-url: the business of this hub whose admins decide the campaign (default --business, when it is one)")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        business?: string;
        closePolicy: string;
        name?: string;
        dueInDays: number;
        json?: boolean;
        graphUrl?: string;
        token?: string;
        tokenFile?: string;
        heldBy?: string;
      }>();
      if (!opts.business) cmd.error("error: required option '--business <id>' not specified");
      const businessId = opts.business;
      await withHub(async (hub) => {
        const terms = { name: opts.name, closePolicy: opts.closePolicy, dueInDays: opts.dueInDays };
        const campaign =
          opts.graphUrl === undefined
            ? await hub.reviewCampaigns.start(operatorContext(), businessId, terms)
            : await startGraphCampaign(hub, { graphUrl: opts.graphUrl, business: businessId, token: readToken(opts, cmd), heldBy: opts.heldBy }, terms, cmd);
        print(
          opts.json === true,
          campaign,
          `Started campaign ${campaign.id} "${campaign.name}"${campaign.graph ? ` over business ${campaign.graph.business_id} read through ${campaign.graph.url}, held by ${campaign.business_id},` : ""} with ${campaign.items} item(s), due ${campaign.due_at}; undecided items will be ${campaign.close_policy === "revoke" ? "revoked" : "skipped"} at close.`,
        );
      });
    });
  reviewCampaign
    .command("close")
    .description("Close a campaign: undecided items are skipped or revoked, per its close policy; --json prints one line.")
    .requiredOption("--campaign <id>", "campaign id")
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ campaign: string; json?: boolean }>();
      await withHub(async (hub) => {
        hub.reviewCampaigns.connectGraph(new GraphReviewClientSource({ outbound: hub.outbound }));
        const summary = await hub.reviewCampaigns.close(operatorContext(), opts.campaign);
        print(opts.json === true, summary, `Closed campaign ${summary.campaign.id}: ${summary.revoked} item(s) revoked, ${summary.skipped} skipped (close policy ${summary.policy}).`);
      });
    });
}
