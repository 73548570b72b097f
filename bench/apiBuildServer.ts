/**
 * A child of `npm run bench:api --baseline REF`: serves `GET /act_X/campaigns` from the Graph
 * server of the source tree given as its argument (this checkout, or an earlier build unpacked by
 * the bench), on a fresh SQLite store seeded as the main rows' world, and prints `URL <url>` once
 * it answers. With `bare` instead of a tree it serves the given JSON body from one Fastify route.
 * Each build runs in a process of its own, so neither shares a JIT or a heap with the other.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";

const [root, campaignsArg, bodyFile] = process.argv.slice(2);
process.on("SIGTERM", () => process.exit(0));

if (root === "bare") {
  const payload = JSON.parse(fs.readFileSync(bodyFile!, "utf8")) as unknown;
  const bare = Fastify();
  bare.get("/campaigns", async () => payload);
  await bare.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`URL http://127.0.0.1:${(bare.server.address() as { port: number }).port}/campaigns\n`);
} else {
  const { buildServer } = await import(path.join(root!, "src/http/server.ts"));
  const { bootstrapBusiness, openHub } = await import(path.join(root!, "src/hub/hub.ts"));
  const { RateLimiter } = await import(path.join(root!, "src/graph/rateLimit/rateLimiter.ts"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-build-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  // Trees from before the composition root (src/app) opened their hub with openHub alone.
  const composition = path.join(root!, "src/app/openGrantline.ts");
  const hubOptions = { dataDir: dir, adObjectsMaxAgeMs: 1000 };
  const hub = fs.existsSync(composition) ? await (await import(composition)).openGrantline(hubOptions) : await openHub(hubOptions);
  const unreachable = 1_000_000_000;
  const rateLimiter = new RateLimiter({ appPoints: unreachable, userPoints: unreachable, businessPoints: unreachable, adAccountBasePoints: { development_access: unreachable, standard_access: unreachable } });
  // Logging off on both builds: their telemetry options differ, and the request is what is compared.
  const app = await buildServer(hub, { logLevel: "silent", rateLimiter, accessFreshnessMs: 1000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const owner = await bootstrapBusiness(hub, "Bench Co");
  const post = async (pathName: string, body: Record<string, unknown>) => {
    const response = await fetch(`${base}${pathName}?access_token=${owner.access_token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${pathName}: ${JSON.stringify(json)}`);
    return json;
  };
  const account = await post(`/v24.0/${owner.business_id}/adaccount`, { name: "Bench Account", currency: "USD", timezone_id: 1 });
  for (let i = 0; i < Number(campaignsArg); i++) {
    await post(`/v24.0/${account.id}/campaigns`, { name: `Campaign ${i}`, objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: [], daily_budget: String(1000 + i) });
  }
  const url = `${base}/v24.0/${account.id}/campaigns?fields=id,name,status,daily_budget&access_token=${owner.access_token}`;
  if (bodyFile) fs.writeFileSync(bodyFile, await (await fetch(url)).text());
  process.stdout.write(`URL ${url}\n`);
}
