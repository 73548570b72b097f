import { AsyncLocalStorage } from "node:async_hooks";

/** Where a CLI run writes text: the process's stdout or stderr, or a buffer when it runs in-process. */
export interface CliOutput {
  write(text: string): unknown;
  /** A terminal: progress rewrites one line. Absent or false for a pipe, a file or a buffer. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * What one `grantline` run reads and writes: the process's own streams and environment for the
 * command (bin/grantline.mjs), buffers and a given environment for a run in-process (tests).
 */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** The settings the run reads (as `process.env` for the real command). */
  env: Record<string, string | undefined>;
  /** Read by the commands that take input on stdin (`people set-password`). */
  stdin: AsyncIterable<string | Buffer>;
  /**
   * Ends the process once a server (`serve`, `demo`) has stopped, so that whatever a library still
   * holds open cannot keep it alive. Only the real command passes it; a run without it returns.
   */
  endProcess?: (code: number) => void;
}

/** The run's end with a given exit code, thrown by a command after it has printed its result. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "CliExit";
  }
}

const current = new AsyncLocalStorage<CliIo>();

/** The streams and settings of the run in progress; only a command of a run (`main`) asks. */
export function cliIo(): CliIo {
  const io = current.getStore();
  if (!io) throw new Error("no grantline run in progress: commands run through main()");
  return io;
}

/** Runs `work` with `io` as the run's streams and settings, for everything it awaits. */
export function runWithIo<T>(io: CliIo, work: () => Promise<T>): Promise<T> {
  return current.run(io, work);
}

/** A command's result on the run's stdout: one line of JSON with `--json`, else the text. */
export function print(json: boolean, value: unknown, text: string): void {
  cliIo().stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}
