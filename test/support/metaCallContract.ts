/**
 * Checks a Graph call against Meta's own specs (the SDK code-generation JSON in
 * shared/reference/graph-api-specs): the node type's fields for `GET /{id}`, the edge, its
 * parameters and the returned type's fields for `GET|POST /{id}/{edge}`, and the update's
 * parameters for `POST /{id}`. A call Meta does not have is a problem, named.
 */
import fs from "node:fs";
import path from "node:path";
import { startGraphProxy } from "./graphProxy.ts";

interface ApiSpec {
  method: string;
  endpoint: string;
  returns: string;
  params: Set<string>;
}

export interface NodeSpec {
  fields: Set<string>;
  apis: ApiSpec[];
}

/** Parameters every Graph request may carry (https://developers.facebook.com/docs/graph-api/overview/, paging: https://developers.facebook.com/docs/graph-api/results). */
const UNIVERSAL_PARAMS = new Set(["access_token", "appsecret_proof", "limit", "after", "before", "pretty", "locale"]);

/** Meta's specs as shipped in the repository (scripts/generateMetaApiSpecs.ts writes them from the spec folder). */
export function readSpecs(): Map<string, NodeSpec> {
  const file = path.resolve(import.meta.dirname, "meta-api-specs.json");
  const shipped = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: Record<string, { fields: string[]; apis: { method: string; endpoint: string; returns: string; params: string[] }[] }> };
  const specs = new Map<string, NodeSpec>();
  for (const [type, node] of Object.entries(shipped.nodes)) {
    specs.set(type, { fields: new Set(node.fields), apis: node.apis.map((a) => ({ ...a, params: new Set(a.params) })) });
  }
  // AdReportRun (the async insights job) is not among the shipped files; its fields and insights
  // edge as Meta documents them: https://developers.facebook.com/docs/marketing-api/reference/ad-report-run/
  const insights = specs.get("AdAccount")?.apis.find((a) => a.method === "GET" && a.endpoint === "insights");
  specs.set("AdReportRun", {
    fields: new Set(["id", "account_id", "async_percent_completion", "async_status", "date_start", "date_stop", "emails", "friendly_name", "is_bookmarked", "is_running", "schedule_id", "time_completed", "time_ref"]),
    apis: [
      { method: "GET", endpoint: "", returns: "AdReportRun", params: new Set() },
      ...(insights ? [{ ...insights }] : []),
    ],
  });
  return specs;
}

/**
 * Root endpoints of the Graph that belong to no node type, with their parameters:
 * https://developers.facebook.com/docs/graph-api/reference/debug_token/ and
 * https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
const ROOT_ENDPOINTS: Record<string, Set<string>> = {
  "GET debug_token": new Set(["input_token"]),
  "GET oauth/access_token": new Set(["grant_type", "client_id", "client_secret", "fb_exchange_token", "redirect_uri", "code"]),
};

export interface RecordedCall {
  method: string;
  /** Path without the version prefix, e.g. `act_1/insights`. */
  path: string;
  params: Record<string, unknown>;
}

/** Top-level names of a `fields` list, expansions and modifiers stripped (`creative{id}` → `creative`). */
export function topLevelFields(fields: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of fields) {
    if (char === "{" || char === "(") depth++;
    if (char === "}" || char === ")") depth--;
    if (char === "," && depth === 0) {
      out.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (current) out.push(current);
  return out.map((f) => f.trim().split(/[{.(]/)[0]!).filter(Boolean);
}

/** Every way the call differs from Meta's spec; empty when Meta has exactly this call. */
export function checkCall(specs: Map<string, NodeSpec>, typeOf: (id: string) => string | undefined, call: RecordedCall): string[] {
  const label = `${call.method} /${call.path}`;
  const root = ROOT_ENDPOINTS[`${call.method} ${call.path}`];
  const names = Object.keys(call.params).filter((p) => !UNIVERSAL_PARAMS.has(p));
  if (root) return names.filter((p) => !root.has(p)).map((p) => `${label}: Meta's ${call.path} has no parameter "${p}"`);
  const [id, edge = "", ...rest] = call.path.split("/");
  if (rest.length > 0) return [`${label}: Meta has no path this deep`];
  const type = typeOf(id!);
  if (!type) return [`${label}: "${id}" is not an object the test knows`];
  const spec = specs.get(type);
  if (!spec) return [`${label}: no spec for node type ${type}`];
  const api = spec.apis.find((a) => a.method === call.method && a.endpoint === edge);
  if (!api) return [`${label}: ${type} has no ${call.method} ${edge ? `edge ${edge}` : "on the node"} in Meta's spec`];
  const problems: string[] = [];
  for (const name of names) {
    if (name === "fields") continue;
    if (!api.params.has(name) && !(call.method === "GET" && edge === "" && name === "fields")) problems.push(`${label}: ${type} ${call.method} ${edge || "node"} has no parameter "${name}"`);
  }
  const fields = call.params.fields;
  if (typeof fields === "string") {
    // Fields name what comes back: the node's own for GET /{id}, the returned type's for an edge.
    // An async report's fields are the columns of the insights it will hold.
    const returned = edge === "" ? type : api.returns === "AdReportRun" ? "AdsInsights" : api.returns;
    const returnedSpec = specs.get(returned);
    if (!returnedSpec) problems.push(`${label}: no spec for the returned type ${returned}`);
    else for (const field of topLevelFields(fields)) if (!returnedSpec.fields.has(field)) problems.push(`${label}: ${returned} has no field "${field}"`);
  }
  return problems;
}

/**
 * A recording proxy in front of the Graph: forwards every request and keeps what it asked (query
 * and JSON or form body), and the report-run ids the Graph handed out, so their calls can be typed.
 */
export async function startRecordingProxy(target: string) {
  const calls: RecordedCall[] = [];
  const reportRuns = new Set<string>();
  /** Objects created through an account's edges (`POST /act_X/campaigns` → its id). */
  const created: { edge: string; id: string }[] = [];
  const proxy = await startGraphProxy(target, {
    before: ({ method, url: raw, body: bytes, contentType }) => {
      const url = new URL(raw, "http://proxy");
      const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
      const body = bytes.toString("utf8");
      if (body) Object.assign(params, contentType.includes("json") ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body)));
      calls.push({ method, path: url.pathname.replace(/^\/+(v\d+\.\d+\/)?/, "").replace(/\/+$/, ""), params });
      return undefined;
    },
    after: ({ method, url }, { text }) => {
      const run = /"report_run_id"\s*:\s*"(\d+)"/.exec(text);
      if (run) reportRuns.add(run[1]!);
      const edge = /\/act_\d+\/(\w+)/.exec(new URL(url, "http://proxy").pathname)?.[1];
      const id = /^\{"id":"(\d+)"/.exec(text)?.[1];
      if (method === "POST" && edge && id) created.push({ edge, id });
      return undefined;
    },
  });
  return { ...proxy, calls, reportRuns, created };
}
