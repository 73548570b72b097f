import type { ActionName } from "../catalogue/actions.ts";
import { taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant, describeMask, LEVEL_LABELS, presetMask, presetTasks, smallestLevelCovering, type PermissionLevel } from "../catalogue/permissionLevels.ts";
import type { PooledUseRow } from "./accessReview.repository.ts";
import { actionsOfBits, DAY_MS, FINDING_KINDS, isoOrNull, usedMask, withFixes, WRITE_SCOPES, type AccessReviewReport, type Finding, type FindingDraft, type FindingFix, type FindingKind, type FindingRef } from "./findings.ts";

/**
 * The access review's rules, one per finding kind, over a snapshot of a business that says nothing
 * of where it was read: the hub's own store (`AccessReviewService`) or the Graph API of any
 * business reachable with its token (`src/graph/client/graphReview.ts`), Meta's included. What a
 * source could not tell is `null` in the snapshot, and the rules then judge on what is known and say
 * so in the finding (`ReviewSnapshot.undetermined`).
 */

/** Shares ending within this many days are reported so they can be renewed or ended on purpose. */
export const ENDING_SOON_DAYS = 14;

export interface SnapshotAsset {
  id: string;
  name: string;
  type: AssetType;
}

export interface SnapshotAssignment {
  id: string;
  asset_id: string;
  principal_id: string;
  /** JSON list of task names (as the store keeps them; parsed once per distinct list). */
  tasks: string;
  /** When it was given; null when the source does not tell (Meta's AssignedUser has no time). */
  created_at: number | null;
}

export interface SnapshotShare {
  id: string;
  asset_id: string;
  partner_business_id: string;
  partner_name: string;
  /** JSON list of task names. */
  tasks: string;
  ends_at: number | null;
  /** When its tasks were last set; null when the source does not tell. */
  updated_at: number | null;
}

/** One of a partner's people or system users let in by a share, with the tasks the path gives. */
export interface ShareReach {
  principalId: string;
  tasks: readonly string[];
  via: string;
  /**
   * The partner's assignment that lets the principal in, when the source can name it (the hub's
   * store can; the Graph cannot): the owner can then remove that one assignment and keep the share.
   */
  assignmentId?: string;
}

export interface SnapshotMember {
  id: string;
  name: string;
  role: string;
  /** When they joined; null when the source does not tell. */
  created_at: number | null;
  /** 1 enrolled, 0 or null not enrolled; undefined when the source does not tell. */
  totp_enabled: number | null | undefined;
}

export interface SnapshotToken {
  id: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SnapshotSystemUser {
  id: string;
  name: string;
  role: string;
  created_at: number | null;
  /** Live tokens; null when the source cannot list them (the Graph cannot). */
  tokens: SnapshotToken[] | null;
}

export interface SnapshotAppGrant {
  grant_id: string;
  app_id: string;
  app_name: string;
  app_business_id: string;
  app_business_name: string;
  verification_status: string;
  principal_id: string;
  /** JSON list of scopes. */
  scopes: string;
  created_at: number;
  asset_id: string;
}

/** What a source could not tell, per finding kind, in plain words; findings of that kind carry it. */
export type Undetermined = Partial<Record<FindingKind, readonly string[]>>;

export interface ReviewSnapshot {
  /** `twoFactorRequired`: of everyone, of admins only (Meta's `admin_required`), or not at all. */
  business: { id: string; name: string; twoFactorRequired: boolean | "admins" };
  now: number;
  windowDays: number;
  assets: ReadonlyMap<string, SnapshotAsset>;
  assignments: readonly SnapshotAssignment[];
  shares: readonly SnapshotShare[];
  /** Who each share lets in, by share id. */
  reach: ReadonlyMap<string, readonly ShareReach[]>;
  members: readonly SnapshotMember[];
  systemUsers: readonly SnapshotSystemUser[];
  appGrants: readonly SnapshotAppGrant[];
  /** Use in the window: one row per principal and asset, actions as `ACTION_BITS`. */
  uses: readonly PooledUseRow[];
  /** Latest activity in the window of each person and system user of the business. */
  activity: ReadonlyMap<string, number>;
  /** A principal's name and type for findings. */
  principal(id: string): { name: string; type: string };
  /** How an assignment reaches its asset, in plain words, when the source can say better than the default. */
  assignmentPath?(assignment: SnapshotAssignment, principalName: string, asset: SnapshotAsset): string | undefined;
  /** Where the evidence was read ("graph"); absent for the hub's own store, whose findings keep their original shape. */
  source?: string;
  undetermined?: Undetermined;
}

/** Use of an asset in the window: the catalogue actions seen, as `ACTION_BITS`, and the latest. */
interface Use {
  actions: number;
  lastAt: number;
}

/** A per-review cache of what depends only on an asset type and a mask (task lists, level names). */
export function byTypeAndMask<T>(compute: (type: AssetType, mask: number) => T): (type: AssetType, mask: number) => T {
  const cache = new Map<AssetType, Map<number, T>>();
  return (type, mask) => {
    let forType = cache.get(type);
    if (!forType) cache.set(type, (forType = new Map()));
    let value = forType.get(mask);
    if (value === undefined) forType.set(mask, (value = compute(type, mask)));
    return value;
  };
}

export function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

/** How far a review is: items judged of the total, and what it is looking at now. */
export interface ReviewProgress {
  done: number;
  total: number;
  phase: string;
}

/**
 * Access review findings of a snapshot: grants nobody used, grants bigger than their use, idle
 * people and system users, everything reaching the business's assets from outside, risky apps,
 * shares ending, and 2FA gaps. Each finding carries the fix a UI or the CLI can apply.
 */
export async function judgeSnapshot(snapshot: ReviewSnapshot, onProgress?: (progress: ReviewProgress) => Promise<void> | void): Promise<AccessReviewReport> {
  const { business, now, windowDays, assets, assignments, shares, members, systemUsers, appGrants, activity } = snapshot;
  const businessId = business.id;
  const since = now - windowDays * DAY_MS;
  const useRows = snapshot.uses;

  // Refs, task lists and level names are shared by the findings that name them (many findings
  // name the same asset, person or task set); they are frozen, so no reader can change one for all.
  const assetRefs = new Map<string, FindingRef>();
  const assetRef = (asset: SnapshotAsset): FindingRef => {
    let ref = assetRefs.get(asset.id);
    if (!ref) assetRefs.set(asset.id, (ref = Object.freeze({ id: asset.id, name: asset.name, type: asset.type })));
    return ref;
  };
  const total = useRows.length + assignments.length + assets.size + shares.length + appGrants.length + members.length + systemUsers.length;
  let done = 0;
  const progressed = async (items: number, phase: string) => {
    done += items;
    await onProgress?.({ done, total, phase });
  };
  await progressed(0, "reading recorded use");
  const principalRefs = new Map<string, FindingRef>();
  const principalRef = (id: string): FindingRef => {
    let ref = principalRefs.get(id);
    if (!ref) {
      const p = snapshot.principal(id);
      principalRefs.set(id, (ref = Object.freeze({ id, name: p.name, type: p.type })));
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
  // Graph-sourced findings say where their evidence came from and what the source could not tell.
  const sourced = (kind: FindingKind, evidence: Record<string, unknown>): Record<string, unknown> =>
    snapshot.source === undefined ? evidence : { ...evidence, source: snapshot.source, undetermined: snapshot.undetermined?.[kind] ?? [] };
  const found = new Map<FindingKind, Finding[]>(FINDING_KINDS.map((kind) => [kind, []]));
  const add = (draft: FindingDraft) => {
    const finding = withFixes(draft);
    found.get(finding.kind)!.push(snapshot.source === undefined ? finding : { ...finding, evidence: sourced(finding.kind, finding.evidence) });
  };

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
  const useEvidence = (asset: SnapshotAsset, grantMask: number, use: Use | undefined) => ({
    last_used: isoOrNull(use?.lastAt),
    actions_seen: actionsOf(use?.actions ?? 0),
    tasks: tasksOf(asset.type, grantMask),
    tasks_used: tasksOf(asset.type, use ? usedMaskOf(asset.type, use.actions) & grantMask : 0),
    window_days: windowDays,
  });

  /**
   * Unused and over-privileged grants. A grant given inside the window is too new to judge and is
   * left out (one whose time the source does not tell is judged); one with no use in the window is
   * unused; one whose use needed less than it gives is over-privileged, with the narrowest preset
   * covering the tasks used. Returns "unused", the level to suggest, or undefined when the grant is
   * fine; only then is the finding built.
   */
  const judgeGrant = (type: AssetType, grantMask: number, grantedAt: number | null, use: Use | undefined): "unused" | PermissionLevel | undefined => {
    if (grantMask === 0 || (grantedAt !== null && grantedAt > since)) return undefined;
    const used = use ? usedMaskOf(type, use.actions) & grantMask : 0;
    if (used === 0) return "unused";
    const level = smallestLevelCovering(type, used);
    if (!level || (grantMask & ~presetMask(type, level)) === 0) return undefined;
    return level;
  };
  const grantFinding = (
    judged: "unused" | PermissionLevel,
    asset: SnapshotAsset,
    grantMask: number,
    use: Use | undefined,
    subject: { principal: FindingRef; path: string; extra: Record<string, unknown> },
    fixes: { unused: () => Finding["fix"]; downgrade: (level: PermissionLevel, tasks: readonly string[]) => Finding["fix"] },
  ): FindingDraft => {
    const evidence = { ...subject.extra, ...useEvidence(asset, grantMask, use) };
    if (judged === "unused") {
      return { kind: "unused", principal: subject.principal, asset: assetRef(asset), path: subject.path, evidence, fix: fixes.unused() };
    }
    return {
      kind: "over_privileged",
      principal: subject.principal,
      asset: assetRef(asset),
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
    add(
      grantFinding(
        judged,
        asset,
        mask,
        use,
        {
          principal,
          path: snapshot.assignmentPath?.(a, principal.name, asset) ?? `${principal.name} was assigned ${describeGrant(asset.type, tasks)} on ${asset.name} by ${business.name}`,
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
  await progressed(assets.size, "judging partner shares");

  const shareGrantWords = new Map<string, string>();
  for (const s of shares) {
    const asset = assets.get(s.asset_id);
    if (!asset) continue;
    const tasks = tasksOfJson(s.tasks);
    const mask = taskMask(asset.type, tasks);
    const partner: FindingRef = Object.freeze({ id: s.partner_business_id, name: s.partner_name, type: "business" });
    const reached = snapshot.reach.get(s.id) ?? [];
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

    // Someone a share lets in is a finding about that someone: the narrowest fix takes only their
    // assignment away, then the share narrowed to what its people used, and only then the share ends.
    const narrowShare: FindingFix | undefined =
      judged && judged !== "unused"
        ? {
            action: "downgrade",
            description: `Change ${s.partner_name}'s access to ${asset.name} to ${LEVEL_LABELS[judged]}, which covers everything its people did in the last ${windowDays} days; everyone it assigned keeps at most that.`,
            params: { ...shareParams, level: judged, tasks: presetTasks(asset.type, judged) },
          }
        : undefined;
    for (const r of reached) {
      const principal = principalRef(r.principalId);
      const endShare: FindingFix = {
        action: "revoke_share",
        description: `Remove ${s.partner_name}'s access to ${asset.name}, which also removes ${principal.name}'s.`,
        params: shareParams,
      };
      const removeOne: FindingFix | undefined =
        r.assignmentId === undefined
          ? undefined
          : {
              action: "remove_assignment",
              description: `Remove only ${principal.name}'s assignment on ${asset.name}; the share with ${s.partner_name} and everyone else it assigned keep their access.`,
              params: { assignment_id: r.assignmentId, asset_id: asset.id, principal_id: r.principalId, business_id: s.partner_business_id },
            };
      add({
        kind: "external",
        principal,
        asset: assetRef(asset),
        path: r.via,
        evidence: { via: "partner_share", partner_business: partner, share_id: s.id, tasks: r.tasks, last_used: isoOrNull(useOne(r.principalId, asset.id)?.lastAt) },
        fix: endShare,
        fixes: [removeOne, narrowShare, endShare].filter((f): f is FindingFix => f !== undefined),
      });
    }

    if (s.ends_at !== null && s.ends_at <= now + ENDING_SOON_DAYS * DAY_MS) {
      const ended = s.ends_at <= now;
      add({
        kind: "share_ending",
        principal: partner,
        asset: assetRef(asset),
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
      asset: assetRef(asset),
      path,
      evidence: { via: "app_grant", grant_id: g.grant_id, app_business: { id: g.app_business_id, name: g.app_business_name, type: "business" }, scopes, granted_by: grantedBy, granted_at: isoOrNull(g.created_at) },
      fix: removeApp,
    });
    const writeScopes = scopes.filter((scope) => WRITE_SCOPES.includes(scope));
    if (writeScopes.length > 0 && g.verification_status !== "verified") {
      add({
        kind: "unverified_app_write",
        principal: app,
        asset: assetRef(asset),
        path,
        evidence: { grant_id: g.grant_id, write_scopes: writeScopes, app_business: { id: g.app_business_id, name: g.app_business_name, type: "business" }, verification_status: g.verification_status },
        fix: removeApp,
      });
    }
  }
  await progressed(appGrants.length, "looking for inactive people and system users");

  // Stale principals: people with no recorded activity of any kind in the window (members added
  // inside the window are too new to judge), and system users whose live tokens were never used
  // or not in the window (tokens issued inside the window are too new to judge). Where the source
  // cannot list tokens, a system user is judged by its recorded activity, as people are.
  const assignmentsOf = new Map<string, string[]>();
  for (const a of assignments) {
    const list = assignmentsOf.get(a.principal_id);
    if (list) list.push(a.id);
    else assignmentsOf.set(a.principal_id, [a.id]);
  }
  for (const m of members) {
    if ((m.created_at !== null && m.created_at > since) || activity.has(m.id)) continue;
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
    const principal: FindingRef = { id: u.id, name: u.name, type: "system_user" };
    const path = `${u.name} is a ${u.role} system user of ${business.name}`;
    if (u.tokens === null) {
      if ((u.created_at !== null && u.created_at > since) || activity.has(u.id)) continue;
      add({
        kind: "stale_principal",
        principal,
        asset: null,
        path,
        evidence: { last_used: null, never_used: null, tokens: null, window_days: windowDays },
        fix: {
          action: "revoke_token",
          description: `Revoke ${u.name}'s tokens, or remove the system user; nothing it did was recorded in the last ${windowDays} days.`,
          params: { business_id: businessId, system_user_id: u.id, token_ids: [] },
        },
      });
      continue;
    }
    const judged = u.tokens.filter((t) => t.created_at <= since);
    if (judged.length === 0) continue;
    const lastUsed = judged.reduce<number | null>((max, t) => (t.last_used_at === null ? max : Math.max(max ?? 0, t.last_used_at)), null);
    if (lastUsed !== null && lastUsed >= since) continue;
    add({
      kind: "stale_principal",
      principal,
      asset: null,
      path,
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

  if (business.twoFactorRequired) {
    const bound = (m: SnapshotMember) => business.twoFactorRequired === true || m.role === "ADMIN";
    for (const m of members.filter((member) => bound(member) && member.totp_enabled !== 1 && member.totp_enabled !== undefined)) {
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

  return { business_id: businessId, window_days: windowDays, findings: FINDING_KINDS.flatMap((kind) => found.get(kind)!) };
}
