// `grantline autopilot queue|approve|reject|undo|run|resolve|kill|log|ask|monitor`: Autopilot's
// actions: the approval queue and the decisions on it, autopilot cycles, settling unknown writes,
// the kill switch, the action log, text commands and the monitors.
import type { Command } from "commander";
import { CliExit } from "../../../cliIo.ts";
import { entryLine, print, whole, type WithAutopilot } from "./commandHelpers.ts";

export function registerActionCommands(autopilot: Command, withAutopilot: WithAutopilot): void {
  autopilot
    .command("queue")
    .description("The approval queue (proposals whose data changed expire).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const queue = await ap.actions.queue(await ap.workspaces.require(opts.workspace));
        print(opts.json === true, queue, queue.length === 0 ? "Nothing waiting for approval." : queue.map((e) => `${entryLine(e)}\n    evidence: ${JSON.stringify(e.evidence)}\n    expected: ${e.expected_effect}`).join("\n"));
      });
    });

  for (const [name, description] of [
    ["approve", "Approve a queued action: it is executed at once through the guarded path."],
    ["reject", "Reject a queued action."],
    ["undo", "Undo a confirmed action (the opposite change, through the same path)."],
  ] as const) {
    autopilot
      .command(name)
      .description(description)
      .requiredOption("--action <id>", "action id")
      .option("--by <name>", "who decides (recorded in the log)", "operator")
      .option("--json", "print JSON")
      .action(async (opts: { action: string; by: string; json?: boolean }) => {
        await withAutopilot(async (ap) => {
          const result = name === "approve" ? await ap.actions.approve(opts.action, opts.by) : name === "reject" ? await ap.actions.decline(opts.action, opts.by) : await ap.actions.undo(opts.action, opts.by);
          print(opts.json === true, result, `${result.state}: ${result.text}`);
          if (result.state === "REJECTED" || result.state === "refused") throw new CliExit(6);
        });
      });
  }

  autopilot
    .command("run")
    .description("One autopilot cycle: resolve unknown writes, plan, apply within the guardrails (autopilot mode only).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const report = await ap.run(opts.workspace);
        print(opts.json === true, report, [...report.resolved.map((r) => `resolved ${r.state}: ${r.text}`), ...report.executed.map((r) => `${r.state}: ${r.text}`), ...report.notes.map((n) => `note: ${n}`)].join("\n") || "Nothing to do.");
      });
    });

  autopilot
    .command("resolve")
    .description("Read back every UNKNOWN write and settle it as CONFIRMED or REJECTED (never written again).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const results = await ap.actions.resolveAll(await ap.workspaces.require(opts.workspace));
        print(opts.json === true, results, results.map((r) => `${r.state}: ${r.text}`).join("\n") || "No unknown writes.");
      });
    });

  autopilot
    .command("kill")
    .description("Kill switch: stop every automated action at once (--off to resume).")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--off", "turn the kill switch off")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; off?: boolean; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const view = await ap.workspaces.setKillSwitch(opts.workspace, opts.off !== true);
        print(opts.json === true, view, view.kill_switch ? `Kill switch ON for ${view.name}: no action will be written.` : `Kill switch off for ${view.name}.`);
      });
    });

  autopilot
    .command("log")
    .description("The action log in plain language, newest first.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--limit <n>", "entries", whole(1, 500), 50)
    .option("--json", "print JSON (with Meta's rule-history shape)")
    .action(async (opts: { workspace: string; limit: number; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const log = await ap.actions.log(await ap.workspaces.require(opts.workspace), opts.limit);
        print(opts.json === true, log, log.length === 0 ? "No actions yet." : log.map(entryLine).join("\n"));
      });
    });

  autopilot
    .command("ask")
    .description('A text command or question, e.g. "raise Lookalike budget by 15%" (changes are queued for confirmation).')
    .requiredOption("--workspace <name>", "workspace name or id")
    .argument("<text...>", "the command")
    .option("--json", "print JSON")
    .action(async (text: string[], opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const result = await ap.commands.run(opts.workspace, text.join(" "));
        print(opts.json === true, result, result.kind === "proposal" ? `${result.text}\nApprove with: grantline autopilot approve --action ID` : result.text);
      });
    });

  autopilot
    .command("monitor")
    .description("Run the monitors: spend spikes, disapproved ads, failing landing pages, expiring tokens.")
    .requiredOption("--workspace <name>", "workspace name or id")
    .option("--json", "print JSON")
    .action(async (opts: { workspace: string; json?: boolean }) => {
      await withAutopilot(async (ap) => {
        const reports = await ap.monitors.run(opts.workspace);
        print(
          opts.json === true,
          reports,
          reports
            .map((r) => `${r.ad_account_id}: spend ${r.spend ? (r.spend.tooLittleData ? "too little data" : r.spend.spike ? "SPIKE" : "normal") : "not checked"}, ${r.disapproved.length} disapproved, ${r.urls.filter((u) => !u.ok).length}/${r.urls.length} landing pages failing, ${r.paused.length} paused, ${r.queued.length} pauses queued; alerts: ${r.alerts.join(", ") || "none"}`)
            .join("\n"),
        );
      });
    });
}
