import type { Command } from "commander";
import type { Config } from "../config/env.ts";
import { operatorContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import { cliIo } from "../cliIo.ts";

type WithHub = <T>(work: (hub: Hub, config: Config) => Promise<T>) => Promise<T>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of cliIo().stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** `grantline people set-password --email EMAIL [--json]`, the password read from stdin. */
export function registerPeopleCommands(program: Command, withHub: WithHub): void {
  const people = program.command("people").description("People who sign in to the console.");
  people
    .command("set-password")
    .description(
      "Set a person's password, read from stdin (one line); their sessions end. An address with only a pending invitation is refused: the invited person chooses a password through the link in the invitation mail.",
    )
    .requiredOption("--email <email>", "the person's email")
    .option("--json", "print one line of JSON")
    .action(async (opts: { email: string; json?: boolean }) => {
      const password = (await readStdin()).replace(/\r?\n$/, "");
      await withHub(async (hub) => {
        const person = await hub.auth.setPassword(operatorContext(), opts.email, password);
        cliIo().stdout.write(opts.json ? `${JSON.stringify({ person_id: person.id, email: person.email })}\n` : `Password set for ${person.name} <${person.email}> (${person.id}).\n`);
      });
    });
}
