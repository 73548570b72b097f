import type { Command } from "commander";
import { registerAccountCommands } from "./cli/accountCommands.ts";
import { registerActionCommands } from "./cli/actionCommands.ts";
import type { WithAutopilot } from "./cli/commandHelpers.ts";
import { registerPilotCommands } from "./cli/pilotCommands.ts";
import { registerPlanCommands } from "./cli/planCommands.ts";
import { registerSetupCommands } from "./cli/setupCommands.ts";

export type { WithAutopilot };

/**
 * `grantline autopilot …`: the partner app's commands. They work on the configured store; every
 * read and write of ad data goes through the Graph URL each connection was made with.
 */
export function registerAutopilotAppCommands(program: Command, withAutopilot: WithAutopilot): void {
  const autopilot = program.commands.find((c) => c.name() === "autopilot") ?? program.command("autopilot").description("Autopilot, the guarded media buyer that connects as a partner app.");

  // Help lists the commands in the order they are registered here.
  registerSetupCommands(autopilot, withAutopilot);
  registerAccountCommands(autopilot, withAutopilot);
  registerPilotCommands(autopilot, withAutopilot);
  registerPlanCommands(autopilot, withAutopilot);
  registerActionCommands(autopilot, withAutopilot);
}
