import { spawn, spawnSync } from "node:child_process";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { changeFeedFor } from "../../src/store/changeFeed.ts";
import { buildBusiness } from "../support/factories.ts";
import { makeTestStore, type TestStore } from "../support/hubs.ts";
import { freePort } from "../support/hubProcess.ts";

/** The test runs a Redis of its own, so it can kill it; without the binary it is skipped. */
const redisServer = spawnSync("redis-server", ["--version"]).status === 0;

/**
 * A removal acknowledged while the broadcast is down (or while an instance does not answer) would
 * let another instance serve the old access until its next look at the store. So an announcement
 * that is not confirmed holds the acknowledgement back for that instance's freshness interval.
 */
describe.runIf(redisServer)("an access change some instance may not have heard", () => {
  let store: TestStore | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
    await store?.cleanup();
  });

  it("is acknowledged at once with no instance left unanswered, and only after the freshness interval when one did not or Redis is down", async () => {
    const port = await freePort();
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    closers.push(async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
      await exited;
    });
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    client.on("error", () => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        await client.connect();
        break;
      } catch (error) {
        if (attempt > 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    closers.push(async () => client.destroy());

    store = makeTestStore("sqlite");
    const hub = await store.open();
    const feed = changeFeedFor({ redis: client, databaseUrl: undefined, store: "unconfirmed-test", ackWaitMs: 50 }, () => undefined)!;
    const held: number[] = [];
    const errors: unknown[] = [];
    await hub.engine.connectFeed(feed, (error) => errors.push(error), { unconfirmedWaitMs: 1234, sleep: async (ms) => void held.push(ms) });
    closers.push(() => feed.close());

    const owner = await buildBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(owner.admin.ctx, owner.id, { type: "ad_account", name: "Main" });
    const person = await hub.businesses.createSystemUser(owner.admin.ctx, owner.id, { name: "Bot", role: "EMPLOYEE" });
    const assign = () => hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: person.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });
    const unassign = () => hub.assignments.unassign(owner.admin.ctx, { assetId: account.id, principalId: person.id });

    // Alone on the channel: nobody to wait for, nothing held.
    await assign();
    expect(held).toEqual([]);

    // Another instance that hears but never answers: the wait for its answer runs out, and the change is held.
    const other = client.duplicate();
    other.on("error", () => undefined);
    await other.connect();
    closers.push(async () => other.destroy());
    const silent = changeFeedFor({ redis: other, databaseUrl: undefined, store: "unconfirmed-test", ackWaitMs: 50 }, () => undefined)!;
    await silent.subscribe(() => new Promise<void>(() => undefined));
    closers.push(() => silent.close());
    // It says hello when it subscribes; let the first instance hear it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await unassign();
    expect(held).toEqual([1234]);

    // Redis gone: the announcement cannot be sent, the error is reported, and the change is held.
    process.kill(child.pid!, "SIGKILL");
    await exited;
    held.length = 0;
    await assign();
    expect(held).toEqual([1234]);
    expect(errors.length).toBeGreaterThan(0);
  });
});
