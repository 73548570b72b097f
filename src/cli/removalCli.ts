// `grantline verify`: checks that a removed partner, person or app grant reaches nothing any more.
import type { Command } from "commander";
import { CliExit } from "../cliIo.ts";
import { errors } from "../errors.ts";
import { operatorContext } from "../hub/context.ts";
import { print, withHub } from "./commandKit.ts";

/** `grantline verify` (exit 5 when something is still reached). */
export function registerRemovalCommand(program: Command): void {
  program
    .command("verify")
    .description("Verify a removal: nothing reaches the affected assets through a removed partner, person or app grant (exit 5 if something does).")
    .option("--owner <id>", "owner business id (with --partner)")
    .option("--partner <id>", "removed partner business id")
    .option("--business <id>", "business id (with --person)")
    .option("--person <id>", "removed person id")
    .option("--grant <id>", "revoked app grant id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { owner?: string; partner?: string; business?: string; person?: string; grant?: string; json?: boolean }) => {
      const ctx = operatorContext();
      await withHub(async (hub) => {
        let result;
        if (opts.owner && opts.partner) result = await hub.removal.verifyPartnerRemoved(ctx, opts.owner, opts.partner);
        else if (opts.business && opts.person) result = await hub.removal.verifyPersonRemoved(ctx, opts.business, opts.person);
        else if (opts.grant) result = await hub.removal.verifyAppRemoved(ctx, opts.grant);
        else throw errors.invalidParameter("Give --owner and --partner, --business and --person, or --grant.");
        const lines = [
          result.summary,
          `Checked ${result.checked_assets} asset(s).`,
          ...result.remaining.map((r) => `- [${r.kind}] ${r.path}`),
        ];
        print(opts.json === true, result, lines.join("\n"));
        if (!result.verified) throw new CliExit(5);
      });
    });
}
