import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { runGrantlineToExit } from "./cli.ts";

const BIN = path.resolve("bin/grantline.mjs");

export interface HubProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT, from the start-up log line (serve) or the banner (demo). */
  url: string;
  stdout(): string;
  stderr(): string;
  /** `serve`'s standard output, one parsed JSON log line each (every line must be JSON). */
  logLines(): Record<string, unknown>[];
  /** Resolves when its standard output or error matches (it prints its start-up lines after it listens). */
  waitForOutput(pattern: RegExp): Promise<RegExpExecArray>;
  /** Whether the process has exited, and how. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
  /** Sends a signal by the child's own PID. */
  signal(signal: NodeJS.Signals): void;
  /** Ends it if it still runs (SIGKILL), for cleanup. */
  kill(): Promise<void>;
}

/**
 * `grantline <command>` (serve, demo, `autopilot serve --hub URL`) as its own process, as an operator starts it, with only the
 * given environment (plus PATH and HOME); resolves once it has started (PORT=0 picks the port):
 * `serve` and `autopilot serve` say so in a JSON log line on stdout, the demo in its banner on stderr. Rejects with its
 * output when it exits first.
 */
export function startHubProcess(env: Record<string, string | undefined>, command: string | string[] = "serve"): Promise<HubProcess> {
  const args = typeof command === "string" ? [command] : command;
  // `autopilot serve --hub URL` logs its own start-up line.
  const startedMessage = args[0] === "autopilot" ? "Autopilot started" : "Grantline hub started";
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", GRANTLINE_SIM_SITE_PORT: "0", LOG_LEVEL: "info", ...env } });
  let stdout = "";
  let stderr = "";
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const startedUrl = (): string | undefined => {
      // Started: its last start-up line is out (it listens a little before).
      if (args[0] === "demo") return /^Autopilot: /m.test(stderr) ? /listening on (http:\/\/[^\s]+)/.exec(stderr)?.[1] : undefined;
      return new RegExp(`"url":"(http://[^"]+)"[^\\n]*"msg":"${startedMessage}"`).exec(stdout)?.[1];
    };
    const onData = () => {
      const url = startedUrl();
      if (!url) return;
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      resolve({
        child,
        url,
        stdout: () => stdout,
        stderr: () => stderr,
        logLines: () => stdout.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>),
        waitForOutput: (pattern) =>
          new Promise((found, fail) => {
            const look = () => {
              const match = pattern.exec(stdout) ?? pattern.exec(stderr);
              if (!match) return false;
              child.stdout!.off("data", look);
              child.stderr!.off("data", look);
              found(match);
              return true;
            };
            if (look()) return;
            child.stdout!.on("data", look);
            child.stderr!.on("data", look);
            void exit.then(() => fail(new Error(`exited before printing ${pattern}: ${stdout}${stderr}`)));
          }),
        exit,
        exited: () => done,
        signal: (signal) => {
          process.kill(child.pid!, signal);
        },
        kill: async () => {
          if (done) return;
          process.kill(child.pid!, "SIGKILL");
          await exit;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exit.then(({ code, signal }) => reject(new Error(`grantline ${args.join(" ")} exited (${code ?? signal}) before listening: ${stderr}${stdout}`)));
  });
}

/**
 * Runs `grantline <args>` to its end: exit code and output. In-process (`runGrantlineToExit`), except
 * `serve` and `demo`, which run until stopped and end their process: those are spawned.
 */
export function runToExit(env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (args[0] !== "serve" && args[0] !== "demo") return runGrantlineToExit({ LOG_LEVEL: "warn", ...env }, args);
  return spawnToExit(env, ...args);
}

/** Runs the real `bin/grantline.mjs <args>` in its own process to its end: exit code and output. */
export function spawnToExit(env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP listener holding a port, so that whatever else tries it finds it busy. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * A TCP proxy in front of a server (PostgreSQL, here), that the test can cut: `cut()` ends every
 * connection through it and refuses new ones until `restore()`, as a restarting server or a broken
 * network would, without touching the server itself.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const pairs = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      pairs.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        pairs.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut() {
      down = true;
      for (const socket of pairs) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of pairs) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
