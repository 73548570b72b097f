import { runGrantlineToExit } from "../support/cli.ts";

/** A minimal browser over fetch: keeps cookies per name, sends them back, does not follow redirects. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Raw Set-Cookie headers of the last response. */
  lastSetCookies: string[] = [];

  constructor(readonly baseUrl: string) {}

  async request(method: string, pathOrUrl: string, options: { json?: unknown; form?: Record<string, string> | URLSearchParams; headers?: Record<string, string> } = {}) {
    const url = new URL(pathOrUrl, this.baseUrl);
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = (options.form instanceof URLSearchParams ? options.form : new URLSearchParams(options.form)).toString();
    }
    const response = await fetch(url, { method, headers, body, redirect: "manual" });
    this.lastSetCookies = response.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /expires=thu, 01 jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let json: Record<string, any> | undefined;
    try {
      json = JSON.parse(text) as Record<string, any>;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: json ?? {} };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request("GET", path, { headers });
  }

  post(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request("POST", path, { json: json ?? {}, headers });
  }
}

/** Runs `grantline …` (in-process) with text on stdin, as `echo pw | grantline people set-password` would. */
export function runGrantlineWithStdin(env: Record<string, string | undefined>, stdin: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runGrantlineToExit(env, args, { stdin });
}
