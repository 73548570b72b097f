/** The console reads and writes everything through the hub's Graph surface with the signed-in person's token. */

export interface GraphErrorBody {
  message: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_user_msg?: string;
  fbtrace_id?: string;
}

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

export interface GraphList<T> {
  data: T[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
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

// ---- the shapes the console reads --------------------------------------------------------------

export type AssetType = "ad_account" | "page" | "pixel" | "instagram_account" | "product_catalog" | "creative_hub_project";

export interface Person {
  id: string;
  name: string;
  email?: string;
}

export interface MyBusiness {
  id: string;
  name: string;
  role: string;
}

export interface Business {
  id: string;
  name: string;
  verification_status?: string;
  two_factor_type?: string;
  created_time?: string;
}

export interface Asset {
  id: string;
  name: string;
  account_id?: string;
  permitted_tasks?: string[];
}

export interface Share {
  id: string;
  asset: { id: string; asset_id: string; type: AssetType; name: string };
  owner: { id: string; name: string };
  partner: { id: string; name: string };
  status: "ACTIVE" | "PENDING";
  initiated_by: "OWNER" | "PARTNER";
  direction: "INCOMING" | "OUTGOING";
  permitted_tasks: string[];
  access_level: string;
  expiration_time?: string;
  end_time?: string;
}

export interface PermissionLevel {
  level: string;
  label: string;
  description: string;
  tasks: string[];
}

export interface Capability {
  action: string;
  label: string;
  allowed: boolean;
  reason: string;
  fix: string | null;
}

export interface RemovalVerification {
  removed: { kind: string; id: string; name: string; from: string | null };
  verified: boolean;
  checked_assets: number;
  remaining: { kind: string; asset: { id: string; name: string } | null; principal: { id: string; name: string } | null; path: string }[];
  summary: string;
}

export const ASSET_TYPES: { type: AssetType; label: string; plural: string; owned: string; client: string | null }[] = [
  { type: "ad_account", label: "Ad account", plural: "Ad accounts", owned: "owned_ad_accounts", client: "client_ad_accounts" },
  { type: "page", label: "Page", plural: "Pages", owned: "owned_pages", client: "client_pages" },
  { type: "pixel", label: "Pixel", plural: "Pixels", owned: "owned_pixels", client: "client_pixels" },
  { type: "instagram_account", label: "Instagram account", plural: "Instagram accounts", owned: "owned_instagram_assets", client: "client_instagram_assets" },
  { type: "product_catalog", label: "Product catalog", plural: "Product catalogs", owned: "owned_product_catalogs", client: "client_product_catalogs" },
  { type: "creative_hub_project", label: "Creative Hub project", plural: "Creative Hub projects", owned: "creative_hub_projects", client: null },
];

export function assetTypeLabel(type: string): string {
  return ASSET_TYPES.find((t) => t.type === type)?.label ?? type;
}

/** The id a Graph path takes for an asset: `act_<n>` for ad accounts. */
export function graphIdOf(type: AssetType, id: string): string {
  return type === "ad_account" && !id.startsWith("act_") ? `act_${id}` : id;
}

export function formatTime(value: string | undefined | null): string {
  if (!value) return "—";
  const date = new Date(value.replace(/\+0000$/, "Z"));
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

/** A time as its date and its time of day, apart ("Dec 7, 2026" and "4:48 AM UTC"), for two short lines in a narrow column. */
export function formatTimeParts(value: string | undefined | null): { date: string; time: string } | undefined {
  if (!value) return undefined;
  const date = new Date(value.replace(/\+0000$/, "Z"));
  if (Number.isNaN(date.getTime())) return undefined;
  return {
    date: date.toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" }),
    time: `${date.toLocaleTimeString("en-US", { timeStyle: "short", timeZone: "UTC" })} UTC`,
  };
}

/** "1 day", "2 days", "1 finding": a count with its noun, in the singular for one. */
/** A Graph enum value as words, capitalised as Business Settings shows it: OUTCOME_SALES → "Sales", FINANCE_EDITOR → "Finance editor". */
export function enumWords(value: string): string {
  const words = value.replace(/^OUTCOME_/, "").replaceAll("_", " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}
