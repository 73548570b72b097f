// `grantline audit verify`: checks the audit log's hash chain end to end.
import type { Command } from "commander";
import { cliIo, CliExit } from "../cliIo.ts";
import { print, withHub } from "./commandKit.ts";

/** `grantline audit verify` (exit 4 when the chain is broken). */
export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("The audit log.");
  audit
    .command("verify")
    .description("Check the audit log's hash chain; any edited or deleted entry is reported.")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHub(async (hub) => {
        const { stderr } = cliIo();
        const result = await hub.audit.verify((checked, total) => {
          if (!opts.json && stderr.isTTY) stderr.write(`\rchecked ${checked}/${total}`);
        });
        if (!opts.json && stderr.isTTY) stderr.write("\n");
        print(
          opts.json === true,
          result,
          result.ok ? `Audit log intact: ${result.entries} entries verified.` : `Audit log BROKEN at entry ${result.brokenAt}: ${result.problem}.`,
        );
        if (!result.ok) throw new CliExit(4);
      });
    });
}
