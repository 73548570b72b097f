import type { ActionName } from "../catalogue/actions.ts";
import { tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeMask, LEVEL_LABELS, presetMask, presetTasks, smallestLevelCovering, type PermissionLevel } from "../catalogue/permissionLevels.ts";
import { actionsOfBits, DAY_MS, FINDING_KINDS, isoOrNull, usedMask, withFixes, type Finding, type FindingDraft, type FindingKind, type FindingRef } from "./findings.ts";
import { byTypeAndMask, parseList, type ReviewSnapshot, type SnapshotAsset } from "./reviewSnapshot.ts";

/**
 * One review in progress: the snapshot, what every rule reads of it (use by asset and principal,
 * refs, task lists), and the findings found so far by kind. Refs, task lists and level names are
 * shared by the findings that name them (many findings name the same asset, person or task set);
 * they are frozen, so no reader can change one for all.
 */

/** Use of an asset in the window: the catalogue actions seen, as `ACTION_BITS`, and the latest. */
export interface Use {
  actions: number;
  lastAt: number;
}

/** How a grant fared against its use: unused, too big (the level that covers the use), or fine (undefined). */
export type GrantJudgement = "unused" | PermissionLevel | undefined;

/** The fixes a grant finding offers, built only once the grant is found wanting. */
export interface GrantFixes {
  unused: () => Finding["fix"];
  downgrade: (level: PermissionLevel, tasks: readonly string[]) => Finding["fix"];
}

export class Judging {
  /** Grants given after this (inside the window) are too new to judge. */
  readonly since: number;
  private readonly found = new Map<FindingKind, Finding[]>(FINDING_KINDS.map((kind) => [kind, []]));
  /** Use by asset, then principal: one small map per asset rather than a string key per row. */
  private readonly uses = new Map<string, Map<string, Use>>();
  private readonly assetRefs = new Map<string, FindingRef>();
  private readonly principalRefs = new Map<string, FindingRef>();
  private readonly taskLists = new Map<string, readonly string[]>();
  private readonly actionsSeen = new Map<number, readonly string[]>();
  private readonly tasksOf = byTypeAndMask((type, mask): readonly string[] => Object.freeze(tasksOfMask(type, mask)));
  private readonly usedMaskOf = byTypeAndMask((type, bits) => usedMask(type, this.actionsOf(bits) as ActionName[]));

  constructor(readonly snapshot: ReviewSnapshot) {
    this.since = snapshot.now - snapshot.windowDays * DAY_MS;
    for (const row of snapshot.uses) {
      let byPrincipal = this.uses.get(row.asset_id);
      if (!byPrincipal) this.uses.set(row.asset_id, (byPrincipal = new Map()));
      const use = byPrincipal.get(row.actor_id);
      if (use) {
        use.actions |= row.actions;
        use.lastAt = Math.max(use.lastAt, row.last_at);
      } else {
        byPrincipal.set(row.actor_id, { actions: row.actions, lastAt: row.last_at });
      }
    }
  }

  /** Records a finding; Graph-sourced findings say where their evidence came from and what the source could not tell. */
  add(draft: FindingDraft): void {
    const finding = withFixes(draft);
    const { source, undetermined } = this.snapshot;
    this.found.get(finding.kind)!.push(source === undefined ? finding : { ...finding, evidence: { ...finding.evidence, source, undetermined: undetermined?.[finding.kind] ?? [] } });
  }

  /** Every finding, kind by kind in `FINDING_KINDS` order, each kind in the order found. */
  findings(): Finding[] {
    return FINDING_KINDS.flatMap((kind) => this.found.get(kind)!);
  }

  assetRef(asset: SnapshotAsset): FindingRef {
    let ref = this.assetRefs.get(asset.id);
    if (!ref) this.assetRefs.set(asset.id, (ref = Object.freeze({ id: asset.id, name: asset.name, type: asset.type })));
    return ref;
  }

  principalRef(id: string): FindingRef {
    let ref = this.principalRefs.get(id);
    if (!ref) {
      const p = this.snapshot.principal(id);
      this.principalRefs.set(id, (ref = Object.freeze({ id, name: p.name, type: p.type })));
    }
    return ref;
  }

  /** A stored JSON task list, parsed once per distinct list. */
  tasksOfJson(json: string): readonly string[] {
    let tasks = this.taskLists.get(json);
    if (!tasks) this.taskLists.set(json, (tasks = Object.freeze(parseList(json))));
    return tasks;
  }

  private actionsOf(bits: number): readonly string[] {
    let names = this.actionsSeen.get(bits);
    if (!names) this.actionsSeen.set(bits, (names = Object.freeze(actionsOfBits(bits).sort())));
    return names;
  }

  /** One principal's use of an asset in the window. */
  useOne(principalId: string, assetId: string): Use | undefined {
    return this.uses.get(assetId)?.get(principalId);
  }

  /** The pooled use of an asset by several principals (everyone a share lets in). */
  useOf(principals: readonly { principalId: string }[], assetId: string): Use | undefined {
    const byPrincipal = this.uses.get(assetId);
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
  }

  /**
   * Unused and over-privileged grants. A grant given inside the window is too new to judge and is
   * left out (one whose time the source does not tell is judged); one with no use in the window is
   * unused; one whose use needed less than it gives is over-privileged, with the narrowest preset
   * covering the tasks used. Returns "unused", the level to suggest, or undefined when the grant is
   * fine; only then is the finding built.
   */
  judgeGrant(type: AssetType, grantMask: number, grantedAt: number | null, use: Use | undefined): GrantJudgement {
    if (grantMask === 0 || (grantedAt !== null && grantedAt > this.since)) return undefined;
    const used = use ? this.usedMaskOf(type, use.actions) & grantMask : 0;
    if (used === 0) return "unused";
    const level = smallestLevelCovering(type, used);
    if (!level || (grantMask & ~presetMask(type, level)) === 0) return undefined;
    return level;
  }

  /** The `unused` or `over_privileged` finding of a grant `judgeGrant` found wanting. */
  grantFinding(
    judged: "unused" | PermissionLevel,
    asset: SnapshotAsset,
    grantMask: number,
    use: Use | undefined,
    subject: { principal: FindingRef; path: string; extra: Record<string, unknown> },
    fixes: GrantFixes,
  ): FindingDraft {
    const evidence = { ...subject.extra, ...this.useEvidence(asset, grantMask, use) };
    if (judged === "unused") {
      return { kind: "unused", principal: subject.principal, asset: this.assetRef(asset), path: subject.path, evidence, fix: fixes.unused() };
    }
    return {
      kind: "over_privileged",
      principal: subject.principal,
      asset: this.assetRef(asset),
      path: subject.path,
      evidence: { ...evidence, granted_level: describeMask(asset.type, grantMask), suggested_level: LEVEL_LABELS[judged] },
      fix: fixes.downgrade(judged, presetTasks(asset.type, judged)),
    };
  }

  private useEvidence(asset: SnapshotAsset, grantMask: number, use: Use | undefined) {
    return {
      last_used: isoOrNull(use?.lastAt),
      actions_seen: this.actionsOf(use?.actions ?? 0),
      tasks: this.tasksOf(asset.type, grantMask),
      tasks_used: this.tasksOf(asset.type, use ? this.usedMaskOf(asset.type, use.actions) & grantMask : 0),
      window_days: this.snapshot.windowDays,
    };
  }
}
