import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { AccessEngine } from "../../src/hub/access/accessEngine.ts";
import { buildAsset, buildBusiness, buildMember, buildShare } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("access index kept in step with the store on %s", (dialect) => {
  let store: TestStore;
  afterEach(async () => {
    await store.cleanup();
  });
  beforeEach(() => {
    store = makeTestStore(dialect);
  });

  it("a second instance sees another instance's revoke once it checks it is current", async () => {
    const clock = new TestClock();
    const a = await store.open(clock);
    const b = await store.open(clock);
    const acme = await buildBusiness(a, "Acme");
    const northwind = await buildBusiness(a, "Northwind");
    const account = await buildAsset(a, acme);
    const sam = await buildMember(a, northwind);
    await buildShare(a, acme, northwind, account.id, "STANDARD");
    await a.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ADVERTISE"] });

    expect(b.engine.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(false); // b has not looked yet
    await b.engine.ensureCurrent();
    expect(b.engine.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(true);

    await a.partners.removeShare(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id });
    expect(a.engine.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(false); // the writer: at once
    await b.engine.ensureCurrent();
    expect(b.engine.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(false);
    expect(b.engine.appliedSeq).toBe(a.engine.appliedSeq);
  });

  it("an index caught up change by change equals one rebuilt from scratch", async () => {
    const hub = await store.open();
    const acme = await buildBusiness(hub, "Acme");
    const agencies = [await buildBusiness(hub, "N1"), await buildBusiness(hub, "N2")];
    const assets = [await buildAsset(hub, acme, "ad_account"), await buildAsset(hub, acme, "page"), await buildAsset(hub, acme, "pixel")];
    for (const agency of agencies) {
      const staff = await buildMember(hub, agency);
      await buildShare(hub, acme, agency, assets[0]!.id, "STANDARD");
      await buildShare(hub, acme, agency, assets[1]!.id, "VIEW_ONLY", "page");
      await hub.assignments.assign(agency.admin.ctx, { assetId: assets[0]!.id, principalId: staff.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    }
    await hub.partners.removePartner(acme.admin.ctx, { ownerBusinessId: acme.id, partnerBusinessId: agencies[1]!.id });

    const fresh = new AccessEngine(hub.store.db, hub.now);
    await fresh.rebuild();
    expect(fresh.appliedSeq).toBe(hub.engine.appliedSeq);
    const principals = [...hub.engine.index.principals.keys()].sort();
    expect([...fresh.index.principals.keys()].sort()).toEqual(principals);
    for (const asset of assets) expect(fresh.whoCanAccess(asset.id)).toEqual(hub.engine.whoCanAccess(asset.id));
    for (const principal of principals) expect(fresh.accessibleAssets(principal)).toEqual(hub.engine.accessibleAssets(principal));
    expect(fresh.index.counts).toEqual(hub.engine.index.counts);
  });

  it("concurrent requests share looks at the store's sequence, and none is answered from a look that began before it", async () => {
    const a = await store.open();
    const acme = await buildBusiness(a, "Acme");
    const northwind = await buildBusiness(a, "Northwind");
    const account = await buildAsset(a, acme);
    const sam = await buildMember(a, northwind);
    await buildShare(a, acme, northwind, account.id, "STANDARD");
    await a.assignments.assign(northwind.admin.ctx, { assetId: account.id, principalId: sam.id, tasks: ["ADVERTISE"] });

    // The second instance has a connection of its own: a held answer must not hold up the writer.
    const reads = new SeqReads();
    const b = new AccessEngine((await store.open()).store.db.withPlugin(reads), a.now);
    await b.rebuild();
    expect(b.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(true);

    // A herd: 50 requests at once read the sequence twice (the first one's look, and one shared by the
    // 49 that came while it ran), not 50 times.
    reads.count = 0;
    await Promise.all(Array.from({ length: 50 }, () => b.ensureCurrent()));
    expect(reads.count).toBe(2);

    // A look is under way (its answer held back) when another instance removes the share; a request that
    // starts after the removal must not be answered from that older look.
    reads.count = 0;
    const release = reads.holdNext();
    const early = b.ensureCurrent();
    await reads.held;
    await a.partners.removeShare(acme.admin.ctx, { assetId: account.id, partnerBusinessId: northwind.id });
    const late = Array.from({ length: 20 }, () => b.ensureCurrent());
    release();
    await early;
    await Promise.all(late);
    expect(b.check({ principalId: sam.id }, "create_campaign", account.id)).toBe(false);
    expect(reads.count).toBe(2); // the held look, and one shared by all twenty that came after it

    // ensureFresh joins a look under way that began within the allowed age.
    reads.count = 0;
    const releaseAgain = reads.holdNext();
    const first = b.ensureCurrent();
    await reads.held;
    const joined = Array.from({ length: 20 }, () => b.ensureFresh(60_000));
    releaseAgain();
    await Promise.all([first, ...joined]);
    expect(reads.count).toBe(1);
  });
});

/** Counts reads of the access sequence, and can hold the next one's answer back until released. */
class SeqReads implements KyselyPlugin {
  count = 0;
  held: Promise<void> = Promise.resolve();
  private gate: Promise<void> | undefined;
  private onHeld: () => void = () => undefined;
  private readonly seqQueries = new WeakSet<object>();

  holdNext(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    this.held = new Promise((resolve) => (this.onHeld = resolve));
    return release;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === "SelectQueryNode" && JSON.stringify(node.from).includes('"access_seq"')) this.seqQueries.add(args.queryId);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (!this.seqQueries.has(args.queryId)) return args.result;
    this.count++;
    const gate = this.gate;
    this.gate = undefined;
    if (gate) {
      this.onHeld();
      await gate;
    }
    return args.result;
  }
}
