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
