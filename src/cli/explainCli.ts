// `grantline explain`: the access engine's answer, in words, to whether a principal can perform an
// action on an asset.
import type { Command } from "commander";
import { CliExit } from "../cliIo.ts";
import { isActionName, ACTION_NAMES } from "../hub/catalogue/actions.ts";
import { assetIdFromGraph } from "../graphIds.ts";
import { describeGuardrails } from "./guardrailsCli.ts";
import { actionName, print, withHub } from "./commandKit.ts";

/** `grantline explain` (exit 3 when the action is denied). */
export function registerExplainCommand(program: Command): void {
  program
    .command("explain")
    .description("Why a principal can or cannot perform an action on an asset, and what would change it.")
    .requiredOption("--principal <id>", "person or system user id")
    .requiredOption("--action <name>", `one of: ${ACTION_NAMES.join(", ")}`, actionName)
    .requiredOption("--asset <id>", "asset id (act_<n> for ad accounts)")
    .option("--json", "print JSON")
    .action(async (opts: { principal: string; action: string; asset: string; json?: boolean }) => {
      await withHub(async (hub) => {
        if (!isActionName(opts.action)) return;
        const explanation = hub.engine.explain({ principalId: opts.principal }, opts.action, assetIdFromGraph(opts.asset));
        // Tasks may allow a write that a partner guardrail still limits: name those as the missing link.
        const guardrails = await hub.guardrails.bindingOn(opts.principal, opts.asset);
        const lines = [
          `${explanation.allowed ? "ALLOWED" : "DENIED"}: ${explanation.reason}`,
          ...(explanation.fix ? [`Fix: ${explanation.fix}`] : []),
          ...explanation.paths.map((p) => `  path: ${p.via} [${p.tasks.join(", ")}]`),
          ...guardrails.map((g) => `  limited by the partner guardrails ${describeGuardrails(g)} that ${explanation.asset?.ownerName ?? "the owner"} set on ${g.business_name}; its admins can change them`),
        ];
        print(opts.json === true, guardrails.length > 0 ? { ...explanation, guardrails } : explanation, lines.join("\n"));
        if (!explanation.allowed) throw new CliExit(3);
      });
    });
}
