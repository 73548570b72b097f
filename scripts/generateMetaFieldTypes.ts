/**
 * Writes src/graph/metaFieldTypes.ts: the JSON kind Meta sends for each field of the node types the
 * Graph surface serves (those of src/graph/metaFields.ts), from Meta's specs.
 *
 *   node --import tsx scripts/generateMetaFieldTypes.ts [--specs DIR]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { META_FIELDS } from "../src/graph/metaFields.ts";
import { DEFAULT_SPEC_DIR, readEnumNames, readSpecDir } from "./metaSpecs.ts";

/** The order kinds are listed in; kept here so the generator never depends on what it writes. */
const FIELD_KINDS = ["string", "number", "bool", "datetime", "list", "object"] as const;
type FieldKind = (typeof FIELD_KINDS)[number];

const { values } = parseArgs({ options: { specs: { type: "string", default: DEFAULT_SPEC_DIR } } });
const dir = values.specs!;
const specs = readSpecDir(dir);
const enums = readEnumNames(dir);

/** How a value of Meta's type `type` reads in JSON. Meta sends enums as strings, references as objects. */
function kindOf(type: string): FieldKind {
  if (type === "string" || enums.has(type)) return "string";
  if (type === "datetime") return "datetime";
  if (type === "int" || type === "unsigned int" || type === "float") return "number";
  if (type === "bool") return "bool";
  if (type.startsWith("list")) return "list";
  return "object";
}

const lines: string[] = [];
for (const type of Object.keys(META_FIELDS)) {
  const spec = specs.get(type);
  if (!spec) continue;
  const byKind = new Map<FieldKind, string[]>();
  for (const [name, fieldType] of Object.entries(spec.fields)) {
    const kind = kindOf(fieldType!);
    byKind.set(kind, [...(byKind.get(kind) ?? []), name]);
  }
  const entries = FIELD_KINDS.filter((k) => byKind.has(k)).map((k) => `    ${k}: "${byKind.get(k)!.sort().join(" ")}",`);
  lines.push(`  ${type}: {`, ...entries, "  },");
}

const source = `/**
 * The JSON kind of each field of Meta's Graph node types that the Graph surface serves, generated
 * by scripts/generateMetaFieldTypes.ts from Meta's SDK code-generation specs (graph-api-specs/*.json,
 * \`fields\`): \`string\` (Meta's string and enum types; ids and money are numeric strings), \`number\`
 * (int, unsigned int, float), \`bool\`, \`datetime\` (a string such as 2026-01-05T12:00:00+0000),
 * \`list\`, \`object\` (a map, Object, or a reference to another node or struct).
 *
 * Copyright (c) Meta Platforms, Inc. and affiliates. The specs are licensed for use in connection
 * with the web services and APIs provided by Facebook, subject to the Facebook Platform Policy
 * (http://developers.facebook.com/policy/); this list keeps only their names and the kinds of their types.
 */

export const FIELD_KINDS = ${JSON.stringify(FIELD_KINDS).replaceAll(",", ", ")} as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

/** Per type, per kind: its fields, space-separated. */
export const META_FIELD_KINDS: Readonly<Record<string, Partial<Readonly<Record<FieldKind, string>>>>> = {
${lines.join("\n")}
};

/** The kind of a field of a type, or undefined when the spec does not list it. */
export function metaFieldKind(type: string, field: string): FieldKind | undefined {
  const kinds = META_FIELD_KINDS[type];
  if (!kinds) return undefined;
  return FIELD_KINDS.find((kind) => (kinds[kind] ?? "").split(" ").includes(field));
}
`;
const out = path.resolve(import.meta.dirname, "../src/graph/metaFieldTypes.ts");
fs.writeFileSync(out, source);
console.log(`wrote ${path.relative(process.cwd(), out)} from ${dir}`);
