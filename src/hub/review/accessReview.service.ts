import { errors } from "../../errors.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import type { AssetEntry } from "../access/accessIndex.ts";
import { describePath } from "../access/explain.ts";
import type { ActionName } from "../catalogue/actions.ts";
import { taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant, describeMask, LEVEL_LABELS, presetMask, presetTasks, smallestLevelCovering, type PermissionLevel } from "../catalogue/permissionLevels.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import type { UsageRecorder } from "../audit/usageRollup.ts";
import * as repo from "./accessReview.repository.ts";
import { listGuardrailsOfAssets } from "../guardrails/guardrail.repository.ts";
import { spendTotals } from "../ads/insights.repository.ts";
import { requiredMask } from "../catalogue/actions.ts";
import {
  ACTION_BITS,
  actionOfAuditEntry,
  actionsOfBits,
  DAY_MS,
  FINDING_KINDS,
  UNGUARDED_SPEND_THRESHOLD,
  isoOrNull,
  usedMask,
  WRITE_SCOPES,
  type AccessReviewReport,
  type Finding,
  type FindingKind,
  type FindingRef,
} from "./findings.ts";

/** Shares ending within this many days are reported so they can be renewed or ended on purpose. */
const ENDING_SOON_DAYS = 14;

/** Use of an asset in the window: the catalogue actions seen, as `ACTION_BITS`, and the latest. */
interface Use {
  actions: number;
  lastAt: number;
}

/** A per-review cache of what depends only on an asset type and a mask (task lists, level names). */
function byTypeAndMask<T>(compute: (type: AssetType, mask: number) => T): (type: AssetType, mask: number) => T {
  const cache = new Map<AssetType, Map<number, T>>();
  return (type, mask) => {
    let forType = cache.get(type);
    if (!forType) cache.set(type, (forType = new Map()));
    let value = forType.get(mask);
    if (value === undefined) forType.set(mask, (value = compute(type, mask)));
    return value;
  };
}

/** An asset of the business, from the access index, with the ref its findings share. */
interface AssetInfo extends AssetEntry {
  ref: FindingRef;
}

/** Audited uses (one row per raw action) as the rollup pools them: catalogue actions as bits; entries that are not use dropped. */
function poolAuditedUse(rows: repo.UseRow[]): repo.PooledUseRow[] {
  const out: repo.PooledUseRow[] = [];
  for (const row of rows) {
    const action = actionOfAuditEntry(row.action, row.target_type);
    if (action) out.push({ actor_id: row.actor_id, asset_id: row.asset_id, actions: ACTION_BITS.get(action)!, last_at: row.last_at });
  }
  return out;
}

function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

/**
 * Access review findings for one business: grants nobody used, grants bigger than their use, idle
 * people and system users, everything reaching its assets from outside, risky apps, shares ending,
 * and 2FA gaps. Read-only; each finding carries the fix a UI or the CLI can apply.
 */
/**
 * Where findings read use from: the usage rollup (the default; one row per principal, asset and
 * action) or the raw audit log (the original computation, kept as the reference the rollup is
 * tested and benchmarked against).
 */
export type UsageSource = "rollup" | "audit_log";

/** How far a review is: items judged of the total, and what it is looking at now. */
export interface ReviewProgress {
  done: number;
  total: number;
  phase: string;
}

export class AccessReviewService {
  constructor(
    private readonly deps: HubDeps,
    private readonly usage?: UsageRecorder,
  ) {}

  /**
   * `onProgress` hears after each phase how many items (uses, grants, assets, principals) are
   * judged of the total, so a caller can show real progress; it may pause to let progress out.
   */
  async findings(
    ctx: RequestContext,
    businessId: string,
    options: {
      windowDays?: number;
      usageSource?: UsageSource;
      onProgress?: (progress: ReviewProgress) => Promise<void> | void;
      /** Spend (minor units) in the window above which an unguarded share is a finding; default UNGUARDED_SPEND_THRESHOLD. */
      guardrailSpendThreshold?: number;
    } = {},
  ): Promise<AccessReviewReport> {
    const windowDays = options.windowDays ?? 90;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3650) {
      throw errors.invalidParameter("Invalid window_days: use a whole number of days from 1 to 3650.");
    }
    const { db, engine } = this.deps;
    await engine.ensureCurrent();
    const business = await repo.findReviewBusiness(db, businessId);
    if (!business) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(engine, ctx, businessId, "reviewing access");

    const fromLog = options.usageSource === "audit_log";
    // Reads counted on this instance but not yet written count too.
    if (!fromLog) await this.usage?.flush();
    const now = this.deps.now();
    const since = now - windowDays * DAY_MS;
    const [shares, assignments, members, systemUsers, appGrants, useRows, activity] = await Promise.all([
      repo.listActiveSharesOwnedBy(db, businessId),
      repo.listOwnAssignments(db, businessId),
      repo.listMembers(db, businessId),
      repo.listSystemUserTokenUse(db, businessId, now),
      repo.listAppGrantsOnAssetsOf(db, businessId),
      fromLog ? repo.listUseSince(db, businessId, since).then(poolAuditedUse) : repo.listRolledUpUseSince(db, businessId, since),
      fromLog ? repo.lastActivitySince(db, businessId, since) : repo.lastRolledUpActivitySince(db, businessId, since),
    ]);

    // The business's assets as the access index holds them (current: see ensureCurrent above).
    // Refs, task lists and level names are shared by the findings that name them (many findings
    // name the same asset, person or task set); they are frozen, so no reader can change one for all.
    const assets = new Map<string, AssetInfo>();
    for (const a of engine.index.assetsOwnedBy(businessId)) {
      assets.set(a.id, { ...a, ref: Object.freeze({ id: a.id, name: a.name, type: a.type }) });
    }
    const total = useRows.length + assignments.length + assets.size + shares.length + appGrants.length + members.length + systemUsers.length;
    let done = 0;
    const progressed = async (items: number, phase: string) => {
      done += items;
      await options.onProgress?.({ done, total, phase });
    };
    await progressed(0, "reading recorded use");
    const principalRefs = new Map<string, FindingRef>();
    const principalRef = (id: string): FindingRef => {
      let ref = principalRefs.get(id);
      if (!ref) {
        const p = engine.index.principals.get(id);
        principalRefs.set(id, (ref = Object.freeze({ id, name: p?.name ?? id, type: p?.type ?? "person" })));
      }
      return ref;
    };
    const taskLists = new Map<string, readonly string[]>();
    const tasksOfJson = (json: string): readonly string[] => {
      let tasks = taskLists.get(json);
      if (!tasks) taskLists.set(json, (tasks = Object.freeze(parseList(json))));
      return tasks;
    };
    const tasksOf = byTypeAndMask((type, mask): readonly string[] => Object.freeze(tasksOfMask(type, mask)));
    const actionsSeen = new Map<number, readonly string[]>();
    const actionsOf = (bits: number): readonly string[] => {
      let names = actionsSeen.get(bits);
      if (!names) actionsSeen.set(bits, (names = Object.freeze(actionsOfBits(bits).sort())));
      return names;
    };
    const usedMaskOf = byTypeAndMask((type, bits) => usedMask(type, actionsOf(bits) as ActionName[]));

    // Use by asset, then principal: one small map per asset rather than a string key per row.
    const uses = new Map<string, Map<string, Use>>();
    for (const row of useRows) {
      let byPrincipal = uses.get(row.asset_id);
      if (!byPrincipal) uses.set(row.asset_id, (byPrincipal = new Map()));
      const use = byPrincipal.get(row.actor_id);
      if (use) {
        use.actions |= row.actions;
        use.lastAt = Math.max(use.lastAt, row.last_at);
      } else {
        byPrincipal.set(row.actor_id, { actions: row.actions, lastAt: row.last_at });
      }
    }
    await progressed(useRows.length, "judging your own people's assignments");
    const useOf = (principals: readonly { principalId: string }[], assetId: string): Use | undefined => {
      const byPrincipal = uses.get(assetId);
      if (!byPrincipal) return undefined;
      let out: Use | undefined;
      for (const { principalId } of principals) {
        const use = byPrincipal.get(principalId);
        if (!use) continue;
        out ??= { actions: 0, lastAt: 0 };
        out.actions |= use.actions;
        out.lastAt = Math.max(out.lastAt, use.lastAt);
      }
      return out;
    };
    const useOne = (principalId: string, assetId: string): Use | undefined => uses.get(assetId)?.get(principalId);
    const useEvidence = (asset: AssetInfo, grantMask: number, use: Use | undefined) => ({
      last_used: isoOrNull(use?.lastAt),
      actions_seen: actionsOf(use?.actions ?? 0),
      tasks: tasksOf(asset.type, grantMask),
      tasks_used: tasksOf(asset.type, use ? usedMaskOf(asset.type, use.actions) & grantMask : 0),
      window_days: windowDays,
    });

    const found = new Map<FindingKind, Finding[]>(FINDING_KINDS.map((kind) => [kind, []]));
    const add = (finding: Finding) => found.get(finding.kind)!.push(finding);

    /**
     * Unused and over-privileged grants. A grant given inside the window is too new to judge and is
     * left out; one with no use in the window is unused; one whose use needed less than it gives is
     * over-privileged, with the narrowest preset covering the tasks used. Returns "unused", the
     * level to suggest, or undefined when the grant is fine; only then is the finding built.
     */
    const judgeGrant = (type: AssetType, grantMask: number, grantedAt: number, use: Use | undefined): "unused" | PermissionLevel | undefined => {
      if (grantMask === 0 || grantedAt > since) return undefined;
      const used = use ? usedMaskOf(type, use.actions) & grantMask : 0;
      if (used === 0) return "unused";
      const level = smallestLevelCovering(type, used);
      if (!level || (grantMask & ~presetMask(type, level)) === 0) return undefined;
      return level;
    };
    const grantFinding = (
      judged: "unused" | PermissionLevel,
      asset: AssetInfo,
      grantMask: number,
      use: Use | undefined,
      subject: { principal: FindingRef; path: string; extra: Record<string, unknown> },
      fixes: { unused: () => Finding["fix"]; downgrade: (level: PermissionLevel, tasks: readonly string[]) => Finding["fix"] },
    ): Finding => {
      const evidence = { ...subject.extra, ...useEvidence(asset, grantMask, use) };
      if (judged === "unused") {
        return { kind: "unused", principal: subject.principal, asset: asset.ref, path: subject.path, evidence, fix: fixes.unused() };
      }
      return {
        kind: "over_privileged",
        principal: subject.principal,
        asset: asset.ref,
        path: subject.path,
        evidence: { ...evidence, granted_level: describeMask(asset.type, grantMask), suggested_level: LEVEL_LABELS[judged] },
        fix: fixes.downgrade(judged, presetTasks(asset.type, judged)),
      };
    };

    for (const a of assignments) {
      const asset = assets.get(a.asset_id);
      if (!asset) continue;
      const tasks = tasksOfJson(a.tasks);
      const mask = taskMask(asset.type, tasks);
      const use = useOne(a.principal_id, asset.id);
      const judged = judgeGrant(asset.type, mask, a.created_at, use);
      if (!judged) continue;
      const principal = principalRef(a.principal_id);
      const path = engine.index
        .paths(a.principal_id, asset.id, now)
        .find((p) => p.kind === "owner_assignment" && p.assignmentId === a.id);
      add(
        grantFinding(
          judged,
          asset,
          mask,
          use,
          {
            principal,
            path: path ? describePath(engine.index, asset, principal.name, path) : `${principal.name} was assigned ${describeGrant(asset.type, tasks)} on ${asset.name} by ${business.name}`,
            extra: { assignment_id: a.id },
          },
          {
            unused: () => ({
              action: "remove_assignment",
              description: `Remove ${principal.name}'s access to ${asset.name}; it was not used in the last ${windowDays} days.`,
              params: { assignment_id: a.id, asset_id: asset.id, principal_id: a.principal_id, business_id: businessId },
            }),
            downgrade: (level, levelTasks) => ({
              action: "downgrade",
              description: `Change ${principal.name}'s access to ${asset.name} to ${LEVEL_LABELS[level]}, which covers everything they did in the last ${windowDays} days.`,
              params: { assignment_id: a.id, asset_id: asset.id, principal_id: a.principal_id, business_id: businessId, level, tasks: levelTasks },
            }),
          },
        ),
      );
    }
    await progressed(assignments.length, "finding who reaches each asset through partners");

    // Everyone a share lets in, per share: the partner's people and system users assigned to the asset.
    // Only the partner paths are read from the index and described: at 100,000 grants, building and
    // presenting every path of every principal is most of the work.
    const throughShare = new Map<string, { principalId: string; tasks: readonly string[]; via: string }[]>();
    for (const asset of assets.values()) {
      for (const { principalId, path } of engine.index.partnerPaths(asset.id, now)) {
        const name = engine.index.principals.get(principalId)!.name;
        const list = throughShare.get(path.shareId);
        const reach = { principalId, tasks: tasksOf(asset.type, path.mask), via: describePath(engine.index, asset, name, path) };
        if (list) list.push(reach);
        else throughShare.set(path.shareId, [reach]);
      }
    }
    await progressed(assets.size, "judging partner shares");

    const shareGrantWords = new Map<string, string>();
    for (const s of shares) {
      const asset = assets.get(s.asset_id);
      if (!asset) continue;
      const tasks = tasksOfJson(s.tasks);
      const mask = taskMask(asset.type, tasks);
      const partner: FindingRef = Object.freeze({ id: s.partner_business_id, name: s.partner_name, type: "business" });
      const reached = throughShare.get(s.id) ?? [];
      const wordsKey = `${asset.type}:${s.tasks}`;
      let words = shareGrantWords.get(wordsKey);
      if (words === undefined) shareGrantWords.set(wordsKey, (words = describeGrant(asset.type, tasks)));
      const path = `${business.name} shared ${asset.name} with ${s.partner_name} (${words})`;
      const shareParams = Object.freeze({ share_id: s.id, asset_id: asset.id, partner_business_id: s.partner_business_id });
      const use = useOf(reached, asset.id);
      const judged = judgeGrant(asset.type, mask, s.updated_at, use);
      if (judged) {
        add(
          grantFinding(
            judged,
            asset,
            mask,
            use,
            { principal: partner, path, extra: { share_id: s.id, people: reached.map((r) => principalRef(r.principalId)) } },
            {
              unused: () => ({
                action: "revoke_share",
                description: `Remove ${s.partner_name}'s access to ${asset.name}; nobody at ${s.partner_name} used it in the last ${windowDays} days.`,
                params: shareParams,
              }),
              downgrade: (level, levelTasks) => ({
                action: "downgrade",
                description: `Change ${s.partner_name}'s access to ${asset.name} to ${LEVEL_LABELS[level]}, which covers everything its people did in the last ${windowDays} days.`,
                params: { ...shareParams, level, tasks: levelTasks },
              }),
            },
          ),
        );
      }

      for (const r of reached) {
        const principal = principalRef(r.principalId);
        add({
          kind: "external",
          principal,
          asset: asset.ref,
          path: r.via,
          evidence: { via: "partner_share", partner_business: partner, share_id: s.id, tasks: r.tasks, last_used: isoOrNull(useOne(r.principalId, asset.id)?.lastAt) },
          fix: {
            action: "revoke_share",
            description: `Remove ${s.partner_name}'s access to ${asset.name}, which also removes ${principal.name}'s.`,
            params: shareParams,
          },
        });
      }

      if (s.ends_at !== null && s.ends_at <= now + ENDING_SOON_DAYS * DAY_MS) {
        const ended = s.ends_at <= now;
        add({
          kind: "share_ending",
          principal: partner,
          asset: asset.ref,
          path,
          evidence: { share_id: s.id, ends_at: isoOrNull(s.ends_at), already_ended: ended, tasks },
          fix: {
            action: "renew_or_end_share",
            description: ended
              ? `The share of ${asset.name} with ${s.partner_name} passed its end date but is still active: end it, or set a new end date if the work goes on.`
              : `The share of ${asset.name} with ${s.partner_name} ends on ${isoOrNull(s.ends_at)}: set a new end date if the work goes on, or end it now.`,
            params: { ...shareParams, ends_at: s.ends_at },
          },
        });
      }
    }
    await progressed(shares.length, "judging connected apps");

    for (const g of appGrants) {
      const asset = assets.get(g.asset_id);
      if (!asset) continue;
      const scopes = parseList(g.scopes);
      const app: FindingRef = { id: g.app_id, name: g.app_name, type: "app" };
      const grantedBy = principalRef(g.principal_id);
      const path = `${grantedBy.name} connected the app ${g.app_name} (of ${g.app_business_name}) to ${asset.name} with ${scopes.join(", ") || "no scopes"}`;
      const removeApp = {
        action: "remove_app" as const,
        description: `Remove ${g.app_name}'s access to ${asset.name} (${grantedBy.name} connected it, so they or an operator can remove it).`,
        params: { grant_id: g.grant_id, app_id: g.app_id, asset_id: asset.id, granted_by: g.principal_id },
      };
      add({
        kind: "external",
        principal: app,
        asset: asset.ref,
        path,
        evidence: { via: "app_grant", grant_id: g.grant_id, app_business: { id: g.app_business_id, name: g.app_business_name, type: "business" }, scopes, granted_by: grantedBy, granted_at: isoOrNull(g.created_at) },
        fix: removeApp,
      });
      const writeScopes = scopes.filter((scope) => WRITE_SCOPES.includes(scope));
      if (writeScopes.length > 0 && g.verification_status !== "verified") {
        add({
          kind: "unverified_app_write",
          principal: app,
          asset: asset.ref,
          path,
          evidence: { grant_id: g.grant_id, write_scopes: writeScopes, app_business: { id: g.app_business_id, name: g.app_business_name, type: "business" }, verification_status: g.verification_status },
          fix: removeApp,
        });
      }
    }
    await progressed(appGrants.length, "looking for inactive people and system users");

    // Stale principals: people with no audited activity of any kind in the window (members added
    // inside the window are too new to judge), and system users whose live tokens were never used
    // or not in the window (tokens issued inside the window are too new to judge).
    const assignmentsOf = new Map<string, string[]>();
    for (const a of assignments) {
      const list = assignmentsOf.get(a.principal_id);
      if (list) list.push(a.id);
      else assignmentsOf.set(a.principal_id, [a.id]);
    }
    for (const m of members) {
      if (m.created_at > since || activity.has(m.id)) continue;
      const principal: FindingRef = { id: m.id, name: m.name, type: "person" };
      const assignmentIds = assignmentsOf.get(m.id) ?? [];
      add({
        kind: "stale_principal",
        principal,
        asset: null,
        path: `${m.name} is ${m.role} in ${business.name}`,
        evidence: { last_activity: null, role: m.role, member_since: isoOrNull(m.created_at), window_days: windowDays, assignment_ids: assignmentIds },
        fix: {
          action: "remove_member",
          description: `Remove ${m.name} from ${business.name}; nothing they did was recorded in the last ${windowDays} days.`,
          params: { business_id: businessId, person_id: m.id },
        },
      });
    }
    await progressed(members.length, "looking at system users' tokens");
    for (const u of systemUsers) {
      const judged = u.tokens.filter((t) => t.created_at <= since);
      if (judged.length === 0) continue;
      const lastUsed = judged.reduce<number | null>((max, t) => (t.last_used_at === null ? max : Math.max(max ?? 0, t.last_used_at)), null);
      if (lastUsed !== null && lastUsed >= since) continue;
      const principal: FindingRef = { id: u.id, name: u.name, type: "system_user" };
      add({
        kind: "stale_principal",
        principal,
        asset: null,
        path: `${u.name} is a ${u.role} system user of ${business.name}`,
        evidence: {
          last_used: isoOrNull(lastUsed),
          never_used: lastUsed === null,
          tokens: judged.map((t) => ({ id: t.id, issued_at: isoOrNull(t.created_at), last_used: isoOrNull(t.last_used_at) })),
          window_days: windowDays,
        },
        fix: {
          action: "revoke_token",
          description:
            lastUsed === null
              ? `Revoke ${u.name}'s tokens; none of them was ever used.`
              : `Revoke ${u.name}'s tokens; none was used in the last ${windowDays} days.`,
          params: { business_id: businessId, system_user_id: u.id, token_ids: judged.map((t) => t.id) },
        },
      });
    }
    await progressed(systemUsers.length, "done");

    if (business.two_factor_required === 1) {
      for (const m of members.filter((member) => member.totp_enabled !== 1)) {
        add({
          kind: "missing_2fa",
          principal: { id: m.id, name: m.name, type: "person" },
          asset: null,
          path: `${m.name} is ${m.role} in ${business.name}, which requires two-factor authentication`,
          evidence: {
            two_factor_required: true,
            enrolled: false,
          },
          fix: {
            action: "require_2fa",
            description: `Ask ${m.name} to turn on two-factor authentication, or remove them from ${business.name}.`,
            params: { business_id: businessId, person_id: m.id },
          },
        });
      }
    }

    await this.unguardedPartners(shares, assets, since, options.guardrailSpendThreshold ?? UNGUARDED_SPEND_THRESHOLD, business.name, add);

    return { business_id: businessId, window_days: windowDays, findings: FINDING_KINDS.flatMap((kind) => found.get(kind)!) };
  }

  /**
   * Shares of ad accounts that let a partner change budgets (Standard, Admin), with no partner
   * guardrails, on accounts that spent more than the threshold in the window: the partner can raise
   * any budget by any amount at any hour.
   */
  private async unguardedPartners(
    shares: Awaited<ReturnType<typeof repo.listActiveSharesOwnedBy>>,
    assets: ReadonlyMap<string, AssetInfo>,
    since: number,
    threshold: number,
    ownerName: string,
    add: (finding: Finding) => void,
  ): Promise<void> {
    const budgetMask = requiredMask("change_budget", "ad_account");
    const candidates = shares.filter((s) => {
      const asset = assets.get(s.asset_id);
      return asset?.type === "ad_account" && (taskMask(asset.type, parseList(s.tasks)) & budgetMask) === budgetMask;
    });
    if (candidates.length === 0) return;
    const accountIds = [...new Set(candidates.map((s) => s.asset_id))];
    const [guarded, spend] = await Promise.all([
      listGuardrailsOfAssets(this.deps.db, accountIds),
      spendTotals(this.deps.db, "account_id", accountIds, new Date(since).toISOString().slice(0, 10)),
    ]);
    const hasGuardrails = new Set(guarded.map((g) => `${g.asset_id}:${g.partner_business_id}`));
    for (const s of candidates) {
      const spent = spend.get(s.asset_id)?.spend ?? 0;
      if (spent <= threshold || hasGuardrails.has(`${s.asset_id}:${s.partner_business_id}`)) continue;
      const asset = assets.get(s.asset_id)!;
      const words = describeGrant(asset.type, parseList(s.tasks));
      add({
        kind: "unguarded_partner",
        principal: Object.freeze({ id: s.partner_business_id, name: s.partner_name, type: "business" }),
        asset: asset.ref,
        path: `${ownerName} shared ${asset.name} with ${s.partner_name} (${words})`,
        evidence: { share_id: s.id, spend_in_window: spent, spend_threshold: threshold, tasks: parseList(s.tasks) },
        fix: {
          action: "set_guardrails",
          description: `${s.partner_name} can raise any budget on ${asset.name} by any amount at any hour. Set partner guardrails (a maximum daily budget, a maximum increase, approval above an amount) on the share.`,
          params: { asset_id: asset.id, partner_business_id: s.partner_business_id },
        },
      });
    }
  }
}
