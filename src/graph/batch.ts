import crypto from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { errors, type GrantlineError } from "../errors.ts";
import { batchItemHeaders, type GraphCaller } from "../web/graphAuth.ts";
import type { GraphParams } from "./params.ts";
import { evaluateJsonPath, referenceText } from "./batchJsonPath.ts";

const MAX_BATCH = 50;

/**
 * Marks the requests a batch runs, so a batch item cannot itself be a batch. The value is this
 * process's secret: a client sending the header cannot make its own batch look nested, nor hide one.
 */
const BATCH_ITEM_HEADER = "x-grantline-batch-item";
const batchItemSecret = crypto.randomBytes(16).toString("hex");

/** Whether this request is an item of a batch (run by `runBatch`), not a client's own request. */
export function isBatchItem(request: FastifyRequest): boolean {
  return request.headers[BATCH_ITEM_HEADER] === batchItemSecret;
}

const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

const itemSchema = z.object({
  method: z.string().default("GET"),
  relative_url: z.string().min(1),
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  name: z.string().min(1).optional(),
  depends_on: z.string().min(1).optional(),
  omit_response_on_success: flag.optional(),
});
type BatchItem = z.output<typeof itemSchema>;

interface BatchResponse {
  code: number;
  headers?: { name: string; value: string }[];
  body: string;
}

/** `{result=name:$.path}`, also when the client URL-encoded it. */
const REFERENCE = /\{result=([^:{}]+):([^{}]+)\}/g;
const ENCODED_REFERENCE = /%7Bresult%3D.*?%7D/gi;

/** The operations an item reads from: its `depends_on` and every `{result=…}` it names. */
function dependenciesOf(item: BatchItem): Set<string> {
  const names = new Set<string>(item.depends_on ? [item.depends_on] : []);
  const texts = [item.relative_url, ...(typeof item.body === "string" ? [item.body] : Object.values(item.body ?? {}).filter((v) => typeof v === "string"))];
  for (const text of texts) for (const match of decodeReferences(text).matchAll(REFERENCE)) names.add(match[1]!);
  return names;
}

function decodeReferences(text: string): string {
  return text.replace(ENCODED_REFERENCE, (encoded) => {
    try {
      return decodeURIComponent(encoded);
    } catch {
      return encoded;
    }
  });
}

/**
 * `POST /` with `batch=[…]`: each item runs as its own request through the same routes (same
 * checks, same audit), with the batch's token unless the item carries one, and comes back as
 * `{code, headers, body}` with the body as a JSON string. Items run in order; one may name
 * another (`name`) and use its result through `{result=name:$.jsonpath}` in its URL or body, or
 * wait on it with `depends_on`. An item whose parent failed is not run. A named item's answer is
 * left out (`null`) once a later item used it, unless it says `omit_response_on_success: false`;
 * `include_headers=false` drops the headers.
 */
export async function runBatch(app: FastifyInstance, request: FastifyRequest, caller: GraphCaller, params: GraphParams): Promise<(BatchResponse | null)[]> {
  const parsed = z.array(itemSchema).safeParse(params.batch);
  if (!parsed.success) {
    throw errors.invalidParameter("The parameter batch must be a JSON list of {method, relative_url, body, name, depends_on} requests.");
  }
  const items = parsed.data;
  if (items.length === 0 || items.length > MAX_BATCH) {
    throw errors.invalidParameter(`A batch holds between 1 and ${MAX_BATCH} requests.`);
  }
  const includeHeaders = flag.safeParse(params.include_headers ?? true);
  const withHeaders = includeHeaders.success ? includeHeaders.data : true;
  const positions = new Map<string, number>();
  items.forEach((item, index) => {
    if (item.name !== undefined && !positions.has(item.name)) positions.set(item.name, index);
  });

  const out: (BatchResponse | null)[] = [];
  const results = new Map<string, { ok: boolean; json: unknown }>();
  const used = new Set<number>();
  const refuse = (error: GrantlineError): BatchResponse => ({
    code: error.status,
    ...(withHeaders ? { headers: [] } : {}),
    body: JSON.stringify({ error: error.toGraph(request.id) }),
  });

  for (const [index, item] of items.entries()) {
    const problem = dependencyProblem(item, index, positions, results);
    if (problem) {
      out.push(refuse(errors.invalidParameter(problem)));
      continue;
    }
    const method = item.method.toUpperCase();
    if (!["GET", "POST", "DELETE"].includes(method)) {
      out.push(refuse(errors.invalidParameter(`Unsupported method ${item.method}.`)));
      continue;
    }
    let url: string;
    let body: string | undefined;
    try {
      url = `/${substitute(item.relative_url, results, true).replace(/^\/+/, "")}`;
      body =
        typeof item.body === "string"
          ? substitute(item.body, results, true)
          : item.body
            ? formEncode(Object.fromEntries(Object.entries(item.body).map(([k, v]) => [k, typeof v === "string" ? substitute(v, results, false) : v])))
            : undefined;
    } catch (error) {
      out.push(refuse(error as GrantlineError));
      continue;
    }
    for (const name of dependenciesOf(item)) used.add(positions.get(name)!);
    const response = await app.inject({
      method: method as "GET" | "POST" | "DELETE",
      url,
      headers: {
        authorization: `Bearer ${caller.accessToken}`,
        [BATCH_ITEM_HEADER]: batchItemSecret,
        ...batchItemHeaders(caller),
        ...(body !== undefined && method !== "GET" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        host: request.headers.host ?? "localhost",
      },
      ...(body !== undefined && method !== "GET" ? { payload: body } : {}),
    });
    if (item.name !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(response.body);
      } catch {
        json = undefined;
      }
      results.set(item.name, { ok: response.statusCode < 300, json });
    }
    out.push({
      code: response.statusCode,
      ...(withHeaders
        ? {
            headers: Object.entries(response.headers)
              .filter(([name]) => name.toLowerCase().startsWith("x-") || name.toLowerCase() === "content-type")
              .map(([name, value]) => ({ name, value: String(value) })),
          }
        : {}),
      body: response.body,
    });
  }
  // A parent's answer is left out once it succeeded and fed a later operation, as on Meta.
  for (const index of used) {
    const response = out[index];
    if (response && response.code < 300 && items[index]!.omit_response_on_success !== false) out[index] = null;
  }
  return out;
}

/** Why an item cannot run: a parent that is unknown, comes later, or failed. */
function dependencyProblem(
  item: BatchItem,
  index: number,
  positions: Map<string, number>,
  results: Map<string, { ok: boolean }>,
): string | undefined {
  for (const name of dependenciesOf(item)) {
    const position = positions.get(name);
    if (position === undefined) return `No operation in this batch is named ${name}.`;
    if (position >= index) return `The operation named ${name} must come before the operations that depend on it.`;
    if (!results.get(name)?.ok) return `Not run: it depends on the operation named ${name}, which failed.`;
  }
  return undefined;
}

/** Replaces every `{result=name:$.path}` with what the path selects in that operation's result. */
function substitute(text: string, results: Map<string, { json: unknown }>, urlEncoded: boolean): string {
  return decodeReferences(text).replace(REFERENCE, (_whole, name: string, path: string) => {
    const values = evaluateJsonPath(results.get(name)?.json, path.trim());
    if (values === undefined) throw errors.invalidParameter(`Unsupported JSONPath ${path} in a reference to ${name}.`);
    if (values.length === 0) throw errors.invalidParameter(`The JSONPath ${path} matched nothing in the result of ${name}.`);
    const value = referenceText(values);
    return urlEncoded ? encodeURIComponent(value).replace(/%2C/g, ",") : value;
  });
}

function formEncode(fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]);
  return new URLSearchParams(pairs).toString();
}
