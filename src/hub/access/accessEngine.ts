import type { ChangeFeed } from "../../store/changeFeed.ts";
import type { Db } from "../../store/database.ts";
import { isAssetType, taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import type { ActionName } from "../catalogue/actions.ts";
import { accessChangesSince, currentAccessSeq, type ChangeKind } from "./accessChange.repository.ts";
import { AccessIndex, type AccessPath, type AccessSubject, type AssetEntry, type PrincipalType } from "./accessIndex.ts";
import * as snapshot from "./accessSnapshot.repository.ts";
import { describePath, explainAccess, type Explanation } from "./explain.ts";

export interface PrincipalAccess {
  principalId: string;
  principalType: PrincipalType;
  name: string;
  tasks: string[];
  paths: { kind: AccessPath["kind"]; businessId: string; tasks: string[]; via: string; shareId?: string; assignmentId?: string }[];
}

export interface AssetAccess {
  assetId: string;
  type: AssetType;
  name: string;
  ownerId: string;
  tasks: string[];
}

function parseTasks(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

/**
 * The access engine: every authorization question goes through here. Answers come from the
 * in-memory index; the index follows the store's change sequence, so a write is visible to the very
 * next check on this instance (services call `catchUp` after committing) and, on other instances,
 * once they `ensureCurrent` (before answering a request) or their poll comes round.
 */
export class AccessEngine {
  readonly index = new AccessIndex();
  private seq = 0;
  private pending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private feed: ChangeFeed | undefined;
  /** When (monotonic ms) another instance last announced a change. */
  private announcedAt = -Infinity;
  private heard = 0;
  private feedErrors: (error: unknown) => void = () => undefined;
  /** How long an unconfirmed announcement holds the acknowledgement back; see `connectFeed`. */
  private unconfirmedWaitMs = 0;
  private sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  /** When (monotonic ms) the last look at the store's sequence began; see `ensureFresh`. */
  private checkedAt = -Infinity;
  /** The look at the store's sequence under way, and the one that waits for it; see `ensureCurrent`. */
  private look: { startedAt: number; done: Promise<void> } | undefined;
  private nextLook: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly now: () => number = Date.now,
  ) {}

  get appliedSeq(): number {
    return this.seq;
  }

  /** Loads the whole index from the store. */
  async rebuild(onProgress?: (what: string, rows: number) => void): Promise<void> {
    await this.serialized(async () => {
      const seq = await currentAccessSeq(this.db);
      this.index.clear();
      let rows = 0;
      const tick = (what: string, n: number) => {
        rows += n;
        onProgress?.(what, rows);
      };
      for await (const page of snapshot.loadBusinesses(this.db)) {
        for (const b of page) this.index.setBusiness(b.id, b.name);
        tick("businesses", page.length);
      }
      for await (const page of snapshot.loadPeople(this.db)) {
        for (const p of page) this.index.setPrincipal(p.id, "person", p.name);
        tick("people", page.length);
      }
      for await (const page of snapshot.loadMembers(this.db)) {
        for (const m of page) this.index.setRole(m.person_id, m.business_id, m.role);
        tick("memberships", page.length);
      }
      for await (const page of snapshot.loadSystemUsers(this.db)) {
        for (const s of page) {
          this.index.setPrincipal(s.id, "system_user", s.name);
          this.index.setRole(s.id, s.business_id, s.role);
        }
        tick("system users", page.length);
      }
      for await (const page of snapshot.loadAssets(this.db)) {
        for (const a of page) this.applyAsset(a);
        tick("assets", page.length);
      }
      for await (const page of snapshot.loadActiveShares(this.db)) {
        for (const s of page) this.applyShare(s);
        tick("shares", page.length);
      }
      for await (const page of snapshot.loadAssignments(this.db)) {
        for (const a of page) this.applyAssignment(a);
        tick("assignments", page.length);
      }
      const grants = await snapshot.loadLiveGrants(this.db);
      const grantAssets = await snapshot.loadGrantAssets(this.db);
      this.applyGrants(grants, grantAssets, await snapshot.loadGrantBusinesses(this.db));
      tick("app grants", grants.length);
      this.seq = seq;
    });
    await this.catchUp();
  }

  /** Applies every change committed since the last one this instance saw. */
  catchUp(): Promise<void> {
    return this.serialized(async () => {
      for (;;) {
        const changes = await accessChangesSince(this.db, this.seq, 1000);
        if (changes.length === 0) return;
        const seen = new Set<string>();
        for (const change of changes) {
          const key = `${change.kind}:${change.entity_id}`;
          if (!seen.has(key)) {
            seen.add(key);
            await this.reload(change.kind, change.entity_id);
          }
        }
        this.seq = changes[changes.length - 1]!.seq;
      }
    });
  }

  /**
   * Connects the engine to the instances sharing its store: this instance's committed access changes
   * are announced (`afterLocalCommit`), and an announcement from another makes the next request look
   * at the store whatever the freshness interval — and starts catching up at once.
   */
  async connectFeed(feed: ChangeFeed, onError: (error: unknown) => void, options: { unconfirmedWaitMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<void> {
    this.feed = feed;
    this.feedErrors = onError;
    this.unconfirmedWaitMs = options.unconfirmedWaitMs ?? 0;
    if (options.sleep) this.sleep = options.sleep;
    await feed.subscribe(async () => {
      this.heard++;
      this.announcedAt = performance.now();
      await this.ensureCurrent();
    });
  }

  /**
   * How many announcements of other instances this one has heard: what an in-memory copy of shared
   * data (the campaign read model) compares to know that another instance wrote since it last looked.
   */
  get announcementsHeard(): number {
    return this.heard;
  }

  /** Tells the other instances to look at the store before their next request (a write to data they may hold in memory). */
  async announce(): Promise<void> {
    await this.holdUnlessConfirmed(this.announced());
  }

  /**
   * After a command committed access changes on this instance: tell the others, then apply them here.
   * Announcing first gives the other instances this instance's catch-up as a head start, so most
   * have applied the change before the caller even gets its answer.
   */
  async afterLocalCommit(): Promise<void> {
    // The change is committed whatever happens here; a lost announcement is caught by polling.
    const announced = this.announced();
    await this.catchUp();
    await this.holdUnlessConfirmed(announced);
  }

  /** The feed's announcement: whether every live instance said it caught up (false when it could not be sent). */
  private announced(): Promise<boolean> {
    if (!this.feed) return Promise.resolve(true);
    return this.feed.announce().catch((error: unknown) => {
      this.feedErrors(error);
      return false;
    });
  }

  /**
   * When some instance may not have heard (the broadcast was down, or one did not answer in time),
   * the change is acknowledged only once every instance's own freshness check must have seen it:
   * `unconfirmedWaitMs` is set to that interval, so no request that starts after the
   * acknowledgement is served from the old state, on any instance.
   */
  private async holdUnlessConfirmed(announced: Promise<boolean>): Promise<void> {
    if (!(await announced) && this.unconfirmedWaitMs > 0) await this.sleep(this.unconfirmedWaitMs);
  }

  /** How far this instance's index is behind the store: changes committed (by any instance) and not yet applied here; one small read. */
  async changesBehind(): Promise<number> {
    return Math.max(0, (await currentAccessSeq(this.db)) - this.seq);
  }

  /** Milliseconds since the last look at the store's change sequence began (Infinity before the first). */
  msSinceLastLook(): number {
    return performance.now() - this.checkedAt;
  }

  /**
   * Catches up if the store has moved on; one small read. Call before answering a request.
   *
   * Concurrent callers share looks instead of each reading the sequence (a herd after every
   * announcement or expiry): a caller waits for a look that begins after it called, so it sees every
   * change committed before that. While one look is under way, everyone who arrives meanwhile
   * shares the single next one; at most one look runs and one waits, whatever the load.
   */
  ensureCurrent(): Promise<void> {
    if (!this.look) return this.startLook();
    this.nextLook ??= this.look.done
      .catch(() => undefined)
      .then(() => {
        this.nextLook = undefined;
        return this.startLook();
      });
    return this.nextLook;
  }

  private startLook(): Promise<void> {
    const startedAt = performance.now();
    const look = { startedAt, done: Promise.resolve() };
    look.done = (async () => {
      try {
        if ((await currentAccessSeq(this.db)) > this.seq) await this.catchUp();
        this.checkedAt = Math.max(this.checkedAt, startedAt);
      } finally {
        if (this.look === look) this.look = undefined;
      }
    })();
    this.look = look;
    return look.done;
  }

  /**
   * Like `ensureCurrent`, but skips the read when a look at the store began less than `maxAgeMs`
   * ago. Changes made through this instance are applied at commit whatever the age; another
   * instance's change (a revocation, say) is seen by the first request that starts more than
   * `maxAgeMs` after it committed. 0 looks every time.
   */
  ensureFresh(maxAgeMs: number): Promise<void> {
    if (this.isFresh(maxAgeMs)) return Promise.resolve();
    // A look under way that began recently enough, and after the latest announcement, will do.
    const look = this.look;
    if (look && maxAgeMs > 0 && look.startedAt > this.announcedAt && performance.now() - look.startedAt < maxAgeMs) return look.done;
    return this.ensureCurrent();
  }

  /** Whether a look at the store's sequence began less than `maxAgeMs` ago (never for 0): `ensureFresh` would not look. */
  isFresh(maxAgeMs: number): boolean {
    // A look that began before another instance's latest announcement cannot have seen its change.
    return maxAgeMs > 0 && this.checkedAt > this.announcedAt && performance.now() - this.checkedAt < maxAgeMs;
  }

  /** Polls the store for other instances' changes until `stop`. */
  startSync(intervalMs: number, onError: (error: unknown) => void): void {
    this.stop();
    this.timer = setInterval(() => {
      this.ensureCurrent().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const run = this.pending.then(work);
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async reload(kind: ChangeKind, id: string): Promise<void> {
    const db = this.db;
    switch (kind) {
      case "business": {
        const row = await snapshot.findBusinessName(db, id);
        this.index.setBusiness(id, row?.name ?? null);
        return;
      }
      case "person": {
        const row = await snapshot.findPersonName(db, id);
        this.index.setPrincipal(id, "person", row?.name ?? null);
        return;
      }
      case "member": {
        const [businessId, personId] = id.split(":") as [string, string];
        const row = await snapshot.findMemberRole(db, businessId, personId);
        this.index.setRole(personId, businessId, row?.role ?? null);
        return;
      }
      case "system_user": {
        const row = await snapshot.findSystemUserRow(db, id);
        this.index.setPrincipal(id, "system_user", row?.name ?? null);
        if (row) this.index.setRole(id, row.business_id, row.role);
        return;
      }
      case "asset": {
        const row = await snapshot.findAssetRow(db, id);
        if (row) this.applyAsset(row);
        else this.index.removeAsset(id);
        return;
      }
      case "share": {
        const row = await snapshot.findShareRow(db, id);
        if (row?.status === "active") this.applyShare(row);
        else this.index.removeShare(id);
        return;
      }
      case "assignment": {
        const row = await snapshot.findAssignmentRow(db, id);
        if (row) this.applyAssignment(row);
        else this.index.removeAssignment(id);
        return;
      }
      case "grant": {
        const row = await snapshot.findGrantRow(db, id);
        if (!row || row.revoked_at !== null) {
          this.index.setGrant(null, id);
          return;
        }
        this.applyGrants([row], await snapshot.loadGrantAssets(db, [id]), await snapshot.loadGrantBusinesses(db, [id]));
        return;
      }
      // Tokens are not in the index; the change is recorded so caches keyed by the sequence drop them.
      case "token":
        return;
    }
  }

  private applyAsset(row: { id: string; type: string; owner_business_id: string; name: string }): void {
    if (!isAssetType(row.type)) return;
    this.index.setAsset({ id: row.id, type: row.type, ownerId: row.owner_business_id, name: row.name });
  }

  private applyShare(row: { id: string; asset_id: string; partner_business_id: string; tasks: string; ends_at: number | null }): void {
    const asset = this.index.assets.get(row.asset_id);
    if (!asset) return;
    this.index.setShare({
      id: row.id,
      assetId: row.asset_id,
      partnerId: row.partner_business_id,
      mask: taskMask(asset.type, parseTasks(row.tasks)),
      endsAt: row.ends_at,
    });
  }

  private applyAssignment(row: { id: string; asset_id: string; principal_id: string; business_id: string; tasks: string }): void {
    const asset = this.index.assets.get(row.asset_id);
    if (!asset) return;
    this.index.setAssignment({
      id: row.id,
      assetId: row.asset_id,
      principalId: row.principal_id,
      businessId: row.business_id,
      mask: taskMask(asset.type, parseTasks(row.tasks)),
    });
  }

  private applyGrants(
    grants: { id: string; app_id: string; app_name: string; principal_id: string; scopes: string }[],
    assets: { grant_id: string; asset_id: string }[],
    businesses: { grant_id: string; business_id: string }[],
  ): void {
    const byGrant = new Map<string, Set<string>>();
    for (const a of assets) {
      let set = byGrant.get(a.grant_id);
      if (!set) byGrant.set(a.grant_id, (set = new Set()));
      set.add(a.asset_id);
    }
    const businessesByGrant = new Map<string, Set<string>>();
    for (const b of businesses) {
      let set = businessesByGrant.get(b.grant_id);
      if (!set) businessesByGrant.set(b.grant_id, (set = new Set()));
      set.add(b.business_id);
    }
    for (const g of grants) {
      this.index.setGrant(
        {
          id: g.id,
          appId: g.app_id,
          appName: g.app_name,
          principalId: g.principal_id,
          scopes: new Set(parseTasks(g.scopes)),
          assetIds: byGrant.get(g.id) ?? new Set(),
          businessIds: businessesByGrant.get(g.id) ?? new Set(),
        },
        g.id,
      );
    }
  }

  // ---- questions -----------------------------------------------------------------------------

  check(subject: AccessSubject, action: ActionName, assetId: string): boolean {
    return this.index.check(subject, action, assetId, this.now());
  }

  /** Why `subject` may or may not perform `action` on the asset, and what would change the answer. */
  explain(subject: AccessSubject, action: ActionName, assetId: string): Explanation {
    return explainAccess(this.index, subject, action, assetId, this.now());
  }

  /** Tasks a principal holds on an asset through all paths (tokens aside). */
  tasksOf(principalId: string, assetId: string): string[] {
    const asset = this.index.assets.get(assetId);
    if (!asset) return [];
    return tasksOfMask(asset.type, this.index.taskMask(principalId, assetId, this.now()));
  }

  /** Every principal that reaches the asset now, with the tasks and the path(s) that give them. */
  whoCanAccess(assetId: string): PrincipalAccess[] {
    const asset = this.index.assets.get(assetId);
    if (!asset) return [];
    return this.index.whoCanAccess(assetId, this.now()).map(({ principalId, mask, paths }) => {
      const principal = this.index.principals.get(principalId)!;
      return {
        principalId,
        principalType: principal.type,
        name: principal.name,
        tasks: tasksOfMask(asset.type, mask),
        paths: paths.map((p) => presentPath(this.index, asset, principal.name, p)),
      };
    });
  }

  /** Assets a principal reaches now (optionally of one type), with its tasks on each. */
  accessibleAssets(principalId: string, type?: AssetType): AssetAccess[] {
    return this.index.accessibleAssets(principalId, this.now(), type).map(({ assetId, mask }) => {
      const asset = this.index.assets.get(assetId)!;
      return { assetId, type: asset.type, name: asset.name, ownerId: asset.ownerId, tasks: tasksOfMask(asset.type, mask) };
    });
  }

  /**
   * Assets of a type the subject reaches now, as its token lets it list them (`/me/adaccounts`,
   * `/me/accounts`): any task held by any path, within the token's app grant and Page limit, and
   * with one of `scopes` when the token carries scopes.
   */
  reachableAssets(subject: AccessSubject, type: AssetType, scopes: readonly string[]): AssetAccess[] {
    const held = subject.scopes;
    if (held && !scopes.some((scope) => held.has(scope))) return [];
    return this.accessibleAssets(subject.principalId, type).filter((access) => this.index.tokenReaches(subject, access.assetId));
  }

  /** The principal's role in a business, or undefined when it is not part of it. */
  roleIn(principalId: string, businessId: string): string | undefined {
    return this.index.principals.get(principalId)?.roles.get(businessId);
  }

  asset(assetId: string): AssetEntry | undefined {
    return this.index.assets.get(assetId);
  }
}

function presentPath(index: AccessIndex, asset: AssetEntry, principalName: string, path: AccessPath): PrincipalAccess["paths"][number] {
  const base = {
    kind: path.kind,
    businessId: path.businessId,
    tasks: tasksOfMask(asset.type, path.mask),
    via: describePath(index, asset, principalName, path),
  };
  if (path.kind === "owner_assignment") return { ...base, assignmentId: path.assignmentId };
  if (path.kind === "partner_assignment") return { ...base, shareId: path.shareId, assignmentId: path.assignmentId };
  return base;
}
