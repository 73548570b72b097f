/**
 * What the CLI prints from the store goes to an operator's terminal: a name holding ESC could move
 * the cursor or recolour the screen, and a direction override could make text read backwards. Every
 * such character is printed as a visible `\u{…}` escape instead; tabs, line breaks and the carriage
 * return of progress lines stay as they are.
 */
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** Makes every string written to the stream terminal-safe (the CLI's stdout and stderr). */
export function escapeTerminalOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === "string" ? terminalSafe(chunk) : chunk, ...rest)) as typeof stream.write;
}
