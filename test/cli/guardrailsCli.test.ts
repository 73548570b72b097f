import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { runGrantline } from "../support/cli.ts";
import { expectError } from "../support/expectError.ts";
import { adServicesOf, buildAdSet, buildAsset, buildBusiness, buildCampaign, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

/** `grantline guardrails set|show|remove|expire` on the configured store. */
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

  it("expire ends held changes past their time (and only those), and says how many", async () => {
    const owner = await buildBusiness(hub, "Acme");
    const agency = await buildBusiness(hub, "Northwind");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    await buildShare(hub, owner, agency, account.id, "STANDARD");
    await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: agency.admin.id, tasks: ["ADVERTISE", "ANALYZE"], businessId: agency.id });
    const ads = adServicesOf(hub);
    const campaign = await buildCampaign(ads, owner.admin.ctx, account.graphId);
    const sets = [
      await buildAdSet(ads, owner.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 }),
      await buildAdSet(ads, owner.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 }),
      await buildAdSet(ads, owner.admin.ctx, account.graphId, campaign.id, { daily_budget: 10000 }),
    ];
    await hub.guardrails.set(owner.admin.ctx, { accountId: account.graphId, partnerBusinessId: agency.id, values: { approval_above: 15000 } });
    for (const set of sets) await expectError(hub.adSets.updateAdSet(agency.admin.ctx, set.id, { daily_budget: 20000 }), "CHANGE_NEEDS_APPROVAL");
    const held = await hub.guardrails.listPending(owner.admin.ctx, account.graphId);
    expect(held).toHaveLength(3);
    const cli = (...args: string[]) => runGrantline(store.env, "guardrails", ...args);

    // Nothing is due yet.
    expect(JSON.parse((await cli("expire", "--json")).stdout)).toEqual({ expired: 0 });
    // Two of them reach their time (as seven days passing would leave them).
    const due = held.slice(0, 2).map((p) => p.id);
    await hub.store.db.updateTable("pending_changes").set({ expires_at: Date.now() - 1000 }).where("id", "in", due).execute();
    expect((await cli("expire")).stdout).toBe("2 held changes expired.\n");
    const statuses = await hub.guardrails.listPending(owner.admin.ctx, account.graphId, ["pending", "expired"]);
    expect(Object.fromEntries(statuses.map((p) => [p.id, p.status]))).toEqual({ [due[0]!]: "expired", [due[1]!]: "expired", [held[2]!.id]: "pending" });
    for (const set of sets) expect((await hub.adSets.getAdSet(owner.admin.ctx, set.id)).daily_budget).toBe("10000");
    expect(JSON.parse((await cli("expire", "--json")).stdout)).toEqual({ expired: 0 });
  }, 240_000);
});
