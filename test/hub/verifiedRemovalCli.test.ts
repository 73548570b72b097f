import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { buildAsset, buildBusiness, buildMember, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";


describe.each(DIALECTS)("grantline verify on %s", (dialect) => {
  let store: TestStore;

  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const cli = (...args: string[]) =>
    runGrantline(store.env, ...args).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
    );

  it("exits 5 while a partner still reaches the owner's assets, and 0 once it is removed", async () => {
    const hub = await store.open();
    const acme = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind Media");
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    await buildShare(hub, acme, agency, account.id, "STANDARD");
    const sam = await buildMember(hub, agency, "EMPLOYEE", "Sam");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
    await hub.close();

    const before = await cli("verify", "--owner", acme.id, "--partner", agency.id, "--json");
    expect(before.code).toBe(5);
    const result = JSON.parse(before.stdout) as { verified: boolean; remaining: { kind: string }[] };
    expect(result.verified).toBe(false);
    expect(result.remaining.map((r) => r.kind).sort()).toEqual(["access", "share"]);

    const again = await store.open();
    await again.partners.removePartner(acme.admin.ctx, { ownerBusinessId: acme.id, partnerBusinessId: agency.id });
    await again.close();
    const after = await cli("verify", "--owner", acme.id, "--partner", agency.id);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("Verified: Northwind Media no longer reaches any of Acme's 1 asset(s).");
  });
});
