import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { errors } from "../errors.ts";
import type { GraphCaller } from "./graphAuth.ts";
import type { GraphParams } from "./params.ts";

const MAX_BATCH = 50;

const itemSchema = z.object({
  method: z.string().default("GET"),
  relative_url: z.string().min(1),
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  name: z.string().optional(),
});

/**
 * `POST /` with `batch=[…]`: each item runs as its own request through the same routes (same
 * checks, same audit), with the batch's token unless the item carries one, and comes back as
 * `{code, headers, body}` with the body as a JSON string.
 */
export async function runBatch(app: FastifyInstance, request: FastifyRequest, caller: GraphCaller, params: GraphParams): Promise<unknown[]> {
  const parsed = z.array(itemSchema).safeParse(params.batch);
  if (!parsed.success) {
    throw errors.invalidParameter("The parameter batch must be a JSON list of {method, relative_url, body} requests.");
  }
  if (parsed.data.length === 0 || parsed.data.length > MAX_BATCH) {
    throw errors.invalidParameter(`A batch holds between 1 and ${MAX_BATCH} requests.`);
  }
  const out: unknown[] = [];
  for (const item of parsed.data) {
    const method = item.method.toUpperCase();
    if (!["GET", "POST", "DELETE"].includes(method)) {
      out.push({ code: 400, headers: [], body: JSON.stringify({ error: errors.invalidParameter(`Unsupported method ${item.method}.`).toGraph(request.id) }) });
      continue;
    }
    const url = `/${item.relative_url.replace(/^\/+/, "")}`;
    const body = typeof item.body === "string" ? item.body : item.body ? formEncode(item.body) : undefined;
    const response = await app.inject({
      method: method as "GET" | "POST" | "DELETE",
      url,
      headers: {
        authorization: `Bearer ${caller.accessToken}`,
        ...(body !== undefined && method !== "GET" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        host: request.headers.host ?? "localhost",
      },
      ...(body !== undefined && method !== "GET" ? { payload: body } : {}),
    });
    out.push({
      code: response.statusCode,
      headers: Object.entries(response.headers)
        .filter(([name]) => name.toLowerCase().startsWith("x-") || name.toLowerCase() === "content-type")
        .map(([name, value]) => ({ name, value: String(value) })),
      body: response.body,
    });
  }
  return out;
}

function formEncode(fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]);
  return new URLSearchParams(pairs).toString();
}
