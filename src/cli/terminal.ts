import { UNSAFE_TEXT_CHARACTERS } from "../inputLimits.ts";

/**
 * What the CLI prints from the store goes to an operator's terminal: a name holding ESC could move
 * the cursor or recolour the screen, and a direction override could make text read backwards. Every
 * such character is printed as a visible `\uXXXX` escape instead; tabs, line breaks and the carriage
 * return of progress lines stay as they are.
 */
export function terminalSafe(text: string): string {
  // `\uXXXX` reads plainly on a terminal and is a valid escape inside the JSON that `--json` prints.
  return text.replace(UNSAFE_TEXT_CHARACTERS, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** Makes every string written to the stream terminal-safe (the CLI's stdout and stderr). */
export function escapeTerminalOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === "string" ? terminalSafe(chunk) : chunk, ...rest)) as typeof stream.write;
}
