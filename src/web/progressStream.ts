import type { FastifyReply, FastifyRequest } from "fastify";
import { asGraphError } from "./errorHandler.ts";

/**
 * Answers a long operation as NDJSON: a `{"progress":…}` line each time `work` reports, then
 * `{"report":…}` with what it returns. An error before the first line is the usual Graph error
 * response; after it, the answer ends with an `{"error":…}` line in the Graph envelope. One request
 * carries it all, so it works behind any load balancer.
 */
export async function answerWithProgress<P>(request: FastifyRequest, reply: FastifyReply, work: (progress: (p: P) => Promise<void>) => Promise<unknown>): Promise<void> {
  let streaming = false;
  const line = (value: unknown) => reply.raw.write(`${JSON.stringify(value)}\n`);
  const start = () => {
    if (streaming) return;
    streaming = true;
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  };
  try {
    const report = await work(async (progress) => {
      start();
      line({ progress });
      // Let the line leave before work that holds the event loop goes on.
      await new Promise((resolve) => setImmediate(resolve));
    });
    start();
    line({ report });
    reply.raw.end();
  } catch (error) {
    if (!streaming) throw error;
    line({ error: asGraphError(error, request).toGraph(request.id) });
    reply.raw.end();
  }
}
