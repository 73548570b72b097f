import type { AssetType } from "../../hub/catalogue/assetTypes.ts";
import { ACTION_BITS, DAY_MS, type AccessReviewReport, type FindingKind } from "../../hub/review/findings.ts";
import type { PooledUseRow } from "../../hub/review/accessReview.repository.ts";
import { judgeSnapshot } from "../../hub/review/reviewRules.ts";
import type { ReviewProgress, ReviewSnapshot, ShareReach, SnapshotAsset, SnapshotAssignment, SnapshotMember, SnapshotShare, SnapshotSystemUser, Undetermined } from "../../hub/review/reviewSnapshot.ts";
import type { ActionName } from "../../hub/catalogue/actions.ts";
import { GraphCallError, type GraphClient, type GraphPage } from "./graphClient.ts";

/**
 * The access review of a business read through the Graph API only, with the business's own token:
 * against Meta itself or against Grantline's own Graph surface. The reads make a snapshot that the
 * same rules as the hub's native review judge (`judgeSnapshot`); what the Graph could not tell is
 * said per finding (`evidence.undetermined`) and per area of the business (`not_reviewed`).
 */

/** Something of the business the review could not read, and why (never a silent gap). */
export interface NotReviewed {
  what: string;
  why: string;
}

export interface GraphReviewReport extends AccessReviewReport {
  source: "graph";
  graph_calls: number;
  not_reviewed: NotReviewed[];
}

/** Where pages already read are kept, so an interrupted review resumes where it stopped. */
export interface PageCache {
  get(key: string): GraphPage<Record<string, unknown>> | undefined;
  put(key: string, page: GraphPage<Record<string, unknown>>): void;
}

/** The review cannot start: the token or the business itself cannot be read. */
export class GraphReviewRefused extends Error {
  constructor(
    message: string,
    override readonly cause: GraphCallError,
  ) {
    super(message);
    this.name = "GraphReviewRefused";
  }
}

/** Owned-asset edges of a Business node, per asset type (https://developers.facebook.com/docs/marketing-api/reference/business/). */
const OWNED_EDGES: readonly { type: AssetType; edge: string; fields: string }[] = [
  // https://developers.facebook.com/docs/marketing-api/reference/business/owned_ad_accounts/
  { type: "ad_account", edge: "owned_ad_accounts", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/owned_pages/
  { type: "page", edge: "owned_pages", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/owned_pixels/
  { type: "pixel", edge: "owned_pixels", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/owned_product_catalogs/
  { type: "product_catalog", edge: "owned_product_catalogs", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/owned_instagram_assets/
  { type: "instagram_account", edge: "owned_instagram_assets", fields: "id,username" },
  // Grantline's own edge; Meta answers it with an error, which is reported as not reviewed.
  { type: "creative_hub_project", edge: "creative_hub_projects", fields: "id,name" },
];

/**
 * Client-asset edges of a Business node: assets other businesses share with this one, on which the
 * review judges this business's own people and system users (the share itself is the client's to
 * review), as the native review does.
 */
const CLIENT_EDGES: readonly { type: AssetType; edge: string; fields: string }[] = [
  // https://developers.facebook.com/docs/marketing-api/reference/business/client_ad_accounts/ ("client-owned ad accounts", AdAccount nodes)
  { type: "ad_account", edge: "client_ad_accounts", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/client_pages/
  { type: "page", edge: "client_pages", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/client_pixels/ (AdsPixel nodes)
  { type: "pixel", edge: "client_pixels", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/client_product_catalogs/ (ProductCatalog nodes)
  { type: "product_catalog", edge: "client_product_catalogs", fields: "id,name" },
  // https://developers.facebook.com/docs/marketing-api/reference/business/client_instagram_assets/ (InstagramBusinessAsset nodes)
  { type: "instagram_account", edge: "client_instagram_assets", fields: "id,username" },
  // Grantline's own edge; Meta answers it with an error, which is reported as not reviewed.
  { type: "creative_hub_project", edge: "client_creative_hub_projects", fields: "id,name" },
];

/** What the Graph cannot tell, per finding kind (see docs/review-graph.md). */
export const GRAPH_UNDETERMINED: Undetermined = {
  unused: [
    "reads (reports, insights, viewing settings) leave no trace in the Graph; only changes in an ad account's activity log count as use",
    "Pages, Pixels, catalogs and Instagram accounts have no activity log in the Graph, so grants on them show no use",
    "when a person was assigned (AssignedUser has no time), so a grant given inside the window is judged too",
  ],
  over_privileged: [
    "reads leave no trace in the Graph, so a grant used only to read looks unused rather than over-privileged",
    "when a person was assigned (AssignedUser has no time)",
  ],
  external: ["the partner's people on Pages, Pixels, catalogs and Instagram accounts (only ad accounts list them, in /act_X/users)", "apps connected to the assets"],
  stale_principal: [
    "logins, reads and work outside ad accounts leave no activity in the Graph",
    "when a person joined the business (BusinessUser has no time)",
    "system users' tokens and their last use",
  ],
  missing_2fa: ["Meta documents two_fac_status without its values; \"enabled\" counts as enrolled"],
  share_ending: [],
};

/**
 * Catalogue action of an ad-account activity (https://developers.facebook.com/docs/marketing-api/reference/ad-activity/,
 * enum AdActivity event_type): creating a campaign, ad set or ad is `create_campaign`, a change of the
 * account's own settings `manage_settings`, any other change `edit_campaign` — the actions the hub's
 * own review reads from its audit log for the same changes.
 */
export function actionOfActivity(eventType: string): ActionName {
  if (eventType.startsWith("create_")) return "create_campaign";
  if (eventType.startsWith("ad_account_")) return "manage_settings";
  return "edit_campaign";
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const time = (value: unknown): number | null => {
  const text = str(value);
  if (text === undefined) return null;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isFinite(ms) ? ms : null;
};

export interface GraphReviewOptions {
  businessId: string;
  windowDays: number;
  /** The review's "now"; a resumed review keeps the first run's, so its reads are the same. */
  now: number;
  cache?: PageCache;
  onProgress?: (progress: ReviewProgress & { calls: number }) => void;
  /** Handed what was read before it is judged, with the ids of the business's own assets (a campaign's items). */
  onSnapshot?: (snapshot: ReviewSnapshot, owned: ReadonlySet<string>) => void;
}

/** Reads the business through the Graph and judges it with the review's rules. */
export async function reviewThroughGraph(client: GraphClient, options: GraphReviewOptions): Promise<GraphReviewReport> {
  const read = new GraphBusinessRead(client, options);
  await read.readBusiness();
  await read.readPeople();
  await read.readOwnedAssets();
  await read.readClientAssets();
  const owned = await read.readAccess();
  const snapshot = read.snapshot();
  options.onSnapshot?.(snapshot, owned);
  const report = await judgeSnapshot(snapshot);
  return { ...report, source: "graph", graph_calls: client.calls, not_reviewed: read.notReviewed };
}

/**
 * One review's reads, in order: the business (`readBusiness`), its people and system users
 * (`readPeople`), its own assets and its clients' (`readOwnedAssets`, `readClientAssets`), then who
 * reaches each (`readAccess`); `snapshot()` is what they found. A refused edge becomes a "not
 * reviewed" line; a bad token ends the review.
 */
class GraphBusinessRead {
  readonly notReviewed: NotReviewed[] = [];
  private readonly businessId: string;
  private readonly since: number;
  private businessName: string;
  private twoFactorType: string | undefined;
  private readonly names = new Map<string, { name: string; type: string }>();
  /** The business's own people and system users. */
  private own = new Set<string>();
  private members: SnapshotMember[] = [];
  private systemUsers: SnapshotSystemUser[] = [];
  private readonly activity = new Map<string, number>();
  private readonly assets = new Map<string, SnapshotAsset>();
  private readonly clientAssets = new Map<string, SnapshotAsset>();
  private readonly assignments: SnapshotAssignment[] = [];
  private readonly shares: SnapshotShare[] = [];
  private readonly reach = new Map<string, ShareReach[]>();
  private readonly useBits = new Map<string, PooledUseRow>();

  constructor(
    private readonly client: GraphClient,
    private readonly options: GraphReviewOptions,
  ) {
    this.businessId = options.businessId;
    this.businessName = options.businessId;
    this.since = options.now - options.windowDays * DAY_MS;
  }

  private progress(done: number, total: number, phase: string): void {
    this.options.onProgress?.({ done, total, phase, calls: this.client.calls });
  }

  /** Every item of an edge, page by page; pages read before (a resumed review) come from the cache. */
  private async all(path: string, params: Record<string, string>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let after: string | undefined;
    do {
      const key = `${path}?${new URLSearchParams(Object.entries(params).sort()).toString()}#${after ?? ""}`;
      let page = this.options.cache?.get(key);
      if (!page) {
        page = await this.client.page(path, params, after);
        this.options.cache?.put(key, page);
      }
      items.push(...page.data);
      after = page.after;
    } while (after);
    return items;
  }

  /** An edge that may be refused: a refusal becomes a "not reviewed" line, a bad token ends the review. */
  private async tryAll(what: string, path: string, params: Record<string, string>): Promise<Record<string, unknown>[] | undefined> {
    try {
      return await this.all(path, params);
    } catch (error) {
      if (!(error instanceof GraphCallError)) throw error;
      if (error.badToken) throw new GraphReviewRefused(`The token was refused while reading ${what}: ${error.graphMessage}. Get a new token and run the review again (with --resume to keep what was read).`, error);
      this.notReviewed.push({ what, why: `(#${error.code}) ${error.graphMessage}` });
      return undefined;
    }
  }

  /** https://developers.facebook.com/docs/marketing-api/reference/business/ (fields name, two_factor_type) */
  async readBusiness(): Promise<void> {
    const { businessId } = this;
    this.progress(0, 1, "reading the business");
    let business: Record<string, unknown>;
    try {
      business = await this.client.request("GET", businessId, { fields: "id,name,two_factor_type" });
    } catch (error) {
      if (!(error instanceof GraphCallError)) throw error;
      if (error.badToken) throw new GraphReviewRefused(`The token is invalid or expired: ${error.graphMessage}`, error);
      throw new GraphReviewRefused(
        `Business ${businessId} cannot be read with this token (${error.graphMessage}). The token needs business_management and a role in the business.`,
        error,
      );
    }
    this.businessName = str(business.name) ?? businessId;
    this.twoFactorType = str(business.two_factor_type);
    if (this.twoFactorType === undefined) this.notReviewed.push({ what: "the business's two-factor requirement", why: "two_factor_type was not returned (it needs business_management and an admin's token)" });
  }

  /**
   * People and system users: https://developers.facebook.com/docs/marketing-api/reference/business/business_users/
   * (BusinessUser fields role, tasks, two_fac_status) and
   * https://developers.facebook.com/docs/marketing-api/reference/business/system_users/ (SystemUser created_time).
   */
  async readPeople(): Promise<void> {
    const { businessId, names } = this;
    this.progress(0, 1, "reading people and system users");
    const people = await this.tryAll("people of the business (business_users)", `${businessId}/business_users`, { fields: "id,name,role,tasks,two_fac_status" });
    const systemRows = await this.tryAll("system users of the business (system_users)", `${businessId}/system_users`, { fields: "id,name,role,created_time" });
    this.members = (people ?? []).map((p) => {
      const id = String(p.id);
      names.set(id, { name: str(p.name) ?? id, type: "person" });
      const status = str(p.two_fac_status);
      return { id, name: str(p.name) ?? id, role: str(p.role) ?? "EMPLOYEE", created_at: null, totp_enabled: status === undefined ? undefined : status.toLowerCase() === "enabled" ? 1 : 0 };
    });
    if (people && this.members.some((m) => m.totp_enabled === undefined)) this.notReviewed.push({ what: "two-factor enrolment of people", why: "two_fac_status was not returned" });
    this.systemUsers = (systemRows ?? []).map((u) => {
      const id = String(u.id);
      names.set(id, { name: str(u.name) ?? id, type: "system_user" });
      return { id, name: str(u.name) ?? id, role: str(u.role) ?? "EMPLOYEE", created_at: time(u.created_time), tokens: null };
    });
    this.own = new Set(names.keys());
    // The token doing the review is in use now, whatever the activity logs say of its principal
    // (https://developers.facebook.com/docs/graph-api/reference/user/: /me is the token's user or system user).
    try {
      const me = await this.client.request("GET", "me", { fields: "id" });
      if (typeof me.id === "string") this.activity.set(me.id, this.options.now);
    } catch (error) {
      if (!(error instanceof GraphCallError) || error.badToken) throw error;
    }
  }

  /** Owned assets of every type. */
  async readOwnedAssets(): Promise<void> {
    this.progress(0, 1, "reading owned assets");
    for (const { type, edge, fields } of OWNED_EDGES) {
      const rows = await this.tryAll(`${type.replace(/_/g, " ")}s (${edge})`, `${this.businessId}/${edge}`, { fields });
      for (const row of rows ?? []) {
        const id = String(row.id);
        this.assets.set(id, { id, type, name: str(row.name) ?? str(row.username) ?? id });
      }
    }
  }

  /** Clients' assets: shared with the business by others (the client_* edges). */
  async readClientAssets(): Promise<void> {
    this.progress(0, 1, "reading clients' assets");
    for (const { type, edge, fields } of CLIENT_EDGES) {
      const rows = await this.tryAll(`clients' ${type.replace(/_/g, " ")}s (${edge})`, `${this.businessId}/${edge}`, { fields });
      for (const row of rows ?? []) {
        const id = String(row.id);
        if (!this.assets.has(id)) this.clientAssets.set(id, { id, type, name: str(row.name) ?? str(row.username) ?? id });
      }
    }
  }

  /**
   * Who reaches each asset: on the business's own, its partners (agencies), its own people on it
   * (assigned_users), and for ad accounts everyone who reaches it (users) and the activity log; on
   * a client's asset only the business's own people: whom it assigned, and what they changed.
   * Returns the ids of the business's own assets.
   */
  async readAccess(): Promise<ReadonlySet<string>> {
    const total = this.assets.size + this.clientAssets.size;
    let done = 0;
    for (const asset of this.assets.values()) {
      this.progress(done, total, `reading access to ${asset.name}`);
      done++;
      const confirmed = await this.readPartners(asset);
      await this.readAssigned(asset);
      if (asset.type !== "ad_account") continue;
      if (confirmed.length > 0) await this.readPartnersPeople(asset, confirmed);
      await this.readActivities(asset);
    }
    const owned = new Set(this.assets.keys());
    for (const asset of this.clientAssets.values()) {
      this.progress(done, total, `reading your people's access to ${asset.name}`);
      done++;
      await this.readAssigned(asset);
      if (asset.type === "ad_account") await this.readActivities(asset);
      this.assets.set(asset.id, asset);
    }
    this.notReviewed.push({ what: "apps connected to the business's assets", why: "the Graph does not list another business's app connections to an asset" });
    this.progress(total, total, "judging");
    return owned;
  }

  /**
   * An asset's partners, as shares; returns the confirmed ones.
   * https://developers.facebook.com/docs/marketing-api/reference/ad-account/agencies/ (permitted_tasks, access_status, access_updated_time)
   */
  private async readPartners(asset: SnapshotAsset): Promise<Record<string, unknown>[]> {
    const agencies = await this.tryAll(`partners of ${asset.name} (${asset.id}/agencies)`, `${asset.id}/agencies`, {
      fields: "id,name,access_status,permitted_tasks,access_updated_time,expiration_time",
    });
    const confirmed = (agencies ?? []).filter((a) => a.access_status === undefined || a.access_status === "CONFIRMED");
    for (const a of confirmed) {
      const partnerId = String(a.id);
      this.shares.push({
        id: `${asset.id}:${partnerId}`,
        asset_id: asset.id,
        partner_business_id: partnerId,
        partner_name: str(a.name) ?? partnerId,
        tasks: JSON.stringify(Array.isArray(a.permitted_tasks) ? a.permitted_tasks : []),
        ends_at: time(a.expiration_time),
        updated_at: time(a.access_updated_time),
      });
    }
    return confirmed;
  }

  /**
   * Everyone who reaches an ad account, with tasks; those not of this business come in through a
   * partner (https://developers.facebook.com/docs/marketing-api/reference/ad-account/users/). With
   * several partners the Graph does not say through which, and that is reported as not reviewed.
   */
  private async readPartnersPeople(asset: SnapshotAsset, confirmed: readonly Record<string, unknown>[]): Promise<void> {
    const users = await this.tryAll(`partners' people on ${asset.name} (${asset.id}/users)`, `${asset.id}/users`, { fields: "id,name,tasks,user_type" });
    const outside = (users ?? []).filter((u) => !this.own.has(String(u.id)));
    if (outside.length > 0 && confirmed.length > 1) {
      this.notReviewed.push({ what: `which partner lets each of ${outside.length} outside people into ${asset.name}`, why: "the asset is shared with several partners and /users does not say through which" });
      return;
    }
    for (const u of outside) {
      const id = String(u.id);
      const name = str(u.name) ?? id;
      this.names.set(id, { name, type: u.user_type === "SYSTEM_USER" ? "system_user" : "person" });
      const shareId = `${asset.id}:${String(confirmed[0]!.id)}`;
      const tasks = Array.isArray(u.tasks) ? (u.tasks as string[]) : [];
      const partnerName = str(confirmed[0]!.name) ?? String(confirmed[0]!.id);
      const via = `${name} reaches ${asset.name} through ${partnerName}, which ${this.businessName} shared it with`;
      const list = this.reach.get(shareId) ?? [];
      list.push({ principalId: id, tasks, via });
      this.reach.set(shareId, list);
    }
  }

  /**
   * The business's own people and system users assigned to an asset, with their tasks.
   * https://developers.facebook.com/docs/marketing-api/reference/ad-account/assigned_users/ (business required; tasks)
   */
  private async readAssigned(asset: SnapshotAsset): Promise<void> {
    const assigned = await this.tryAll(`people assigned to ${asset.name} (${asset.id}/assigned_users)`, `${asset.id}/assigned_users`, { business: this.businessId, fields: "id,name,user_type,tasks" });
    for (const u of assigned ?? []) {
      const id = String(u.id);
      if (!this.names.has(id)) this.names.set(id, { name: str(u.name) ?? id, type: u.user_type === "SYSTEM_USER" ? "system_user" : "person" });
      this.assignments.push({ id: `${asset.id}:${id}`, asset_id: asset.id, principal_id: id, tasks: JSON.stringify(Array.isArray(u.tasks) ? u.tasks : []), created_at: null });
    }
  }

  /**
   * An ad account's activity log in the window, as use and activity.
   * https://developers.facebook.com/docs/marketing-api/reference/ad-account/activities/ (since/until, actor_id, event_type, event_time)
   */
  private async readActivities(asset: SnapshotAsset): Promise<void> {
    const activities = await this.tryAll(`activity log of ${asset.name} (${asset.id}/activities)`, `${asset.id}/activities`, {
      since: String(Math.floor(this.since / 1000)),
      until: String(Math.floor(this.options.now / 1000)),
      fields: "event_type,event_time,actor_id",
    });
    for (const a of activities ?? []) {
      const actor = str(a.actor_id);
      const at = time(a.event_time);
      if (!actor || at === null || at < this.since) continue;
      this.noteUse(actor, asset.id, actionOfActivity(String(a.event_type)), at);
      this.activity.set(actor, Math.max(this.activity.get(actor) ?? 0, at));
    }
  }

  private noteUse(actor: string, assetId: string, action: ActionName, at: number): void {
    const key = `${actor}\u0000${assetId}`;
    const row = this.useBits.get(key);
    if (row) {
      row.actions |= ACTION_BITS.get(action)!;
      row.last_at = Math.max(row.last_at, at);
    } else this.useBits.set(key, { actor_id: actor, asset_id: assetId, actions: ACTION_BITS.get(action)!, last_at: at });
  }

  /** What the reads found, as the review's rules take it. */
  snapshot(): ReviewSnapshot {
    const { names, twoFactorType } = this;
    return {
      business: { id: this.businessId, name: this.businessName, twoFactorRequired: twoFactorType === "all_required" ? true : twoFactorType === "admin_required" ? "admins" : false },
      now: this.options.now,
      windowDays: this.options.windowDays,
      assets: this.assets,
      assignments: this.assignments,
      shares: this.shares,
      reach: this.reach,
      members: this.members,
      systemUsers: this.systemUsers,
      appGrants: [],
      uses: [...this.useBits.values()],
      activity: this.activity,
      principal: (id) => names.get(id) ?? { name: id, type: "person" },
      source: "graph",
      undetermined: GRAPH_UNDETERMINED as Partial<Record<FindingKind, readonly string[]>>,
    };
  }
}
