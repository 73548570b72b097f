import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { buildAsset, buildBusiness, buildMember } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";


describe.each(DIALECTS)("grantline review campaign on %s", (dialect) => {
  let store: TestStore;

  beforeEach(() => {
    store = makeTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  const cli = (...args: string[]) => runGrantline(store.env, ...args);
  const oneJsonLine = (stdout: string): unknown => {
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!);
  };

  it("starts a campaign and closes it with its revoke policy, one JSON line each", async () => {
    let hub = await store.open();
    const owner = await buildBusiness(hub, "Acme");
    const account = await buildAsset(hub, owner, "ad_account", "Acme Main");
    const member = await buildMember(hub, owner, "EMPLOYEE", "Eve Employee");
    await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: member.id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.close();

    const started = oneJsonLine((await cli("review", "campaign", "start", "--business", owner.id, "--close-policy", "revoke", "--json")).stdout) as {
      id: string;
      business_id: string;
      status: string;
      close_policy: string;
      items: number;
    };
    expect(started).toMatchObject({ business_id: owner.id, status: "open", close_policy: "revoke", items: 1 });

    const closed = oneJsonLine((await cli("review", "campaign", "close", "--campaign", started.id, "--json")).stdout);
    expect(closed).toMatchObject({ policy: "revoke", revoked: 1, skipped: 0, campaign: { id: started.id, status: "closed", closed_by: "operator" } });

    hub = await store.open();
    expect(hub.engine.check({ principalId: member.id }, "view_asset", account.id)).toBe(false);
    await hub.close();

    // The findings command keeps its contract beside the new subcommands.
    const report = oneJsonLine((await cli("review", "--business", owner.id, "--json")).stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(["business_id", "window_days", "findings"]);
    const text = await cli("review", "campaign", "start", "--business", owner.id);
    expect(text.stdout).toMatch(/^Started campaign \S+ ".+" with 0 item\(s\)/);
  });
});
