import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseOptions, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { beforeAll, describe, expect, it } from "vitest";

// The layer rules of .dependency-cruiser.cjs (what `npm run lint:layers` checks), run in-process:
// against a planted tree they must fail, against the real src/ they must pass.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PLANTED = path.join(ROOT, "test/layers/planted");
const PLANTED_SQL = path.join(ROOT, "test/layers/planted-sql");

let options: ICruiseOptions;

async function violationsIn(baseDir: string): Promise<IViolation[]> {
  const tsConfig = extractTSConfig(path.join(ROOT, "tsconfig.json"));
  const result = await cruise(["src"], { ...options, baseDir }, {}, { tsConfig });
  if (typeof result.output === "string") throw new Error("dependency-cruiser answered with text, not a cruise result");
  return result.output.summary.violations;
}

function describeViolation(v: IViolation): string {
  const path = v.rule.name === "no-circular" ? [v.from, ...(v.cycle ?? []).map((step) => step.name)] : [v.from, v.to];
  return `${v.rule.name}: ${path.join(" → ")}`;
}

beforeAll(async () => {
  options = await extractDepcruiseOptions(path.join(ROOT, ".dependency-cruiser.cjs"));
});

describe("the layer check", () => {
  it("fails on an upward import, an import cycle and an import of test/, and passes the allowed imports", async () => {
    const found = (await violationsIn(PLANTED)).map(describeViolation).sort();
    expect(found).toEqual([
      "graph-asks-hub-access: src/graph/asksEngine.ts → src/hub/access/accessEngine.ts",
      "layer-app: src/app/readsCli.ts → src/cli/main.ts",
      "layer-store: src/store/rollup.ts → src/hub/ads/insights.ts",
      // One report per cycle, from whichever of its files is met first.
      expect.stringMatching(/^no-circular: src\/graph\/(first|second)\.ts → src\/graph\/(?!\1)(first|second)\.ts → src\/graph\/\1\.ts$/),
      "no-test-imports: src/graph/usesTestSupport.ts → test/support/factory.ts",
    ]);
  });

  it("passes on src/ as it is", async () => {
    expect((await violationsIn(ROOT)).map(describeViolation)).toEqual([]);
  });
});

/*
 * Authorization lives in hub/access. The Graph layer reaches the access engine through the hub
 * (`call.hub.engine`), which no import rule can see, so this reads src/graph's text: it may read
 * facts and lists from the engine (an asset's type and owner, names, a principal's tasks, who
 * reaches an asset, what a token may list), but every yes/no — a check, an explanation, a role, a
 * share, what a token allows — is a named function of hub/access/callerAccess.ts, written once.
 */
const ENGINE_READS = new Set(["index", "asset", "tasksOf", "whoCanAccess", "accessibleAssets", "reachableAssets", "now"]);
const INDEX_READS = new Set(["assets", "businesses", "principals"]);
const RULE_PRIMITIVES = /\.\s*(check|explain|roleIn|taskMask|tokenAllowsBusiness|tokenReaches|getShare|sharesOf|businessesSharingWith|getGrant)\s*\(|\broles\s*\??\.\s*(has|get)\s*\(/g;

/** The code of a source file without its block comments and whole-line comments. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The access decisions a source file makes from the engine's parts instead of asking hub/access. */
function engineDecisionsIn(source: string): string[] {
  const code = withoutComments(source);
  const found: string[] = [];
  for (const m of code.matchAll(/\bengine\b(\s*\??\.\s*(\w+))?/g)) {
    if (m[2] === undefined) found.push("the engine itself passed on or kept");
    else if (!ENGINE_READS.has(m[2])) found.push(`engine.${m[2]}`);
  }
  for (const m of code.matchAll(/\bindex\s*\??\.\s*(\w+)/g)) if (!INDEX_READS.has(m[1]!)) found.push(`index.${m[1]}`);
  for (const m of code.matchAll(RULE_PRIMITIVES)) found.push(m[0].replace(/\s+/g, ""));
  return found;
}

describe("the Graph layer's access decisions", () => {
  it("are found when a handler decides with the engine's parts", () => {
    const planted = [
      "const engine = call.hub.engine;",
      "if (!call.hub.engine.check(subject, 'view_asset', id)) throw refusal;",
      "const share = call.hub.engine.index.getShare(id, business);",
      "if (index.principals.get(me)?.roles?.has(business)) return;",
      "// call.hub.engine.roleIn(me, business) in a comment is not a call",
      "const name = call.hub.engine.index.businesses.get(id);",
    ].join("\n");
    // `const engine = call.hub.engine;` keeps it twice over: as a name, and read without a member.
    expect(engineDecisionsIn(planted)).toEqual(["the engine itself passed on or kept", "the engine itself passed on or kept", "engine.check", "index.getShare", ".check(", ".getShare(", "roles?.has("]);
  });

  it("are none in src/graph: every one is asked of hub/access", () => {
    const dir = path.join(ROOT, "src/graph");
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    const found = files.flatMap((f) => engineDecisionsIn(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => `${f}: ${d}`));
    expect(found).toEqual([]);
  });
});

/*
 * The hub's own services follow the same rule: whether someone has a role or a membership, whether
 * the engine allows an action, and whether the caller is a given principal are asked of hub/access
 * by name (authorize.ts, serviceAccess.ts, visibility.ts), never compared in the service. Reading a
 * role or a membership to show it (a member's role in a sentence, the businesses someone belongs
 * to, who subscribed an app) decides nothing and is not flagged; nor is a stored member's role
 * checked for what a business must keep (its last admin) or what a review reports.
 */
const HUB_DECISIONS = [
  // A role asked of the engine, or a role or membership read from its index.
  /\.\s*roleIn\s*\(/g,
  /\broles\s*\??\.\s*(has|get)\s*\(/g,
  // The engine asked whether an action is allowed.
  /\bengine\s*\??\.\s*check\s*\(/g,
  // The caller compared with a principal: "is it their own".
  /\bsubject(Of\(\s*ctx\s*\))?\s*\??\.\s*principalId\s*[!=]==|[!=]==\s*subject(Of\(\s*ctx\s*\))?\s*\??\.\s*principalId\b/g,
  /\bctx\s*\.\s*actor\s*\.\s*id\s*[!=]==|[!=]==\s*ctx\s*\.\s*actor\s*\.\s*id\b/g,
];

/** The role, membership and caller comparisons a hub source file makes instead of asking hub/access. */
function hubDecisionsIn(source: string): string[] {
  const code = withoutComments(source);
  return HUB_DECISIONS.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => ({ at: m.index, text: m[0].replace(/\s+/g, "") })))
    .sort((a, b) => a.at - b.at)
    .map((found) => found.text);
}

/** Every hub module outside hub/access under `root`, with what each decides inline. */
function hubDecisionsUnder(root: string): string[] {
  const dir = path.join(root, "src/hub");
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith(`access${path.sep}`))
    .sort();
  return files.flatMap((f) => hubDecisionsIn(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => `${f}: ${d}`));
}

describe("the hub services' access decisions", () => {
  it("are found when a service compares roles, memberships or the caller itself, and not when it shows them", () => {
    expect(hubDecisionsUnder(PLANTED)).toEqual([
      "partners/decidesInline.ts: .roleIn(",
      "partners/decidesInline.ts: engine.check(",
      "partners/decidesInline.ts: roles?.has(",
      "partners/decidesInline.ts: subject.principalId!==",
      "partners/decidesInline.ts: ctx.actor.id===",
    ]);
  });

  it("are none in src/hub outside hub/access: every one is asked of it", () => {
    expect(hubDecisionsUnder(ROOT)).toEqual([]);
  });
});

/*
 * Only repositories run SQL: a `*.repository.ts` file (Autopilot's are in src/autopilot/store/), or
 * the store itself (src/store/ with its migrations). Anywhere else in src/, building a query with
 * Kysely or writing a `sql` template fails; opening a transaction and passing it to repository
 * functions is fine.
 */
const SQL_BUILDERS = /\b(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(|\bsql\s*(<[^`;()\n]*>)?\s*`/g;
const STORES = [`store${path.sep}`];

/** The queries a source file builds itself. */
function sqlBuiltIn(source: string): string[] {
  return [...withoutComments(source).matchAll(SQL_BUILDERS)].map((m) => m[0].replace(/\s+/g, ""));
}

/** Every source file under `root`/src that is not a repository, a test or the store, with the SQL it builds. */
function sqlOutsideRepositories(root: string): string[] {
  const dir = path.join(root, "src");
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".repository.ts") && !STORES.some((store) => f.startsWith(store)))
    .sort();
  return files.flatMap((f) => sqlBuiltIn(fs.readFileSync(path.join(dir, f), "utf8")).map((built) => `${f.split(path.sep).join("/")}: ${built}`));
}

describe("SQL outside repositories", () => {
  it("is found when a service builds a query or writes a sql template, and not in a repository, the store or a comment", () => {
    expect(sqlOutsideRepositories(PLANTED_SQL)).toEqual([
      "hub/reports/reportRun.service.ts: selectFrom(",
      "hub/reports/reportRun.service.ts: updateTable(",
      "hub/reports/reportRun.service.ts: insertInto(",
      "hub/reports/reportRun.service.ts: deleteFrom(",
      "hub/reports/reportRun.service.ts: replaceInto(",
      "hub/reports/reportRun.service.ts: mergeInto(",
      "hub/reports/reportRun.service.ts: sql`",
      "hub/reports/reportRun.service.ts: sql<number>`",
    ]);
  });

  it("is none in src/: every query is a repository's", () => {
    expect(sqlOutsideRepositories(ROOT)).toEqual([]);
  });
});
