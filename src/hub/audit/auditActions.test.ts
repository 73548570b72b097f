import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, AUTOPILOT_AUDIT_ACTIONS, isAuditAction } from "./auditActions.ts";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Every "object.verb" literal written as an `action:` property in src/ (a ternary's branches included). */
function actionLiteralsInSrc(): string[] {
  const files = fs.readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const found = new Set<string>();
  for (const file of files) {
    const code = fs.readFileSync(path.join(SRC, file), "utf8");
    for (const property of code.matchAll(/\baction:\s*([^,}\n]+)/g)) {
      for (const literal of property[1]!.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) found.add(literal[1]!);
    }
  }
  return [...found].sort();
}

describe("the audit actions", () => {
  it("are listed once each", () => {
    expect(AUDIT_ACTIONS.filter((action, i) => AUDIT_ACTIONS.indexOf(action) !== i)).toEqual([]);
  });

  it("include every action written as a literal in src/", () => {
    const literals = actionLiteralsInSrc();
    // The scan must see the writers at all: a pattern that matched nothing would pass vacuously.
    expect(literals).toEqual(expect.arrayContaining(["share.accept", "member.change_role", "autopilot.connect"]));
    expect(literals.filter((action) => !isAuditAction(action))).toEqual([]);
  });

  it("include Autopilot's, and only those start with autopilot.", () => {
    expect(AUTOPILOT_AUDIT_ACTIONS.every((action) => isAuditAction(action))).toBe(true);
    expect(AUDIT_ACTIONS.filter((action) => action.startsWith("autopilot."))).toEqual([...AUTOPILOT_AUDIT_ACTIONS]);
  });

  it("are told apart from other text", () => {
    expect(isAuditAction("share.accept")).toBe(true);
    expect(isAuditAction("share.acept")).toBe(false);
    expect(isAuditAction("read_insights")).toBe(false);
  });
});
