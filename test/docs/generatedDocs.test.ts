import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandReference, readSettings, referenceDocs, settingsTable, withGeneratedSection } from "../../scripts/referenceDocs.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("docs written from the code", () => {
  it("docs/configuration.md and docs/cli.md say what the code says (run `npm run docs` after changing a setting or a command)", async () => {
    for (const doc of await referenceDocs(root)) {
      expect(fs.readFileSync(path.join(root, doc.file), "utf8"), doc.file).toBe(doc.expected);
    }
  });

  it("every setting has a doc comment", () => {
    const settings = readSettings(fs.readFileSync(path.join(root, "src/config/env.ts"), "utf8"));
    expect(settings.length).toBeGreaterThan(20);
    expect(settings.filter((s) => s.doc === "").map((s) => s.name)).toEqual([]);
  });

  it("reads a setting's doc comment and default, and leaves optional settings without one", () => {
    const source = `const schema = z.object({
      /** Port to listen on;
       * 0 picks one. */
      PORT: z.coerce.number().int().default(8_080),
      /** Where | to send mail. */
      SMTP_URL: z.string().optional(),
      MODE: z.enum(["on", "off"]).default("on"),
    });`;
    const settings = readSettings(source);
    expect(settings).toEqual([
      { name: "PORT", defaultValue: "8080", doc: "Port to listen on; 0 picks one." },
      { name: "SMTP_URL", defaultValue: undefined, doc: "Where | to send mail." },
      { name: "MODE", defaultValue: "on", doc: "" },
    ]);
    expect(settingsTable(settings)).toContain("| `SMTP_URL` | — | Where \\| to send mail. |");
  });

  it("lists runnable commands with their options, and replaces only the generated section", () => {
    const program = new Command("tool");
    const group = program.command("group").description("A group.");
    group.command("leaf").description("Does a thing.").option("--json", "print JSON").option("--days <n>", "how many", "7").action(() => undefined);
    const reference = commandReference(program);
    expect(reference).toContain("### `tool group leaf [options]`");
    expect(reference).toContain("| `--days <n>` | how many (default `7`) |");
    expect(reference).not.toContain("### `tool group [options]`");
    const once = withGeneratedSection("# Title\n\nhand text\n", "first");
    const twice = withGeneratedSection(once, "second");
    expect(twice).toContain("hand text");
    expect(twice).toContain("second");
    expect(twice).not.toContain("first");
  });
});
