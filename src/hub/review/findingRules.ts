import { taskMask } from "../catalogue/assetTypes.ts";
import { describeGrant, LEVEL_LABELS, presetTasks } from "../catalogue/permissionLevels.ts";
import { DAY_MS, isoOrNull, WRITE_SCOPES, type FindingFix, type FindingRef } from "./findings.ts";
import type { GrantJudgement, Judging, Use } from "./judging.ts";
import { parseList, type ShareReach, type SnapshotAsset, type SnapshotMember, type SnapshotShare } from "./reviewSnapshot.ts";

/**
 * The access review's rules, one per finding kind: each reads the snapshot through `Judging` and
 * adds the findings of its kind, each with the fix a UI or the CLI can apply. `judgeSnapshot`
 * (reviewRules.ts) runs them in order.
 */

/** Shares ending within this many days are reported so they can be renewed or ended on purpose. */
export const ENDING_SOON_DAYS = 14;

/** `unused` and `over_privileged`: the business's own people's and system users' assignments, against their use. */
export function judgeAssignments(j: Judging): void {
  const { snapshot } = j;
  const { business, windowDays } = snapshot;
  for (const a of snapshot.assignments) {
    const asset = snapshot.assets.get(a.asset_id);
    if (!asset) continue;
    const tasks = j.tasksOfJson(a.tasks);
    const mask = taskMask(asset.type, tasks);
    const use = j.useOne(a.principal_id, asset.id);
    const judged = j.judgeGrant(asset.type, mask, a.created_at, use);
    if (!judged) continue;
    const principal = j.principalRef(a.principal_id);
    const params = { assignment_id: a.id, asset_id: asset.id, principal_id: a.principal_id, business_id: business.id };
    j.add(
      j.grantFinding(
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
            params,
          }),
          downgrade: (level, levelTasks) => ({
            action: "downgrade",
            description: `Change ${principal.name}'s access to ${asset.name} to ${LEVEL_LABELS[level]}, which covers everything they did in the last ${windowDays} days.`,
            params: { ...params, level, tasks: levelTasks },
          }),
        },
      ),
    );
  }
}

/** A partner share as the share rules read it: its asset, tasks, who it lets in, their pooled use and how the share fared. */
export interface JudgedShare {
  share: SnapshotShare;
  asset: SnapshotAsset;
  tasks: readonly string[];
  mask: number;
  partner: FindingRef;
  reached: readonly ShareReach[];
  path: string;
  params: Readonly<{ share_id: string; asset_id: string; partner_business_id: string }>;
  use: Use | undefined;
  judged: GrantJudgement;
}

/** Reads each share of an asset in the snapshot once, for the share rules below. */
export function judgeShares(j: Judging): JudgedShare[] {
  const { snapshot } = j;
  const grantWords = new Map<string, string>();
  const out: JudgedShare[] = [];
  for (const share of snapshot.shares) {
    const asset = snapshot.assets.get(share.asset_id);
    if (!asset) continue;
    const tasks = j.tasksOfJson(share.tasks);
    const mask = taskMask(asset.type, tasks);
    const reached = snapshot.reach.get(share.id) ?? [];
    const wordsKey = `${asset.type}:${share.tasks}`;
    let words = grantWords.get(wordsKey);
    if (words === undefined) grantWords.set(wordsKey, (words = describeGrant(asset.type, tasks)));
    const use = j.useOf(reached, asset.id);
    out.push({
      share,
      asset,
      tasks,
      mask,
      partner: Object.freeze({ id: share.partner_business_id, name: share.partner_name, type: "business" }),
      reached,
      path: `${snapshot.business.name} shared ${asset.name} with ${share.partner_name} (${words})`,
      params: Object.freeze({ share_id: share.id, asset_id: asset.id, partner_business_id: share.partner_business_id }),
      use,
      judged: j.judgeGrant(asset.type, mask, share.updated_at, use),
    });
  }
  return out;
}

/** `unused` and `over_privileged`: partner shares, against what the partner's people did with them. */
export function judgeShareGrants(j: Judging, shares: readonly JudgedShare[]): void {
  const { windowDays } = j.snapshot;
  for (const { share: s, asset, mask, partner, reached, path, params, use, judged } of shares) {
    if (!judged) continue;
    j.add(
      j.grantFinding(
        judged,
        asset,
        mask,
        use,
        { principal: partner, path, extra: { share_id: s.id, people: reached.map((r) => j.principalRef(r.principalId)) } },
        {
          unused: () => ({
            action: "revoke_share",
            description: `Remove ${s.partner_name}'s access to ${asset.name}; nobody at ${s.partner_name} used it in the last ${windowDays} days.`,
            params,
          }),
          downgrade: (level, levelTasks) => ({
            action: "downgrade",
            description: `Change ${s.partner_name}'s access to ${asset.name} to ${LEVEL_LABELS[level]}, which covers everything its people did in the last ${windowDays} days.`,
            params: { ...params, level, tasks: levelTasks },
          }),
        },
      ),
    );
  }
}

/**
 * `external` through partner shares: someone a share lets in is a finding about that someone. The
 * narrowest fix takes only their assignment away, then the share narrowed to what its people used,
 * and only then the share ends.
 */
export function judgeShareReach(j: Judging, shares: readonly JudgedShare[]): void {
  const { windowDays } = j.snapshot;
  for (const { share: s, asset, partner, reached, params, judged } of shares) {
    const narrowShare: FindingFix | undefined =
      judged && judged !== "unused"
        ? {
            action: "downgrade",
            description: `Change ${s.partner_name}'s access to ${asset.name} to ${LEVEL_LABELS[judged]}, which covers everything its people did in the last ${windowDays} days; everyone it assigned keeps at most that.`,
            params: { ...params, level: judged, tasks: presetTasks(asset.type, judged) },
          }
        : undefined;
    for (const r of reached) {
      const principal = j.principalRef(r.principalId);
      const endShare: FindingFix = {
        action: "revoke_share",
        description: `Remove ${s.partner_name}'s access to ${asset.name}, which also removes ${principal.name}'s.`,
        params,
      };
      const removeOne: FindingFix | undefined =
        r.assignmentId === undefined
          ? undefined
          : {
              action: "remove_assignment",
              description: `Remove only ${principal.name}'s assignment on ${asset.name}; the share with ${s.partner_name} and everyone else it assigned keep their access.`,
              params: { assignment_id: r.assignmentId, asset_id: asset.id, principal_id: r.principalId, business_id: s.partner_business_id },
            };
      j.add({
        kind: "external",
        principal,
        asset: j.assetRef(asset),
        path: r.via,
        evidence: { via: "partner_share", partner_business: partner, share_id: s.id, tasks: r.tasks, last_used: isoOrNull(j.useOne(r.principalId, asset.id)?.lastAt) },
        fix: endShare,
        fixes: [removeOne, narrowShare, endShare].filter((f): f is FindingFix => f !== undefined),
      });
    }
  }
}

/** `share_ending`: shares past their end date or ending within `ENDING_SOON_DAYS`, to renew or end on purpose. */
export function judgeSharesEnding(j: Judging, shares: readonly JudgedShare[]): void {
  const { now } = j.snapshot;
  for (const { share: s, asset, tasks, partner, path, params } of shares) {
    if (s.ends_at === null || s.ends_at > now + ENDING_SOON_DAYS * DAY_MS) continue;
    const ended = s.ends_at <= now;
    j.add({
      kind: "share_ending",
      principal: partner,
      asset: j.assetRef(asset),
      path,
      evidence: { share_id: s.id, ends_at: isoOrNull(s.ends_at), already_ended: ended, tasks },
      fix: {
        action: "renew_or_end_share",
        description: ended
          ? `The share of ${asset.name} with ${s.partner_name} passed its end date but is still active: end it, or set a new end date if the work goes on.`
          : `The share of ${asset.name} with ${s.partner_name} ends on ${isoOrNull(s.ends_at)}: set a new end date if the work goes on, or end it now.`,
        params: { ...params, ends_at: s.ends_at },
      },
    });
  }
}

/**
 * `external` through connected apps, and `unverified_app_write`: an app of a business that is not
 * verified holding a write scope on an asset. They are judged in one pass, app grant by app grant.
 */
export function judgeAppGrants(j: Judging): void {
  const { snapshot } = j;
  for (const g of snapshot.appGrants) {
    const asset = snapshot.assets.get(g.asset_id);
    if (!asset) continue;
    const scopes = parseList(g.scopes);
    const app: FindingRef = { id: g.app_id, name: g.app_name, type: "app" };
    const grantedBy = j.principalRef(g.principal_id);
    const path = `${grantedBy.name} connected the app ${g.app_name} (of ${g.app_business_name}) to ${asset.name} with ${scopes.join(", ") || "no scopes"}`;
    const appBusiness = { id: g.app_business_id, name: g.app_business_name, type: "business" };
    const removeApp = {
      action: "remove_app" as const,
      description: `Remove ${g.app_name}'s access to ${asset.name} (${grantedBy.name} connected it, so they or an operator can remove it).`,
      params: { grant_id: g.grant_id, app_id: g.app_id, asset_id: asset.id, granted_by: g.principal_id },
    };
    j.add({
      kind: "external",
      principal: app,
      asset: j.assetRef(asset),
      path,
      evidence: { via: "app_grant", grant_id: g.grant_id, app_business: appBusiness, scopes, granted_by: grantedBy, granted_at: isoOrNull(g.created_at) },
      fix: removeApp,
    });
    const writeScopes = scopes.filter((scope) => WRITE_SCOPES.includes(scope));
    if (writeScopes.length > 0 && g.verification_status !== "verified") {
      j.add({
        kind: "unverified_app_write",
        principal: app,
        asset: j.assetRef(asset),
        path,
        evidence: { grant_id: g.grant_id, write_scopes: writeScopes, app_business: appBusiness, verification_status: g.verification_status },
        fix: removeApp,
      });
    }
  }
}

/** `stale_principal` of people: no recorded activity of any kind in the window (members added inside it are too new to judge). */
export function judgeIdlePeople(j: Judging): void {
  const { business, windowDays, assignments, members, activity } = j.snapshot;
  const assignmentsOf = new Map<string, string[]>();
  for (const a of assignments) {
    const list = assignmentsOf.get(a.principal_id);
    if (list) list.push(a.id);
    else assignmentsOf.set(a.principal_id, [a.id]);
  }
  for (const m of members) {
    if ((m.created_at !== null && m.created_at > j.since) || activity.has(m.id)) continue;
    j.add({
      kind: "stale_principal",
      principal: { id: m.id, name: m.name, type: "person" },
      asset: null,
      path: `${m.name} is ${m.role} in ${business.name}`,
      evidence: { last_activity: null, role: m.role, member_since: isoOrNull(m.created_at), window_days: windowDays, assignment_ids: assignmentsOf.get(m.id) ?? [] },
      fix: {
        action: "remove_member",
        description: `Remove ${m.name} from ${business.name}; nothing they did was recorded in the last ${windowDays} days.`,
        params: { business_id: business.id, person_id: m.id },
      },
    });
  }
}

/**
 * `stale_principal` of system users: live tokens never used, or not in the window (tokens issued
 * inside the window are too new to judge). Where the source cannot list tokens, a system user is
 * judged by its recorded activity, as people are.
 */
export function judgeIdleSystemUsers(j: Judging): void {
  const { business, windowDays, systemUsers, activity } = j.snapshot;
  for (const u of systemUsers) {
    const principal: FindingRef = { id: u.id, name: u.name, type: "system_user" };
    const path = `${u.name} is a ${u.role} system user of ${business.name}`;
    if (u.tokens === null) {
      if ((u.created_at !== null && u.created_at > j.since) || activity.has(u.id)) continue;
      j.add({
        kind: "stale_principal",
        principal,
        asset: null,
        path,
        evidence: { last_used: null, never_used: null, tokens: null, window_days: windowDays },
        fix: {
          action: "revoke_token",
          description: `Revoke ${u.name}'s tokens, or remove the system user; nothing it did was recorded in the last ${windowDays} days.`,
          params: { business_id: business.id, system_user_id: u.id, token_ids: [] },
        },
      });
      continue;
    }
    const judged = u.tokens.filter((t) => t.created_at <= j.since);
    if (judged.length === 0) continue;
    const lastUsed = judged.reduce<number | null>((max, t) => (t.last_used_at === null ? max : Math.max(max ?? 0, t.last_used_at)), null);
    if (lastUsed !== null && lastUsed >= j.since) continue;
    j.add({
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
        description: lastUsed === null ? `Revoke ${u.name}'s tokens; none of them was ever used.` : `Revoke ${u.name}'s tokens; none was used in the last ${windowDays} days.`,
        params: { business_id: business.id, system_user_id: u.id, token_ids: judged.map((t) => t.id) },
      },
    });
  }
}

/** `missing_2fa`: people the business requires two-factor authentication of (everyone, or admins only) who have not turned it on. */
export function judgeTwoFactor(j: Judging): void {
  const { business, members } = j.snapshot;
  if (!business.twoFactorRequired) return;
  const bound = (m: SnapshotMember) => business.twoFactorRequired === true || m.role === "ADMIN";
  for (const m of members) {
    // undefined: the source cannot tell whether they enrolled.
    if (!bound(m) || m.totp_enabled === 1 || m.totp_enabled === undefined) continue;
    j.add({
      kind: "missing_2fa",
      principal: { id: m.id, name: m.name, type: "person" },
      asset: null,
      path: `${m.name} is ${m.role} in ${business.name}, which requires two-factor authentication`,
      evidence: { two_factor_required: true, enrolled: false },
      fix: {
        action: "require_2fa",
        description: `Ask ${m.name} to turn on two-factor authentication, or remove them from ${business.name}.`,
        params: { business_id: business.id, person_id: m.id },
      },
    });
  }
}
