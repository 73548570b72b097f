import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildBusiness, buildMember } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";


describe.each(DIALECTS)("grantline review on %s", (dialect) => {
  let store: TestStore;

  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const cli = (...args: string[]) => runGrantline(store.env, ...args);

  it("prints the findings as one JSON line, and as a readable list without --json", async () => {
    const hub = await store.open();
    const owner = await buildBusiness(hub, "Acme");
    const member = await buildMember(hub, owner, "EMPLOYEE", "Eve Employee");
    await hub.businesses.updateBusiness(owner.admin.ctx, owner.id, { twoFactorRequired: true });
    await hub.close();

    const { stdout } = await cli("review", "--business", owner.id, "--json", "--window-days", "30");
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as { business_id: string; window_days: number; findings: { kind: string; principal: { id: string } }[] };
    expect(Object.keys(report)).toEqual(["business_id", "window_days", "findings"]);
    expect(report.business_id).toBe(owner.id);
    expect(report.window_days).toBe(30);
    expect(report.findings.map((f) => [f.kind, f.principal.id]).sort()).toEqual(
      [
        ["missing_2fa", owner.admin.id],
        ["missing_2fa", member.id],
      ].sort(),
    );

    const text = await cli("review", "--business", owner.id);
    expect(text.stdout).toContain("2 finding(s)");
    expect(text.stdout).toContain("[missing_2fa] Eve Employee");
    expect(text.stdout).toContain("Fix (require_2fa)");
  });
});
