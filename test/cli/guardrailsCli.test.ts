import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { runGrantline } from "../support/cli.ts";
import { buildAsset, buildBusiness, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

/** `grantline guardrails set|show|remove` on the configured store. */
describe.each(DIALECTS)("grantline guardrails on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it("sets, shows and removes a partner's guardrails; bad values fail with the reason and store nothing", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: agency.admin.id, tasks: ["ADVERTISE", "ANALYZE"], businessId: agency.id });
    const cli = (...args: string[]) => runGrantline(store.env, "guardrails", ...args);

    const set = await cli("set", "--account", account.graphId, "--business", agency.id, "--max-daily-budget", "50000", "--allowed-hours", "9-18", "--json");
    expect(JSON.parse(set.stdout)).toMatchObject({ business: agency.id, max_daily_budget: 50000, allowed_hours: "09-18", max_increase_percent: null });
    const shown = await cli("show", "--account", account.graphId);
    expect(shown.stdout).toContain(`Northwind (${agency.id}): max_daily_budget=50000, allowed_hours=09-18`);

    // explain names the guardrail as what limits an allowed write.
    const explained = await runGrantline(store.env, "explain", "--principal", agency.admin.id, "--action", "change_budget", "--asset", account.graphId);
    expect(explained.stdout).toMatch(/^ALLOWED/);
    expect(explained.stdout).toContain("limited by the partner guardrails max_daily_budget=50000, allowed_hours=09-18 that Acme set on Northwind");
    const more = await cli("set", "--account", account.graphId, "--business", agency.id, "--allowed-days", "MON,fri", "--max-daily-new-spend", "7000", "--max-increase-amount", "1000", "--json");
    expect(JSON.parse(more.stdout)).toMatchObject({ allowed_days: [1, 5], max_daily_new_spend: 7000, max_increase_amount: 1000, max_daily_budget: 50000 });
    // Labels by name are stored as their ids; an unknown one fails and stores nothing.
    const label = await hub.adLabels.createLabel(operatorContext(), account.graphId, { name: "Brand" });
    const labelled = await cli("set", "--account", account.graphId, "--business", agency.id, "--protected-labels", "Brand", "--json");
    expect(JSON.parse(labelled.stdout)).toMatchObject({ protected_labels: [label.id] });
    const unknownLabel = await cli("set", "--account", account.graphId, "--business", agency.id, "--protected-labels", "Brand,Nope").catch((error: { stderr: string }) => error);
    expect(unknownLabel.stderr).toContain('"Nope"');
    expect((await hub.guardrails.list(operatorContext(), account.graphId))[0]).toMatchObject({ protected_labels: [label.id] });
    await cli("set", "--account", account.graphId, "--business", agency.id, "--protected-labels", "");
    const bad = await cli("set", "--account", account.graphId, "--business", agency.id, "--max-increase-percent", "-5").catch((error: { stderr: string }) => error);
    expect(bad.stderr).toContain("max_increase_percent");
    expect((await hub.guardrails.list(operatorContext(), account.graphId))[0]).toMatchObject({ max_increase_percent: null, max_daily_budget: 50000, allowed_days: [1, 5] });

    await cli("remove", "--account", account.graphId, "--business", agency.id);
    expect(await hub.guardrails.list(operatorContext(), account.graphId)).toEqual([]);
    expect((await cli("show", "--account", account.graphId)).stdout).toContain("No guardrails");
  }, 240_000);
});
