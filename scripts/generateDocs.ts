// `npm run docs`: rewrites the generated sections of docs/configuration.md and docs/cli.md.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { referenceDocs } from "./referenceDocs.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const doc of await referenceDocs(root)) {
  const target = path.join(root, doc.file);
  const changed = fs.readFileSync(target, "utf8") !== doc.expected;
  if (changed) fs.writeFileSync(target, doc.expected);
  process.stdout.write(`${doc.file}: ${changed ? "updated" : "up to date"}\n`);
}
