import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "planted" || entry.name === "node_modules" ? [] : testFiles(rel);
    return entry.name.endsWith(".test.ts") ? [rel] : [];
  });
}

/** The import specifiers of a file that name another test file. */
export function importsOfTestFiles(source: string): string[] {
  const statics = source.matchAll(/^\s*(?:import|export)\b[^;]*?["']([^"']+\.test\.ts)["']/gm);
  const dynamics = source.matchAll(/\bimport\(\s*["']([^"']+\.test\.ts)["']\s*\)/g);
  return [...statics, ...dynamics].map((match) => match[1]!);
}

describe("test files", () => {
  // A test file that another imports has its describe blocks registered under the importer too, and
  // in a worker that shares loaded modules between files (vitest's isolate: false), under it alone.
  it("never import another test file", () => {
    const offenders = [...testFiles("src"), ...testFiles("test")].filter((file) => importsOfTestFiles(fs.readFileSync(path.join(ROOT, file), "utf8")).length > 0);
    expect(offenders).toEqual([]);
  });

  it("the check sees such an import", () => {
    // Built from parts, so that this file's own source holds no such import.
    const quoted = (name: string) => `"./${name}.test.ts"`;
    expect(importsOfTestFiles(`import { png } from ${quoted("adMediaEdges")};\nimport x from "../support/media.ts";`)).toEqual(["./adMediaEdges.test.ts"]);
    expect(importsOfTestFiles(`const m = await import(${quoted("other")});`)).toEqual(["./other.test.ts"]);
    expect(importsOfTestFiles(`import {\n  a,\n  b,\n} from ${quoted("multi")};`)).toEqual(["./multi.test.ts"]);
  });
});
