import { ASSET_TYPE_INFO, taskMask, tasksOfMask, type AssetType } from "./assetTypes.ts";
import { taskNames } from "./taskNames.ts";

/**
 * Permission levels are named presets over tasks, as Business Settings shows them. Narrowest first,
 * so the first level that covers a set of tasks is the least privilege that allows it.
 */
export const PERMISSION_LEVELS = ["ANALYTICS_VIEW", "VIEW_ONLY", "LAUNCH_ONLY", "STANDARD", "ADMIN"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

export const LEVEL_LABELS: Record<PermissionLevel, string> = {
  ANALYTICS_VIEW: "Analytics view",
  VIEW_ONLY: "View only",
  LAUNCH_ONLY: "Launch only",
  STANDARD: "Standard",
  ADMIN: "Admin",
};

type Presets = Record<PermissionLevel, readonly string[]>;

const PRESETS: Record<AssetType, Presets> = {
  ad_account: {
    // Reports only: Meta's "View performance" task.
    ANALYTICS_VIEW: ["ANALYZE"],
    VIEW_ONLY: ["ANALYZE", "AA_ANALYZE"],
    LAUNCH_ONLY: ["ADVERTISE", "DRAFT"],
    STANDARD: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"],
    ADMIN: ASSET_TYPE_INFO.ad_account.tasks,
  },
  page: {
    ANALYTICS_VIEW: ["ANALYZE"],
    VIEW_ONLY: ["ANALYZE"],
    LAUNCH_ONLY: ["ADVERTISE"],
    STANDARD: ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MODERATE", "MESSAGING"],
    ADMIN: ASSET_TYPE_INFO.page.tasks,
  },
  pixel: {
    ANALYTICS_VIEW: ["ANALYZE"],
    VIEW_ONLY: ["ANALYZE"],
    LAUNCH_ONLY: ["ADVERTISE"],
    STANDARD: ["ADVERTISE", "ANALYZE", "UPLOAD"],
    ADMIN: ASSET_TYPE_INFO.pixel.shareTasks,
  },
  instagram_account: {
    ANALYTICS_VIEW: ["ANALYZE"],
    VIEW_ONLY: ["ANALYZE"],
    LAUNCH_ONLY: ["ADVERTISE"],
    STANDARD: ["ADVERTISE", "ANALYZE", "CONTENT"],
    ADMIN: ASSET_TYPE_INFO.instagram_account.tasks,
  },
  product_catalog: {
    ANALYTICS_VIEW: ["AA_ANALYZE"],
    VIEW_ONLY: ["AA_ANALYZE"],
    LAUNCH_ONLY: ["ADVERTISE"],
    STANDARD: ["ADVERTISE", "AA_ANALYZE"],
    ADMIN: ASSET_TYPE_INFO.product_catalog.tasks,
  },
  creative_hub_project: {
    ANALYTICS_VIEW: ["ANALYZE"],
    VIEW_ONLY: ["ANALYZE"],
    LAUNCH_ONLY: ["CREATE_CONTENT"],
    STANDARD: ["CREATE_CONTENT", "ANALYZE"],
    ADMIN: ASSET_TYPE_INFO.creative_hub_project.tasks,
  },
};

/** Each preset's tasks as a mask, computed once: levels are named for every grant a review or explanation describes. */
const PRESET_MASKS = Object.fromEntries(
  Object.entries(PRESETS).map(([type, presets]) => [
    type,
    Object.fromEntries(PERMISSION_LEVELS.map((level) => [level, taskMask(type as AssetType, presets[level])])),
  ]),
) as Record<AssetType, Record<PermissionLevel, number>>;

const LEVEL_DESCRIPTIONS: Record<PermissionLevel, string> = {
  ANALYTICS_VIEW: "see performance reports only; no changes",
  VIEW_ONLY: "see the asset, its settings and performance; no changes",
  LAUNCH_ONLY: "create and publish new ads with the asset; no reporting and no settings",
  STANDARD: "run and change campaigns and content; no access management or settings",
  ADMIN: "full control, including settings and who else has access",
};

export function presetTasks(type: AssetType, level: PermissionLevel): readonly string[] {
  return PRESETS[type][level];
}

/** A preset's tasks as a mask. */
export function presetMask(type: AssetType, level: PermissionLevel): number {
  return PRESET_MASKS[type][level];
}

export function describeLevel(level: PermissionLevel): string {
  return `${LEVEL_LABELS[level]}: ${LEVEL_DESCRIPTIONS[level]}`;
}

export function isPermissionLevel(value: string): value is PermissionLevel {
  return (PERMISSION_LEVELS as readonly string[]).includes(value);
}

/**
 * The levels offered for an asset type, narrowest first, one per distinct set of tasks: where two
 * presets give the same tasks (Analytics view and View only on a Page, a Pixel, an Instagram
 * account…) only the broader-named one is offered and reported, so an admin who chose "View only"
 * never reads "Analytics view" back.
 */
export const LEVELS_BY_TYPE = Object.fromEntries(
  Object.keys(PRESETS).map((type) => {
    const masks = PRESET_MASKS[type as AssetType];
    return [type, PERMISSION_LEVELS.filter((level, i) => !PERMISSION_LEVELS.slice(i + 1).some((later) => masks[later] === masks[level]))];
  }),
) as unknown as Record<AssetType, readonly PermissionLevel[]>;

/** The narrowest preset whose tasks include every task in `mask`, or undefined if none does. */
export function smallestLevelCovering(type: AssetType, mask: number): PermissionLevel | undefined {
  const presets = PRESET_MASKS[type];
  return LEVELS_BY_TYPE[type].find((level) => (presets[level] & mask) === mask);
}

/** The preset whose tasks are exactly `mask`, for naming a grant ("Analytics view"), if any. */
export function levelOfMask(type: AssetType, mask: number): PermissionLevel | undefined {
  const presets = PRESET_MASKS[type];
  return LEVELS_BY_TYPE[type].find((level) => presets[level] === mask);
}

/** "Standard" for exact presets, otherwise the tasks in words ("View performance, Manage Creative Hub mockups"). */
export function describeGrant(type: AssetType, tasks: readonly string[]): string {
  const level = levelOfMask(type, taskMask(type, tasks));
  return level ? LEVEL_LABELS[level] : taskNames(type, tasks) || "no tasks";
}

const maskWords = new Map<AssetType, Map<number, string>>();

/** `describeGrant` of the tasks in a mask, remembered: masks are few, and paths are described by the thousand. */
export function describeMask(type: AssetType, mask: number): string {
  let forType = maskWords.get(type);
  if (!forType) maskWords.set(type, (forType = new Map()));
  let words = forType.get(mask);
  if (words === undefined) forType.set(mask, (words = describeGrant(type, tasksOfMask(type, mask))));
  return words;
}
