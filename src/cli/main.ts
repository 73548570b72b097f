import { escapeTerminalOutput, terminalSafe } from "./terminal.ts";
import { cliIo, CliExit, runWithIo, type CliIo, type CliOutput } from "../cliIo.ts";
import { Command, CommanderError } from "commander";
import { registerPeopleCommands } from "../auth/authCli.ts";
import { registerAutopilotCommands } from "../autopilot/bench/command.ts";
import { registerAlertCommands } from "../notify/alertCommands.ts";
import { registerAppCommands } from "../oauth/appsCli.ts";
import { registerGuardrailCommands } from "./guardrailsCli.ts";
import { registerAutopilotAppCommands } from "../autopilot/app/cli.ts";
import { registerAutopilotServeCommands } from "./autopilotServe.ts";
import { print, reportError, withAutopilot, withHub } from "./commandKit.ts";
import { registerStoreCommands } from "./storeCli.ts";
import { registerExplainCommand } from "./explainCli.ts";
import { registerSimCommands } from "./simCli.ts";
import { registerReviewCommands } from "./reviewCli.ts";
import { registerRemovalCommand } from "./removalCli.ts";
import { registerTroubleshootCommands } from "./troubleshootCli.ts";
import { registerAuditCommands } from "./auditCli.ts";

/** The `grantline` program: each group adds its commands in turn, and `--help` lists them in that order. */
export function buildCli(): Command {
  const program = new Command("grantline")
    .description("Partner access to advertising assets, with a Graph-compatible API and Autopilot.")
    .showHelpAfterError()
    .exitOverride()
    // Set before any subcommand is added, so that each inherits it: commander's own help and
    // errors go to the run's streams too.
    .configureOutput({
      writeOut: (text) => cliIo().stdout.write(text),
      writeErr: (text) => cliIo().stderr.write(text),
      getOutHelpWidth: () => helpWidth(cliIo().stdout),
      getErrHelpWidth: () => helpWidth(cliIo().stderr),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });

  registerStoreCommands(program);
  registerExplainCommand(program);
  registerSimCommands(program);
  registerReviewCommands(program);
  registerRemovalCommand(program);
  registerTroubleshootCommands(program);
  registerAuditCommands(program);
  registerPeopleCommands(program, withHub);
  registerAutopilotCommands(program);
  // The partner app's commands join the same `grantline autopilot` group.
  registerAutopilotAppCommands(program, withAutopilot);
  registerAutopilotServeCommands(program, withAutopilot);
  registerAlertCommands(program, withHub, print);
  registerAppCommands(program, withHub);
  registerGuardrailCommands(program, withHub, print);

  return program;
}

/** Commander's help wraps at the terminal's width, else at 80 columns. */
function helpWidth(stream: CliOutput): number {
  return stream.isTTY && stream.columns ? stream.columns : 80;
}

/** Text written to `output` made terminal-safe on the way. */
function safeOutput(output: CliOutput): CliOutput {
  return { write: (text: string) => output.write(terminalSafe(text)), isTTY: output.isTTY, columns: output.columns };
}

/**
 * Runs `grantline ARGS…` on the given streams and settings and resolves with its exit code. Nothing
 * here writes to the process's streams unless given them, reads `process.env`, or ends the process
 * (a stopped server asks `io.endProcess`): bin/grantline.mjs passes the process's own, tests run it
 * in-process with buffers.
 */
export async function main(args: string[], io: CliIo): Promise<number> {
  // The process's own streams are made safe for everything written to them, the server's lines too.
  if (io.stdout === process.stdout) escapeTerminalOutput(process.stdout);
  if (io.stderr === process.stderr) escapeTerminalOutput(process.stderr);
  const run: CliIo = { ...io, stdout: safeOutput(io.stdout), stderr: safeOutput(io.stderr) };
  return runWithIo(run, async () => {
    try {
      await buildCli().parseAsync(args, { from: "user" });
      return 0;
    } catch (error) {
      if (error instanceof CliExit) return error.exitCode;
      if (error instanceof CommanderError) {
        // Commander has already printed what it found wrong while parsing ("error: option …"); an
        // InvalidArgumentError a command's own action throws has not been printed by anyone.
        if (error.code === "commander.invalidArgument" && !error.message.startsWith("error:")) reportError(error);
        return error.exitCode;
      }
      reportError(error);
      return 1;
    }
  });
}

