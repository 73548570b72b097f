// `grantline troubleshoot …`: the hub's plain-words answers to the common access and spend problems.
import { InvalidArgumentError, type Command } from "commander";
import { ACTION_NAMES, isActionName } from "../hub/catalogue/actions.ts";
import { operatorContext } from "../hub/context.ts";
import { actionName, print, withHub } from "./commandKit.ts";

const answer = (json: boolean, result: { answer: string }) => print(json, result, result.answer);

/** `grantline troubleshoot missing-asset`, `invitation`, `permissions` and `spend-spike`. */
export function registerTroubleshootCommands(program: Command): void {
  const troubleshoot = program.command("troubleshoot").description("Plain-words answers to the common access and spend problems.");
  troubleshoot
    .command("missing-asset")
    .description("Which task is missing for a principal on an asset, and who can grant it.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--action <name>", `one of: ${ACTION_NAMES.join(", ")}`, actionName)
    .option("--json", "print one line of JSON")
    .action(async (opts: { principal: string; asset: string; action?: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const action = opts.action !== undefined && isActionName(opts.action) ? opts.action : undefined;
        answer(opts.json === true, await hub.troubleshoot.missingAsset(operatorContext(), { principalId: opts.principal, assetId: opts.asset, action }));
      });
    });
  troubleshoot
    .command("invitation")
    .description("Why a partner did not receive an invitation: pending offer, wrong or unknown Business ID, expired offer.")
    .requiredOption("--partner <id>", "the partner business that expected the invitation")
    .requiredOption("--owner <id>", "the owner's Business ID as entered")
    .option("--asset <id>", "only this asset")
    .option("--json", "print one line of JSON")
    .action(async (opts: { partner: string; owner: string; asset?: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const input = { partnerBusinessId: opts.partner, ownerBusinessIdEntered: opts.owner, ...(opts.asset ? { assetId: opts.asset } : {}) };
        answer(opts.json === true, await hub.troubleshoot.invitationNotReceived(operatorContext(), input));
      });
    });
  troubleshoot
    .command("permissions")
    .description("What a principal's share and assignment on an asset allow, and what to raise.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--json", "print one line of JSON")
    .action(async (opts: { principal: string; asset: string; json?: boolean }) => {
      await withHub(async (hub) => {
        answer(opts.json === true, await hub.troubleshoot.wrongPermissions(operatorContext(), { principalId: opts.principal, assetId: opts.asset }));
      });
    });
  troubleshoot
    .command("spend-spike")
    .description("Budget, spend cap, bid and status changes on an ad account and everything under it, and who made them.")
    .requiredOption("--asset <id>", "ad account id (act_<n>)")
    .requiredOption("--since <time>", "ISO date or time to look back to", (value) => {
      const at = Date.parse(value);
      if (!Number.isFinite(at)) throw new InvalidArgumentError("an ISO date or time, e.g. 2026-01-01");
      return at;
    })
    .option("--json", "print one line of JSON")
    .action(async (opts: { asset: string; since: number; json?: boolean }) => {
      await withHub(async (hub) => {
        answer(opts.json === true, await hub.troubleshoot.spendSpike(operatorContext(), { assetId: opts.asset, since: opts.since }));
      });
    });
}
