/**
 * Meta's Graph node specs (the SDK code-generation JSON: one file per node type, with `fields` and
 * `apis`) read from a folder, or the names of the shipped copy (src/graph/metaFields.ts) when the
 * folder is not there.
 */
import fs from "node:fs";
import path from "node:path";
import { META_EDGES, META_FIELDS } from "../src/graph/metaFields.ts";

export interface NodeTypeSpec {
  /** Field name → Meta's type (`string`, `unsigned int`, `list<string>`, `Business`, an enum); undefined types in the shipped copy. */
  fields: Record<string, string | undefined>;
  /** Edges Meta reads with GET. */
  edges: string[];
}

interface SpecFile {
  fields?: { name: string; type: string }[];
  apis?: { method: string; endpoint: string }[];
}

/** Where a clone finds Meta's specs beside the repository, as CI machines have them. */
export const DEFAULT_SPEC_DIR = path.resolve(import.meta.dirname, "../../shared/reference/graph-api-specs");

/** Every node type of the folder, by Meta's type name. */
export function readSpecDir(dir: string): Map<string, NodeTypeSpec> {
  const specs = new Map<string, NodeTypeSpec>();
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith(".json") || file === "enum_types.json") continue;
    const spec = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as SpecFile;
    const fields = Object.fromEntries((spec.fields ?? []).map((f) => [f.name, f.type]));
    const edges = [...new Set((spec.apis ?? []).filter((a) => a.method === "GET" && a.endpoint).map((a) => a.endpoint))].sort();
    specs.set(path.basename(file, ".json"), { fields, edges });
  }
  return specs;
}

/** Names of Meta's enum types (`Campaign_bid_strategy`): values Meta sends as strings. */
export function readEnumNames(dir: string): Set<string> {
  const file = path.join(dir, "enum_types.json");
  if (!fs.existsSync(file)) return new Set();
  return new Set((JSON.parse(fs.readFileSync(file, "utf8")) as { name: string }[]).map((e) => e.name));
}

/** The names the repository ships: the node types the Graph surface serves, with no field types. */
export function shippedSpecs(): Map<string, NodeTypeSpec> {
  const specs = new Map<string, NodeTypeSpec>();
  for (const [type, names] of Object.entries(META_FIELDS)) {
    const fields = Object.fromEntries(names.split(" ").filter(Boolean).map((name) => [name, undefined]));
    specs.set(type, { fields, edges: (META_EDGES[type] ?? "").split(" ").filter(Boolean) });
  }
  return specs;
}
