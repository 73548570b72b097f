import type { Executor } from "../../store/database.ts";
import { pageOf, type Cursor, type Page, type PageRequest } from "../../store/paging.ts";
import { mapPage } from "./adPaging.ts";
import type { CommandTx } from "../hubCommand.ts";
import { adObjectVersion, bumpAdObjectVersion } from "./adObjectVersion.repository.ts";
import { presentCampaign, type CampaignView } from "./adPresenters.ts";
import { listAccountCampaigns, type CampaignRecord } from "./campaign.repository.ts";

export interface AdObjectReadModelOptions {
  /**
   * How old (ms) the last comparison of an account's cached objects with its stored version may be
   * before a read compares again. 0 (the default) compares on every read; `serve` uses the sync
   * interval, so another instance's write is seen by every read starting that long after it
   * committed. Writes through this instance are seen at once, whatever the age.
   */
  maxAgeMs?: number;
  /** Accounts kept in memory; beyond it the cache starts over. */
  accountLimit?: number;
  /** Campaigns kept in memory across all accounts; beyond it the cache starts over. */
  campaignBudget?: number;
  /** Accounts with more campaigns than this are read from the store page by page instead; 0 holds none. */
  campaignLimit?: number;
  /** Monotonic clock (ms). */
  clock?: () => number;
  /**
   * How many write announcements of other instances this one has heard (the access engine's
   * `announcementsHeard`): a read after a new one compares versions whatever `maxAgeMs` says, so
   * another instance's acknowledged write is in the next list here.
   */
  announcementsHeard?: () => number;
}

interface Entry {
  version: number;
  checkedAt: number;
  /** `announcementsHeard()` when the last comparison (or the load) began. */
  heard: number;
  /** More campaigns than the limit: nothing is held, and reads page in the store until the next write. */
  tooMany: boolean;
  /** Newest first by (created_at, id), presented once and frozen. */
  campaigns: Held<CampaignView>[];
  /** `campaigns` filtered by a set of effective statuses, by the set's key. */
  filtered: Map<string, Held<CampaignView>[]>;
  /** First pages (no cursor), frozen, by status key and limit: most reads ask for one of a few. */
  firstPages: Map<string, Page<CampaignView>>;
}

/** A read of an account's stored version, and when it began (on the model's clock). */
interface VersionCheck {
  startedAt: number;
  /** `announcementsHeard()` when it began. */
  heard: number;
  version: Promise<number>;
}

/** First pages kept per account; reads asking for others get them built afresh. */
const FIRST_PAGES_PER_ACCOUNT = 16;

/** A presented object and its list position (`created_time` has only whole seconds). */
interface Held<V> {
  view: V;
  cursor: Cursor;
}

/**
 * An in-memory read model of ad accounts' campaigns, for the hottest Graph list. It holds only
 * data: every read is still authorized by the caller of `list`. It stays coherent with the store
 * through a per-account version that every ad-object write moves in its transaction (`changed`):
 * a write through this instance drops the account's entry at commit, and another instance's write
 * is noticed when the stored version no longer matches the one the entry was loaded at.
 */
export class AdObjectReadModel {
  private readonly entries = new Map<string, Entry>();
  /**
   * Loads under way, by account. `forget` drops the account's set, so a load whose account is
   * written meanwhile keeps its result to itself; loads that merely overlap each other all store
   * theirs (one token per account would let each new load disown the one before, and under steady
   * concurrency no load would ever fill the cache).
   */
  private readonly loads = new Map<string, Set<object>>();
  /** Version comparisons under way, by account (see `versionCheck`). */
  private readonly checks = new Map<string, VersionCheck>();
  private readonly maxAgeMs: number;
  private readonly accountLimit: number;
  private readonly campaignBudget: number;
  private readonly campaignLimit: number;
  /** Campaigns in `entries`. */
  private held = 0;
  private readonly clock: () => number;
  private readonly announcementsHeard: () => number;

  constructor(
    private readonly db: Executor,
    options: AdObjectReadModelOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 0;
    this.accountLimit = options.accountLimit ?? 1000;
    this.campaignBudget = options.campaignBudget ?? 200_000;
    this.campaignLimit = options.campaignLimit ?? 5000;
    this.clock = options.clock ?? (() => performance.now());
    this.announcementsHeard = options.announcementsHeard ?? (() => 0);
  }

  /**
   * Records, inside a write's transaction, that the account's ad objects change: cached ones go at
   * commit, and the other instances are told to compare before their next read.
   */
  async changed(tx: CommandTx, accountId: string): Promise<void> {
    await bumpAdObjectVersion(tx.trx, accountId);
    tx.afterCommit(() => this.forget(accountId));
    tx.announceAtCommit();
  }

  /**
   * A page of the account's campaigns whose effective status is one of `statuses`, newest first,
   * paged as the store pages them; undefined when the account has too many to hold (the caller
   * then pages in the store).
   */
  async campaignPage(accountId: string, statuses: readonly string[], request: PageRequest): Promise<Page<CampaignView> | undefined> {
    if (this.campaignLimit <= 0) return undefined;
    const entry = await this.current(accountId);
    if (entry.tooMany) return undefined;
    const key = statuses.join(",");
    const first = request.after === undefined && request.before === undefined;
    const firstKey = `${key}|${request.limit}`;
    const kept = first ? entry.firstPages.get(firstKey) : undefined;
    if (kept) return kept;
    let list = entry.filtered.get(key);
    if (!list) {
      const wanted = new Set(statuses);
      list = entry.campaigns.filter((held) => wanted.has(held.view.effective_status));
      entry.filtered.set(key, list);
    }
    const page = mapPage(pageOf(list, request, cursorOf), viewOf);
    if (first && entry.firstPages.size < FIRST_PAGES_PER_ACCOUNT) {
      Object.freeze(page.items);
      entry.firstPages.set(firstKey, Object.freeze(page));
    }
    return page;
  }

  /**
   * Drops the account's cached objects (and keeps a load under way from storing what it read, and
   * later reads from sharing a version comparison that began before).
   */
  forget(accountId: string): void {
    this.held -= this.entries.get(accountId)?.campaigns.length ?? 0;
    this.entries.delete(accountId);
    this.loads.delete(accountId);
    this.checks.delete(accountId);
  }

  private async current(accountId: string): Promise<Entry> {
    const entry = this.entries.get(accountId);
    if (entry) {
      const startedAt = this.clock();
      const heard = this.announcementsHeard();
      if (this.maxAgeMs > 0 && startedAt - entry.checkedAt < this.maxAgeMs && entry.heard === heard) return entry;
      const check = this.versionCheck(accountId, startedAt, heard);
      if ((await check.version) === entry.version && this.entries.get(accountId) === entry) {
        entry.checkedAt = Math.max(entry.checkedAt, check.startedAt);
        entry.heard = Math.max(entry.heard, check.heard);
        return entry;
      }
      if (this.entries.get(accountId) === entry) this.forget(accountId);
    }
    return this.load(accountId);
  }

  /**
   * The account's stored version, read by a comparison that began at most `maxAgeMs` before
   * `startedAt`: one under way is shared, so that the requests arriving while it runs do not each
   * read the version again (under load they would queue for the store's connections and slow every
   * request down). Sharing keeps the promise: a write committed `maxAgeMs` before this read began
   * committed before the shared comparison began, so the version it reads includes it. With a
   * `maxAgeMs` of 0 nothing is shared.
   */
  private versionCheck(accountId: string, startedAt: number, heard: number): VersionCheck {
    const running = this.checks.get(accountId);
    // One that began before another instance's latest announcement cannot have seen its write.
    if (running && startedAt - running.startedAt < this.maxAgeMs && running.heard === heard) return running;
    const check: VersionCheck = {
      startedAt,
      heard,
      version: adObjectVersion(this.db, accountId).finally(() => {
        if (this.checks.get(accountId) === check) this.checks.delete(accountId);
      }),
    };
    this.checks.set(accountId, check);
    return check;
  }

  private async load(accountId: string): Promise<Entry> {
    const token = {};
    let pending = this.loads.get(accountId);
    if (!pending) this.loads.set(accountId, (pending = new Set()));
    pending.add(token);
    const checkedAt = this.clock();
    const heard = this.announcementsHeard();
    let version: number;
    let rows: CampaignRecord[];
    let stillCurrent: boolean;
    try {
      // The version is read before the rows: a write committing between the two leaves the entry
      // looking older than it is (reloaded at the next comparison), never newer.
      version = await adObjectVersion(this.db, accountId);
      rows = await listAccountCampaigns(this.db, accountId, this.campaignLimit + 1);
    } finally {
      stillCurrent = this.loads.get(accountId) === pending;
      pending.delete(token);
      if (stillCurrent && pending.size === 0) this.loads.delete(accountId);
    }
    const entry = rows.length > this.campaignLimit ? tooMany(version, checkedAt, heard) : fresh(rows, version, checkedAt, heard);
    // A write that committed during the load may or may not be in `rows`: this caller gets them
    // (as fresh as any read begun before the commit), the cache does not.
    if (stillCurrent) this.store(accountId, entry);
    return entry;
  }

  private store(accountId: string, entry: Entry): void {
    const held = this.entries.get(accountId);
    // Overlapping loads finish in any order: one that read an older version never replaces a newer entry.
    if (held && held.version > entry.version) return;
    this.held -= held?.campaigns.length ?? 0;
    if (this.entries.size >= this.accountLimit || this.held + entry.campaigns.length > this.campaignBudget) {
      this.entries.clear();
      this.held = 0;
    }
    this.entries.set(accountId, entry);
    this.held += entry.campaigns.length;
  }
}

const cursorOf = <V>(held: Held<V>): Cursor => held.cursor;
const viewOf = <V>(held: Held<V>): V => held.view;

function fresh(rows: CampaignRecord[], version: number, checkedAt: number, heard: number): Entry {
  // Shared by every reader, so frozen: nobody can change what the next reader sees.
  const campaigns = rows.map((row) => {
    const view = presentCampaign(row);
    Object.freeze(view.special_ad_categories);
    return { view: Object.freeze(view), cursor: { createdAt: row.created_at, id: row.id } };
  });
  return { version, checkedAt, heard, tooMany: false, campaigns, filtered: new Map(), firstPages: new Map() };
}

function tooMany(version: number, checkedAt: number, heard: number): Entry {
  return { version, checkedAt, heard, tooMany: true, campaigns: [], filtered: new Map(), firstPages: new Map() };
}
