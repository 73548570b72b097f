import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { backoffMs, GraphCallError, GraphClient, isRateLimitCode, pacingDelayMs, readUsage } from "../../src/graph/client/graphClient.ts";

/** A scripted Graph on a loopback port: each request gets the next answer (status, headers, body). */
async function scriptedGraph(answers: { status?: number; headers?: Record<string, string>; body: unknown }[]) {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? ""}`);
    const answer = answers.shift() ?? { status: 500, body: { error: { code: 1, message: "script ran out" } } };
    response.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const rateLimited = (code: number, headers: Record<string, string> = {}) => ({ status: 400, headers, body: { error: { code, message: "User request limit reached", type: "OAuthException" } } });

describe("the review's Graph client", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("reads the fullest bucket and any announced wait from Meta's three usage headers", () => {
    const headers = new Headers({
      "x-app-usage": '{"call_count":12,"total_time":40,"total_cputime":7}',
      "x-business-use-case-usage": '{"123":[{"type":"ads_management","call_count":70,"total_cputime":3,"total_time":5,"estimated_time_to_regain_access":0}]}',
      "x-ad-account-usage": '{"acc_id_util_pct":9.5,"reset_time_duration":120}',
    });
    expect(readUsage(headers)).toEqual({ pct: 70, regainMs: 0 });
    const blocked = new Headers({ "x-business-use-case-usage": '{"9":[{"type":"business_management","call_count":100,"estimated_time_to_regain_access":3}]}' });
    expect(readUsage(blocked)).toEqual({ pct: 100, regainMs: 180_000 });
    const accountFull = new Headers({ "x-ad-account-usage": '{"acc_id_util_pct":100,"reset_time_duration":45}' });
    expect(readUsage(accountFull)).toEqual({ pct: 100, regainMs: 45_000 });
    // Unparsable or missing headers say nothing.
    expect(readUsage(new Headers({ "x-app-usage": "{nope" }))).toEqual({ pct: 0, regainMs: 0 });
  });

  it("paces nothing below half a quota, more as a bucket fills, and the announced wait when Meta names one", () => {
    expect(pacingDelayMs({ pct: 49, regainMs: 0 }, { basePauseMs: 100 })).toBe(0);
    expect(pacingDelayMs({ pct: 50, regainMs: 0 }, { basePauseMs: 100 })).toBe(100);
    expect(pacingDelayMs({ pct: 95, regainMs: 0 }, { basePauseMs: 100 })).toBe(1000);
    expect(pacingDelayMs({ pct: 80, regainMs: 0 }, { basePauseMs: 100 })).toBeGreaterThan(pacingDelayMs({ pct: 60, regainMs: 0 }, { basePauseMs: 100 }));
    expect(pacingDelayMs({ pct: 20, regainMs: 90_000 }, { basePauseMs: 100 })).toBe(90_000);
    expect([4, 17, 32, 613, 80000, 80004, 80014].every(isRateLimitCode)).toBe(true);
    expect([1, 10, 100, 190, 200, 80015].some(isRateLimitCode)).toBe(false);
    expect([1, 2, 3, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 300_000]);
  });

  it("waits out a rate-limit error for the time Meta announces, then retries, with the token in the Authorization header", async () => {
    const graph = await scriptedGraph([
      rateLimited(80004, { "x-business-use-case-usage": '{"act_1":[{"type":"ads_management","call_count":100,"estimated_time_to_regain_access":2}]}' }),
      { headers: { "x-app-usage": '{"call_count":95,"total_time":1,"total_cputime":1}' }, body: { id: "1", name: "Acme" } },
      { body: { id: "1" } },
    ]);
    close = graph.close;
    const waits: [number, string][] = [];
    const client = new GraphClient({ baseUrl: graph.url, token: "tok", version: "v24.0", sleep: async () => undefined, onWait: (ms, why) => waits.push([ms, why]) });
    expect(await client.request("GET", "1", { fields: "id,name" })).toEqual({ id: "1", name: "Acme" });
    // The second answer said 95% used: the next call waits first.
    await client.request("GET", "1");
    expect(waits).toEqual([
      [120_000, "rate_limited"],
      [2000, "pacing"],
    ]);
    expect(client.calls).toBe(3);
    expect(graph.seen[0]).toBe("GET /v24.0/1?fields=id%2Cname Bearer tok");
  });

  it("backs off on repeated throttling and gives up after its tries; a refused token is not retried", async () => {
    const graph = await scriptedGraph([rateLimited(17), rateLimited(17), rateLimited(17), { status: 400, body: { error: { code: 190, message: "Error validating access token" } } }]);
    close = graph.close;
    const waits: number[] = [];
    const client = new GraphClient({ baseUrl: graph.url, token: "tok", maxTries: 3, sleep: async (ms) => void waits.push(ms) });
    const throttled = await client.request("GET", "me").catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(GraphCallError);
    expect((throttled as GraphCallError).code).toBe(17);
    expect(waits).toEqual([1000, 2000]);
    const refused = await client.request("GET", "me").catch((e: unknown) => e);
    expect((refused as GraphCallError).badToken).toBe(true);
    expect(client.calls).toBe(4);
  });

  it("follows an edge's pages by their after cursor", async () => {
    const graph = await scriptedGraph([
      { body: { data: [{ id: "a" }], paging: { cursors: { after: "c1" }, next: "http://x/1/edge?after=c1" } } },
      { body: { data: [{ id: "b" }], paging: { cursors: { after: "c2" } } } },
    ]);
    close = graph.close;
    const client = new GraphClient({ baseUrl: graph.url, token: "tok" });
    const first = await client.page("1/edge", { fields: "id" });
    expect(first).toEqual({ data: [{ id: "a" }], after: "c1" });
    // No `next`: the last page, whatever its cursors say.
    expect(await client.page("1/edge", { fields: "id" }, first.after)).toEqual({ data: [{ id: "b" }], after: undefined });
    expect(graph.seen[1]).toContain("after=c1");
  });
});
