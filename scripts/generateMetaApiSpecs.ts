/**
 * `npm run generate:meta-api-specs`: writes test/support/meta-api-specs.json, the compact copy of
 * Meta's Graph node specs (fields, and each edge's method, parameters and returned type) that the
 * contract tests check calls against, so that they run where the spec folder is not beside the
 * repository. Derived from Meta's SDK code-generation JSON; its licence notice is kept in the file.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_SPEC_DIR } from "./metaSpecs.ts";

interface RawSpec {
  fields?: { name: string }[];
  apis?: { method: string; endpoint?: string; return?: string; params?: { name: string }[] | null }[];
}

export const META_API_SPECS_FILE = path.resolve(import.meta.dirname, "../test/support/meta-api-specs.json");

export function compactSpecs(dir = DEFAULT_SPEC_DIR): string {
  const nodes: Record<string, unknown> = {};
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith(".json") || file === "enum_types.json") continue;
    const raw = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as RawSpec;
    nodes[path.basename(file, ".json")] = {
      fields: [...new Set((raw.fields ?? []).map((f) => f.name))].sort(),
      apis: (raw.apis ?? []).map((a) => ({ method: a.method, endpoint: a.endpoint ?? "", returns: a.return ?? "Object", params: [...new Set((a.params ?? []).map((p) => p.name))].sort() })),
    };
  }
  const license = fs.readFileSync(path.join(dir, "LICENSE"), "utf8").trim();
  return `${JSON.stringify({ license, nodes })}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.writeFileSync(META_API_SPECS_FILE, compactSpecs());
  process.stdout.write(`${path.relative(process.cwd(), META_API_SPECS_FILE)} written\n`);
}
