/**
 * `npm run conformance`: how much of Meta's Graph specs the Graph surface answers. For every node
 * type Grantline serves that Meta's specs describe, one real object is made in a fresh hub on a
 * temporary SQLite store, and `GET /{id}?fields=<every field of the spec>` is asked through the
 * whole HTTP surface (inject). Each field is counted as returned, refused with Meta's #100, or
 * absent (known, but left out as Meta leaves out fields without a value); each edge of the spec
 * Meta reads with GET as served when the node has it and `GET /{id}/{edge}` answers 200. An absent
 * field counts as answered when the node declares it (src/graph/fieldCoverage.ts: a field nothing
 * in the market sets, which Meta leaves out too), and as unanswered otherwise.
 * Insights rows (AdsInsights) are asked at the ad account's insights edge.
 *
 * Options: --specs DIR (Meta's spec JSON; default ../shared/reference/graph-api-specs beside the
 * repository when present, else the names the repository ships in src/graph/metaFields.ts),
 * --verbose (list the fields and edges of each count).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { FastifyInstance } from "fastify";
import { buildGraphRegistry } from "../src/graph/graphRegistry.ts";
import { answeredFields, INSIGHTS_WITHOUT_DATA } from "../src/graph/fieldCoverage.ts";
import { typeNameOf } from "../src/graph/graphRender.ts";
import { buildServer } from "../src/http/server.ts";
import { operatorContext } from "../src/hub/context.ts";
import { openGrantline, type Grantline } from "../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../src/hub/hub.ts";
import { DEFAULT_SPEC_DIR, readSpecDir, shippedSpecs, type NodeTypeSpec } from "./metaSpecs.ts";

const { values } = parseArgs({ options: { specs: { type: "string" }, verbose: { type: "boolean", default: false } } });
if (values.specs !== undefined && !fs.existsSync(values.specs)) {
  console.error(`--specs ${values.specs}: no such folder`);
  process.exit(1);
}
const specDir = values.specs ?? (fs.existsSync(DEFAULT_SPEC_DIR) ? DEFAULT_SPEC_DIR : undefined);
const specs = specDir ? readSpecDir(specDir) : shippedSpecs();

interface Row {
  type: string;
  returned: string[];
  refused: string[];
  absent: string[];
  fieldsInSpec: number;
  served: string[];
  failing: string[];
  missing: string[];
  edgesInSpec: number;
  note?: string;
}

type Answer = { status: number; body: Record<string, unknown> & { error?: { code?: number; message?: string }; data?: Record<string, unknown>[] } };

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-conformance-"));
  const hub = await openGrantline({ dataDir });
  const app = await buildServer(hub, { logLevel: "silent" });
  try {
    const world = await buildWorld(hub, app);
    const registry = buildGraphRegistry();
    const rows: Row[] = [];
    for (const [nodeType, node] of Object.entries(registry.nodes)) {
      const type = typeNameOf(nodeType);
      const spec = specs.get(type);
      if (!spec) continue;
      const id = world.ids[nodeType];
      if (!id) {
        rows.push({ ...emptyRow(type, spec), note: "no object made" });
        continue;
      }
      const fields = await classifyFields(world.get, `/${id}`, Object.keys(spec.fields), (body) => body);
      const edges = await classifyEdges(world.get, id, spec, Object.entries(node.edges).filter(([, e]) => e.GET).map(([name]) => name), world.edgeQuery);
      rows.push({ type, ...fields, fieldsInSpec: Object.keys(spec.fields).length, ...edges, edgesInSpec: spec.edges.length });
    }
    const insights = specs.get("AdsInsights");
    if (insights) {
      const fields = await classifyFields(world.get, `/${world.ids.ad_account}/insights?level=ad`, Object.keys(insights.fields), (body) => (body.data as Record<string, unknown>[] | undefined)?.[0] ?? {});
      rows.push({ type: "AdsInsights (rows)", ...fields, fieldsInSpec: Object.keys(insights.fields).length, served: [], failing: [], missing: [], edgesInSpec: 0 });
    }
    print(rows);
  } finally {
    await app.close();
    await hub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function emptyRow(type: string, spec: NodeTypeSpec): Row {
  return { type, returned: [], refused: [], absent: [], fieldsInSpec: Object.keys(spec.fields).length, served: [], failing: [], missing: spec.edges, edgesInSpec: spec.edges.length };
}

type Get = (url: string) => Promise<Answer>;

/** Asks all fields at once; when that is refused, each field alone, to tell which ones are. */
async function classifyFields(get: Get, base: string, fields: string[], objectOf: (body: Record<string, unknown>) => Record<string, unknown>) {
  const returned: string[] = [];
  const refused: string[] = [];
  const absent: string[] = [];
  const join = base.includes("?") ? "&" : "?";
  const all = await get(`${base}${join}fields=${fields.join(",")}`);
  if (all.status === 200) {
    const object = objectOf(all.body);
    for (const field of fields) (field in object ? returned : absent).push(field);
    return { returned, refused, absent };
  }
  for (const field of fields) {
    const one = await get(`${base}${join}fields=${field}`);
    if (one.status === 200) (field in objectOf(one.body) ? returned : absent).push(field);
    else if (one.body.error?.code === 100) refused.push(field);
    else absent.push(field);
  }
  return { returned, refused, absent };
}

async function classifyEdges(get: Get, id: string, spec: NodeTypeSpec, readable: string[], edgeQuery: Record<string, string>) {
  const served: string[] = [];
  const failing: string[] = [];
  const missing: string[] = [];
  for (const edge of spec.edges) {
    if (!readable.includes(edge)) {
      missing.push(edge);
      continue;
    }
    const answer = await get(`/${id}/${edge}${edgeQuery[edge] ?? ""}`);
    (answer.status === 200 ? served : failing).push(edge);
    if (answer.status !== 200 && values.verbose) console.error(`GET /${id}/${edge}: ${JSON.stringify(answer.body.error)}`);
  }
  return { served, failing, missing };
}

/** One of each served node type, owned by one business whose ADMIN system user asks. */
async function buildWorld(hub: Grantline, app: FastifyInstance) {
  const owner = await bootstrapBusiness(hub, "Conformance Co");
  const call = async (method: "GET" | "POST", url: string, payload?: Record<string, unknown>): Promise<Answer> => {
    const separator = url.includes("?") ? "&" : "?";
    const response = await app.inject({ method, url: `/v21.0${url}${separator}access_token=${owner.access_token}`, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json() };
  };
  const create = async (url: string, payload: Record<string, unknown>): Promise<string> => {
    const answer = await call("POST", url, payload);
    if (answer.status !== 200) throw new Error(`POST ${url} failed: ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
  };
  const ctx = operatorContext();
  const person = await hub.businesses.createPerson(ctx, { name: "Dana Reyes", email: "dana@conformance.example" });
  await hub.businesses.setMemberRole(ctx, owner.business_id, person.id, "EMPLOYEE");
  const account = await create(`/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 });
  const asset = async (type: "page" | "pixel" | "product_catalog" | "instagram_account") =>
    (await hub.assets.createAsset(ctx, owner.business_id, { type, name: `A ${type.replace("_", " ")}` })).graphId;
  const page = await asset("page");
  const campaign = await create(`/${account}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
  // A scheduled end, so the fields that show it (the ad set's end_time, insights' adset_end) have a value.
  const endTime = Math.floor(hub.now() / 1000) + 60 * 24 * 60 * 60;
  const adset = await create(`/${account}/adsets`, { campaign_id: campaign, name: "Daily", daily_budget: "5000", end_time: endTime, status: "ACTIVE" });
  const adcreative = await create(`/${account}/adcreatives`, {
    name: "Look",
    title: "Shoes",
    body: "Light.",
    image_url: "https://cdn.example.test/shoe.jpg",
    call_to_action_type: "SHOP_NOW",
    object_story_spec: { page_id: page, link_data: { link: "https://shop.example.test/", message: "Light." } },
  });
  const ad = await create(`/${account}/ads`, { adset_id: adset, name: "Ad", creative: { creative_id: adcreative }, status: "ACTIVE" });
  // Insights answer the last 30 days of the account's own calendar by default, which leaves its
  // today out, as on Meta; two days ago (UTC) is inside that window in every time zone.
  const twoDaysAgo = new Date(hub.now() - 2 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  await hub.insights.upsertDailyRows([{ ad_id: ad, date: twoDaysAgo, impressions: 1000, reach: 800, clicks: 20, link_clicks: 14, spend: 4000, conversions: 3, revenue: 9000 }]);
  const appId = (await hub.apps.createApp(ctx, owner.business_id, "Conformance App")).id;
  const ids: Record<string, string> = {
    business: owner.business_id,
    user: person.id,
    system_user: owner.system_user_id,
    ad_account: account,
    page,
    pixel: await asset("pixel"),
    product_catalog: await asset("product_catalog"),
    instagram_account: await asset("instagram_account"),
    campaign,
    adset,
    ad,
    adcreative,
    app: appId,
  };
  // Parameters edges need on Meta too: assigned_users names the business whose people to list.
  const edgeQuery: Record<string, string> = {
    assigned_users: `?business=${owner.business_id}`,
    previews: "?ad_format=DESKTOP_FEED_STANDARD",
    generatepreviews: `?ad_format=DESKTOP_FEED_STANDARD&creative=${encodeURIComponent(JSON.stringify({ title: "Shoes", link_url: "https://shop.example.test/" }))}`,
  };
  return { ids, edgeQuery, get: (url: string) => call("GET", url) };
}

function print(rows: Row[]): void {
  const table = rows.map((r) => {
    const declared = r.type === "AdsInsights (rows)" ? INSIGHTS_WITHOUT_DATA : answeredFields(r.type);
    const answeredAbsent = declared ? r.absent.filter((f) => declared.has(f)) : [];
    return {
      node: r.type,
      fields: `${r.returned.length + answeredAbsent.length + r.refused.length}/${r.fieldsInSpec}`,
      "answered %": `${Math.round(((r.returned.length + answeredAbsent.length) / Math.max(1, r.fieldsInSpec)) * 100)}%`,
      returned: String(r.returned.length),
      "absent (Meta's)": String(answeredAbsent.length),
      "refused #100": String(r.refused.length),
      unanswered: String(r.absent.length - answeredAbsent.length),
      edges: `${r.served.length}/${r.edgesInSpec}`,
      note: [r.failing.length ? `${r.failing.length} edge(s) failing` : "", r.note ?? ""].filter(Boolean).join("; "),
    };
  });
  const columns = Object.keys(table[0] ?? {}) as (keyof (typeof table)[number])[];
  const width = (c: (typeof columns)[number]) => Math.max(c.length, ...table.map((t) => t[c].length));
  const line = (cells: Record<string, string>) => columns.map((c) => cells[c]!.padEnd(width(c))).join("  ").trimEnd();
  console.log(`Meta's specs: ${specDir ?? "the names shipped in src/graph/metaFields.ts"}`);
  console.log("fields: answered (returned, left out as Meta leaves out unset fields, or refused with #100) / in spec;");
  console.log("answered %: returned or Meta's absence, refusals not counted; edges: served / in spec (GET)\n");
  console.log(line(Object.fromEntries(columns.map((c) => [c, c]))));
  console.log(columns.map((c) => "-".repeat(width(c))).join("  "));
  for (const t of table) console.log(line(t));
  if (!values.verbose) return;
  for (const r of rows) {
    console.log(`\n${r.type}`);
    for (const [label, names] of Object.entries({ returned: r.returned, "refused #100": r.refused, absent: r.absent, "edges served": r.served, "edges failing": r.failing, "edges not served": r.missing })) {
      if (names.length) console.log(`  ${label}: ${names.join(" ")}`);
    }
  }
}

await main();
