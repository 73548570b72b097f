/**
 * The parts of docs/ that are written from the code, so they cannot drift from it: the settings
 * table (from the schema in src/config/env.ts, its doc comments and defaults) and the command
 * reference (from the `grantline` commander program). `npm run docs` writes them; a test fails
 * when a committed file differs from what the code says.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { Command, Option } from "commander";

export interface Setting {
  name: string;
  defaultValue: string | undefined;
  doc: string;
}

const GENERATED_START = "<!-- generated from the code by `npm run docs`: edit the source, not this section -->";
const GENERATED_END = "<!-- end of generated section -->";

/** Reads every setting of env.ts's schema with its doc comment and default, in the schema's order. */
export function readSettings(envSource: string): Setting[] {
  const file = ts.createSourceFile("env.ts", envSource, ts.ScriptTarget.Latest, true);
  let schema: ts.ObjectLiteralExpression | undefined;
  file.forEachChild(function visit(node) {
    if (schema) return;
    if (ts.isVariableDeclaration(node) && node.name.getText(file) === "schema" && node.initializer && ts.isCallExpression(node.initializer)) {
      const argument = node.initializer.arguments[0];
      if (argument && ts.isObjectLiteralExpression(argument)) schema = argument;
    }
    node.forEachChild(visit);
  });
  if (!schema) throw new Error("env.ts: no `const schema = z.object({...})` found");
  const settings: Setting[] = [];
  for (const property of schema.properties) {
    if (!ts.isPropertyAssignment(property)) continue;
    const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
    const doc = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ").replace(/\s+/g, " ").trim();
    settings.push({ name: property.name.getText(file), defaultValue: defaultOf(property.initializer, file), doc });
  }
  return settings;
}

/** The argument of the outermost `.default(x)` in a zod chain, as it would be written in the environment. */
function defaultOf(expression: ts.Expression, file: ts.SourceFile): string | undefined {
  let node: ts.Expression = expression;
  while (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    if (node.expression.name.text === "default") {
      const argument = node.arguments[0];
      if (!argument) return undefined;
      if (ts.isStringLiteral(argument)) return argument.text;
      return argument.getText(file).replace(/_/g, "");
    }
    node = node.expression.expression;
  }
  return undefined;
}

export function settingsTable(settings: readonly Setting[]): string {
  const rows = settings.map((s) => `| \`${s.name}\` | ${s.defaultValue === undefined ? "—" : `\`${s.defaultValue}\``} | ${escapeCell(s.doc)} |`);
  return ["| variable | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

/** Every runnable command of the program, depth first, with its usage, description and options. */
export function commandReference(program: Command): string {
  const sections: string[] = [];
  const walk = (command: Command, prefix: string[]) => {
    const names = [...prefix, command.name()];
    const children = command.commands as Command[];
    const runnable = children.length === 0 || hasAction(command);
    if (runnable && prefix.length > 0) {
      const lines = [`### \`${names.join(" ")} ${command.usage()}\``.replace(/ `$/, "`"), "", command.description()];
      const options = (command.options as Option[]).filter((o) => !o.hidden);
      if (options.length > 0) {
        lines.push("", "| option | meaning |", "| --- | --- |");
        for (const option of options) {
          const fallback = option.defaultValue === undefined ? "" : ` (default \`${String(option.defaultValue)}\`)`;
          lines.push(`| \`${option.flags}\` | ${escapeCell(option.description)}${fallback} |`);
        }
      }
      sections.push(lines.join("\n"));
    }
    for (const child of children) walk(child, names);
  };
  walk(program, []);
  return sections.join("\n\n");
}

function hasAction(command: Command): boolean {
  return typeof (command as unknown as { _actionHandler?: unknown })._actionHandler === "function";
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
}

/** `document` with its generated section replaced by `section` (appended when it has none yet). */
export function withGeneratedSection(document: string, section: string): string {
  const block = `${GENERATED_START}\n\n${section}\n\n${GENERATED_END}`;
  const start = document.indexOf(GENERATED_START);
  const end = document.indexOf(GENERATED_END);
  if (start === -1 || end === -1) return `${document.trimEnd()}\n\n${block}\n`;
  return document.slice(0, start) + block + document.slice(end + GENERATED_END.length);
}

export interface ReferenceDoc {
  file: string;
  expected: string;
}

/** What docs/configuration.md and docs/cli.md must hold, given the code as it is. */
export async function referenceDocs(root: string): Promise<ReferenceDoc[]> {
  const { buildCli } = await import("../src/cli/main.ts");
  const envSource = fs.readFileSync(path.join(root, "src/config/env.ts"), "utf8");
  const docs: Array<[string, string]> = [
    ["docs/configuration.md", settingsTable(readSettings(envSource))],
    ["docs/cli.md", commandReference(buildCli())],
  ];
  return docs.map(([file, section]) => {
    const current = fs.readFileSync(path.join(root, file), "utf8");
    return { file, expected: withGeneratedSection(current, section) };
  });
}
