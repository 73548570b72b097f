import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { ReviewScheduler } from "../../src/hub/review/reviewScheduler.ts";
import { createMailer, type Mailer } from "../../src/mail/mailer.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import type { AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { expectError } from "../support/expectError.ts";
import { buildAsset, buildBusiness, buildMember, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";

describe.each(DIALECTS)("access review schedule on %s", (dialect) => {
  let store: TestStore;
  let clock: TestClock;
  let smtp: SmtpReceiver;
  let mailers: Mailer[];

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    smtp = await startSmtpReceiver();
    mailers = [];
  });
  afterEach(async () => {
    for (const mailer of mailers) mailer.close();
    await smtp.close();
    await store.cleanup();
  });

  /** An asset with one person assigned to it, so a campaign has an item to review. */
  async function grantedAsset(hub: Hub, business: TestBusiness, type: AssetType, name: string) {
    const asset = await buildAsset(hub, business, type, name);
    const member = await buildMember(hub, business, "EMPLOYEE");
    await hub.assignments.assign(business.admin.ctx, { assetId: asset.id, principalId: member.id, tasks: presetTasks(type, "STANDARD") });
    return asset;
  }

  /**
   * Runs passes of several schedulers: at once on PostgreSQL; one after another on SQLite, where two
   * instances are two processes (in one process, better-sqlite3 would block the thread holding the
   * other's write lock).
   */
  async function together<T>(runs: (() => Promise<T>)[]): Promise<T[]> {
    if (dialect === "postgres") return Promise.all(runs.map((run) => run()));
    const out: T[] = [];
    for (const run of runs) out.push(await run());
    return out;
  }

  function schedulerOn(hub: Hub): ReviewScheduler {
    const mailer = createMailer({ smtpUrl: smtp.url, from: "grantline@example.test", outboxDir: "" });
    mailers.push(mailer);
    return new ReviewScheduler(hub.reviewCampaigns, hub.now, { mailer, publicUrl: "https://grantline.example.test" });
  }

  it("starts each quarterly campaign and sends each reminder once, with two servers on one store", async () => {
    const first = await store.open(clock);
    const second = await store.open(clock);
    const acme = await buildBusiness(first, "Acme");
    const globex = await buildBusiness(first, "Globex");
    await grantedAsset(first, acme, "ad_account", "Acme Main");
    await grantedAsset(first, globex, "page", "Globex Page");
    await second.engine.catchUp();
    const a = schedulerOn(first);
    const b = schedulerOn(second);

    const runs = await together([() => a.runOnce(), () => b.runOnce(), () => a.runOnce(), () => b.runOnce()]);
    const started = runs.flatMap((r) => r.started);
    expect(started.map((c) => c.business_id).sort()).toEqual([acme.id, globex.id].sort());
    expect(started.every((c) => c.schedule === "quarterly" && c.name.startsWith("Quarterly access review"))).toBe(true);
    const campaigns = await first.store.db.selectFrom("review_campaigns").select(["business_id", "schedule_key"]).execute();
    expect(campaigns).toHaveLength(2);

    // One reminder per campaign, mailed to the business's admin.
    expect(runs.flatMap((r) => r.reminders)).toHaveLength(2);
    await smtp.waitFor((mail) => mail.to !== undefined && JSON.stringify(mail.to).includes(acme.admin.name.toLowerCase().split(" ")[0]!));
    await smtp.waitFor((mail) => JSON.stringify(mail.to).includes(globex.admin.name.toLowerCase().split(" ")[0]!));
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[0]!.subject).toContain("wait for your decision");
    expect(smtp.messages[0]!.text).toContain("https://grantline.example.test");
    const audited = await first.store.db.selectFrom("audit_entries").select("target_id").where("action", "=", "review.reminder").execute();
    expect(audited).toHaveLength(2);

    // Nothing is due again until a week has passed (reminders) or a quarter (campaigns).
    clock.advanceDays(3);
    expect((await together([() => a.runOnce(), () => b.runOnce()])).flatMap((r) => [...r.started, ...r.reminders])).toEqual([]);
    clock.advanceDays(5);
    const weekLater = await together([() => a.runOnce(), () => b.runOnce()]);
    expect(weekLater.flatMap((r) => r.started)).toEqual([]);
    expect(weekLater.flatMap((r) => r.reminders)).toHaveLength(2);
    clock.advanceDays(83);
    const quarterLater = await together([() => b.runOnce(), () => a.runOnce()]);
    expect(quarterLater.flatMap((r) => r.started)).toHaveLength(2);
    expect(await first.store.db.selectFrom("review_campaigns").select("id").execute()).toHaveLength(4);
  });

  it("refuses a second campaign for the same scheduled slot, leaving nothing half-written", async () => {
    const hub = await store.open(clock);
    const acme = await buildBusiness(hub, "Acme");
    await grantedAsset(hub, acme, "ad_account", "Acme Main");
    const slot = { schedule: "quarterly", scheduleKey: "quarterly:after:none" };
    await hub.reviewCampaigns.start(acme.admin.ctx, acme.id, slot);
    await expectError(hub.reviewCampaigns.start(acme.admin.ctx, acme.id, slot), "DUPLICATE");
    expect(await hub.store.db.selectFrom("review_campaigns").select("id").execute()).toHaveLength(1);
    expect(await hub.store.db.selectFrom("review_items").select("id").execute()).toHaveLength(1);
  });

  it("does not remind about campaigns that are closed or fully decided", async () => {
    const hub = await store.open(clock);
    const acme = await buildBusiness(hub, "Acme");
    await grantedAsset(hub, acme, "ad_account", "Acme Main");
    const manual = await hub.reviewCampaigns.start(acme.admin.ctx, acme.id, {});
    await hub.reviewCampaigns.close(acme.admin.ctx, manual.id);
    const run = await schedulerOn(hub).runOnce();
    // The quarterly campaign starts (a hand-started one does not count) and is the only one reminded.
    expect(run.started).toHaveLength(1);
    expect(run.reminders.map((r) => r.campaign.id)).toEqual([run.started[0]!.id]);
  });
});
