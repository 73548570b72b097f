/** The console reads and writes everything through the hub's Graph surface with the signed-in person's token. */

import type { GraphErrorBody, GraphList } from "./wire.ts";

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly body: GraphErrorBody,
  ) {
    super(body.error_user_msg || body.message);
  }

  /** Meta answers HTTP 400 for most errors; the Graph code says what happened. */
  get isNotFound(): boolean {
    return this.body.code === 803 || (this.body.code === 100 && this.body.error_subcode === 33);
  }

  get isPermissionDenied(): boolean {
    return this.body.code === 200 || this.body.code === 10;
  }
}

let currentToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setAccessToken(token: string | null): void {
  currentToken = token;
}

export function onTokenRejected(handler: () => void): void {
  onUnauthorized = handler;
}

type Params = Record<string, string | number | boolean | string[] | Record<string, unknown> | undefined | null>;

function encode(params: Params): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    search.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return search;
}

async function send<T>(method: "GET" | "POST" | "DELETE", path: string, params: Params = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (currentToken) headers.authorization = `Bearer ${currentToken}`;
  let url = path;
  let body: string | undefined;
  if (method === "GET" || method === "DELETE") {
    const query = encode(params).toString();
    if (query) url += `${path.includes("?") ? "&" : "?"}${query}`;
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(params);
  }
  const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): the status alone explains it.
  }
  if (!response.ok) {
    const error = (json as { error?: GraphErrorBody } | undefined)?.error ?? { message: `The server answered ${response.status}.` };
    if (error.code === 190) onUnauthorized?.();
    throw new GraphError(response.status, error);
  }
  return json as T;
}

export const graph = {
  get: <T>(path: string, params?: Params) => send<T>("GET", path, params),
  post: <T>(path: string, params?: Params) => send<T>("POST", path, params),
  delete: <T>(path: string, params?: Params) => send<T>("DELETE", path, params),
  /** Every page of an edge (the console's lists are small: a business's people, assets and partners). */
  async all<T>(path: string, params: Params = {}): Promise<T[]> {
    const items: T[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 50; pages += 1) {
      const page = await send<GraphList<T>>("GET", path, { limit: 100, ...params, after });
      items.push(...page.data);
      after = page.paging?.cursors?.after;
      if (!page.paging?.next || !after) break;
    }
    return items;
  },
};

/**
 * Reads an NDJSON answer line by line (a long computation's progress, then its result): each
 * `{"progress"}` line goes to `onProgress`, the `{"report"}` line is returned, an `{"error"}` line
 * or a failed status throws like any Graph error. A POST sends `params` as its JSON body.
 */
export async function graphStream<P, T>(path: string, params: Params, onProgress: (progress: P) => void, method: "GET" | "POST" = "GET"): Promise<T> {
  const headers: Record<string, string> = currentToken ? { authorization: `Bearer ${currentToken}` } : {};
  let response: Response;
  if (method === "POST") {
    response = await fetch(path, { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(params), credentials: "same-origin" });
  } else {
    const query = encode(params).toString();
    response = await fetch(`${path}${query ? `?${query}` : ""}`, { headers, credentials: "same-origin" });
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => undefined)) as { error?: GraphErrorBody } | undefined;
    if (body?.error?.code === 190) onUnauthorized?.();
    throw new GraphError(response.status, body?.error ?? { message: `The server answered ${response.status}.` });
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += value ?? "";
    const lines = buffer.split("\n");
    buffer = done ? "" : (lines.pop() ?? "");
    for (const line of lines.filter((l) => l.trim() !== "")) {
      const message = JSON.parse(line) as { progress?: P; report?: T; error?: GraphErrorBody };
      if (message.error) throw new GraphError(response.status, message.error);
      if (message.report !== undefined) return message.report;
      if (message.progress !== undefined) onProgress(message.progress);
    }
    if (done) throw new GraphError(response.status, { message: "The answer ended before the report." });
  }
}

/** Saves a file the hub answers (an access review's evidence) under `fileName`, fetched with the person's token. */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: currentToken ? { authorization: `Bearer ${currentToken}` } : {}, credentials: "same-origin" });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: GraphErrorBody } | undefined;
    throw new GraphError(response.status, body?.error ?? { message: `The server answered ${response.status}.` });
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function errorMessage(error: unknown): string {
  if (error instanceof GraphError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
