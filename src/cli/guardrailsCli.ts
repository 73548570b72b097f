import type { Command } from "commander";
import type { Config } from "../config/env.ts";
import { operatorContext, systemContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import type { GuardrailView, PendingChangeView } from "../hub/guardrails/guardrail.service.ts";
import { GUARDRAIL_NAMES } from "../hub/guardrails/guardrailRules.ts";

type WithHub = <T>(work: (hub: Hub, config: Config) => Promise<T>) => Promise<T>;
type Print = (json: boolean, value: unknown, text: string) => void;

/** `--max-daily-budget` → `max_daily_budget`, for every guardrail. */
const OPTION_OF: Record<(typeof GUARDRAIL_NAMES)[number], string> = {
  max_daily_budget: "maxDailyBudget",
  max_increase_percent: "maxIncreasePercent",
  max_daily_increase_percent: "maxDailyIncreasePercent",
  max_increase_amount: "maxIncreaseAmount",
  max_daily_increase_amount: "maxDailyIncreaseAmount",
  max_daily_new_spend: "maxDailyNewSpend",
  allowed_hours: "allowedHours",
  allowed_days: "allowedDays",
  protected_objects: "protectedObjects",
  protected_labels: "protectedLabels",
  approval_above: "approvalAbove",
};

/** "max_daily_budget=50000, allowed_hours=09-18". */
export function describeGuardrails(view: GuardrailView): string {
  const set = GUARDRAIL_NAMES.filter((name) => view[name] !== null).map((name) => `${name}=${String(view[name])}`);
  return set.length > 0 ? set.join(", ") : "no limits";
}

function describe(view: GuardrailView): string {
  return `${view.business_name} (${view.business}): ${describeGuardrails(view)}`;
}

function describePending(view: PendingChangeView): string {
  return `${view.id}  ${view.status.padEnd(8)} ${view.object_type} ${view.object_id} ${JSON.stringify(view.params)} — ${view.reason}`;
}

/**
 * `grantline guardrails …`: the limits an ad account's owner sets on a partner (see
 * docs/guardrails.md), run as the operator through the same services as the Graph edge.
 */
export function registerGuardrailCommands(program: Command, withHub: WithHub, print: Print): void {
  const guardrails = program.command("guardrails").description("Partner guardrails: limits an ad account's owner sets on what a partner may do.");

  guardrails
    .command("set")
    .description("Set one partner's guardrails on an ad account (the ones not given keep their values; \"\" clears one).")
    .requiredOption("--account <id>", "ad account (act_<n>)")
    .requiredOption("--business <id>", "the partner's business id")
    .option("--max-daily-budget <minor>", "most daily budget per ad set and per campaign, in minor units")
    .option("--max-increase-percent <n>", "most one change may raise a budget, in percent")
    .option("--max-daily-increase-percent <n>", "most a budget may rise within 24 hours, in percent")
    .option("--max-increase-amount <minor>", "most one change may raise a budget, in minor units")
    .option("--max-daily-increase-amount <minor>", "most a budget may rise within 24 hours, in minor units")
    .option("--max-daily-new-spend <minor>", "most daily spend the partner may add to the account within 24 hours, in minor units")
    .option("--allowed-hours <HH-HH>", "hours the partner may make changes, in the account's time zone")
    .option("--allowed-days <days>", "days the partner may make changes, 0 (Sunday) to 6 or names, comma-separated (1,2,3,4,5 or MON,TUE)")
    .option("--protected-objects <ids>", "campaign, ad set and ad ids the partner may not change, comma-separated")
    .option("--protected-labels <labels>", "ad labels (ids or names, comma-separated) whose campaigns, ad sets and ads the partner may not change; names are stored as the labels' ids")
    .option("--approval-above <minor>", "budgets raised above this wait for an admin's approval")
    .option("--json", "print one line of JSON")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const values: Record<string, unknown> = {};
      for (const name of GUARDRAIL_NAMES) if (opts[OPTION_OF[name]] !== undefined) values[name] = opts[OPTION_OF[name]];
      await withHub(async (hub) => {
        const view = await hub.guardrails.set(operatorContext(), { accountId: String(opts.account), partnerBusinessId: String(opts.business), values });
        print(opts.json === true, view, `Guardrails set on ${opts.account}: ${describe(view)}`);
      });
    });

  guardrails
    .command("show")
    .description("Show the partners' guardrails on an ad account, and the changes waiting for approval.")
    .requiredOption("--account <id>", "ad account (act_<n>)")
    .option("--business <id>", "only this partner")
    .option("--json", "print one line of JSON")
    .action(async (opts: { account: string; business?: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const ctx = operatorContext();
        const views = await hub.guardrails.list(ctx, opts.account, opts.business);
        const pending = (await hub.guardrails.listPending(ctx, opts.account)).filter((p) => !opts.business || p.business === opts.business);
        print(
          opts.json === true,
          { data: views, pending },
          [
            views.length > 0 ? `Guardrails on ${opts.account}:` : `No guardrails on ${opts.account}.`,
            ...views.map((v) => `- ${describe(v)}`),
            ...(pending.length > 0 ? ["Waiting for approval:", ...pending.map((p) => `- ${describePending(p)}`)] : []),
          ].join("\n"),
        );
      });
    });

  guardrails
    .command("remove")
    .description("Remove every guardrail of one partner on an ad account.")
    .requiredOption("--account <id>", "ad account (act_<n>)")
    .requiredOption("--business <id>", "the partner's business id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { account: string; business: string; json?: boolean }) => {
      await withHub(async (hub) => {
        await hub.guardrails.remove(operatorContext(), { accountId: opts.account, partnerBusinessId: opts.business });
        print(opts.json === true, { success: true }, `Guardrails of ${opts.business} on ${opts.account} removed.`);
      });
    });

  guardrails
    .command("expire")
    .description("Expire every held change not decided in time, telling each partner by webhook (serve does this every minute).")
    .option("--json", "print one line of JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHub(async (hub) => {
        const expired = await hub.guardrails.expireAllDue(systemContext());
        print(opts.json === true, { expired }, expired === 1 ? "1 held change expired." : `${expired} held changes expired.`);
      });
    });

  for (const decision of ["approve", "reject"] as const) {
    guardrails
      .command(decision)
      .description(decision === "approve" ? "Approve a held change: it is made now." : "Reject a held change: nothing changes.")
      .requiredOption("--account <id>", "ad account (act_<n>)")
      .requiredOption("--id <id>", "the pending change's id")
      .option("--json", "print one line of JSON")
      .action(async (opts: { account: string; id: string; json?: boolean }) => {
        await withHub(async (hub) => {
          const view = await hub.guardrails.decide(operatorContext(), { accountId: opts.account, pendingId: opts.id, approve: decision === "approve" });
          print(opts.json === true, view, `Pending change ${view.id}: ${view.status}.`);
        });
      });
  }
}
