import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext } from "../../src/hub/context.ts";
import { adServicesOf, buildAdTree, buildBusiness, buildMember, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";


describe.each(DIALECTS)("grantline troubleshoot on %s", (dialect) => {
  let store: TestStore;

  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const cli = async (...args: string[]) => {
    const { stdout } = await runGrantline(store.env, ...args);
    return stdout;
  };

  it("answers each problem as one JSON line", async () => {
    // The CLI runs on the real clock, so the world is built on it too.
    const clock = new TestClock(Date.now() - 60_000);
    const hub = await store.open(clock);
    const acme = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind Media");
    const { account, adSet } = await buildAdTree(hub, adServicesOf(hub), acme);
    await buildShare(hub, acme, agency, account.id, "VIEW_ONLY");
    const sam = await buildMember(hub, agency, "EMPLOYEE", "Sam");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    const since = new Date(clock.t).toISOString();
    await hub.adSets.updateAdSet(principalContext("person", acme.admin.id), adSet.id, { daily_budget: 9000 });
    await hub.close();

    const missing = JSON.parse(await cli("troubleshoot", "missing-asset", "--principal", sam.id, "--asset", account.graphId, "--action", "create_campaign", "--json")) as { problem: string; allowed: boolean };
    expect(missing).toMatchObject({ problem: "missing_asset", allowed: false });

    const invitation = JSON.parse(await cli("troubleshoot", "invitation", "--partner", agency.id, "--owner", "424242", "--json")) as { entered_business: unknown };
    expect(invitation.entered_business).toEqual({ id: "424242", known: false });

    const permissions = JSON.parse(await cli("troubleshoot", "permissions", "--principal", sam.id, "--asset", account.graphId, "--json")) as { routes: { share: { level: string } }[] };
    expect(permissions.routes[0]!.share.level).toBe("View only");

    const spend = JSON.parse(await cli("troubleshoot", "spend-spike", "--asset", account.graphId, "--since", since, "--json")) as { changes: { changes: unknown[] }[] };
    expect(spend.changes.map((c) => c.changes)).toContainEqual([{ field: "daily_budget", before: 5000, after: 9000 }]);

    const text = await cli("troubleshoot", "permissions", "--principal", sam.id, "--asset", account.graphId);
    expect(text).toContain("as View only");
  });
});
