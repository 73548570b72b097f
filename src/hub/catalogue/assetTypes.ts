/**
 * The six asset types a business can own, and Meta's task names for each.
 *
 * Task lists follow the Graph API enums (`*agencies_permitted_tasks_enum_param` for partner shares,
 * `*assigned_users_tasks_enum_param` for people and system users). Creative Hub projects have no
 * Graph enum; their tasks are Grantline's own (MANAGE, CREATE_CONTENT, ANALYZE).
 */
export const ASSET_TYPES = [
  "ad_account",
  "page",
  "pixel",
  "instagram_account",
  "product_catalog",
  "creative_hub_project",
] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

const AD_ACCOUNT_TASKS = ["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] as const;
const PAGE_TASKS = [
  "ADVERTISE",
  "ANALYZE",
  "CASHIER_ROLE",
  "CREATE_CONTENT",
  "GLOBAL_STRUCTURE_MANAGEMENT",
  "MANAGE",
  "MANAGE_JOBS",
  "MANAGE_LEADS",
  "MESSAGING",
  "MODERATE",
  "MODERATE_COMMUNITY",
  "PAGES_MESSAGING",
  "PAGES_MESSAGING_SUBSCRIPTIONS",
  "PROFILE_PLUS_ADVERTISE",
  "PROFILE_PLUS_ANALYZE",
  "PROFILE_PLUS_CREATE_CONTENT",
  "PROFILE_PLUS_FACEBOOK_ACCESS",
  "PROFILE_PLUS_FULL_CONTROL",
  "PROFILE_PLUS_GLOBAL_STRUCTURE_MANAGEMENT",
  "PROFILE_PLUS_MANAGE",
  "PROFILE_PLUS_MANAGE_LEADS",
  "PROFILE_PLUS_MESSAGING",
  "PROFILE_PLUS_MODERATE",
  "PROFILE_PLUS_MODERATE_DELEGATE_COMMUNITY",
  "PROFILE_PLUS_REVENUE",
  "READ_PAGE_MAILBOXES",
  "VIEW_MONETIZATION_INSIGHTS",
] as const;
const PIXEL_TASKS = ["AA_ANALYZE", "ADVERTISE", "ANALYZE", "EDIT", "UPLOAD"] as const;
const PIXEL_SHARE_TASKS = ["ADVERTISE", "ANALYZE", "EDIT", "UPLOAD"] as const;
const INSTAGRAM_TASKS = ["ADVERTISE", "ANALYZE", "COMMUNITY_ACTIVITY", "CONTENT", "MESSAGES"] as const;
const CATALOG_TASKS = ["AA_ANALYZE", "ADVERTISE", "MANAGE", "MANAGE_AR"] as const;
const CREATIVE_HUB_TASKS = ["MANAGE", "CREATE_CONTENT", "ANALYZE"] as const;

export interface AssetTypeInfo {
  type: AssetType;
  /** Plain name shown to people. */
  label: string;
  /** Every task a person or system user can be assigned on this type; bit i of a task mask is tasks[i]. */
  tasks: readonly string[];
  /** Tasks a partner share may carry (Meta's `agencies` edge is narrower for Pixels). */
  shareTasks: readonly string[];
}

export const ASSET_TYPE_INFO: Record<AssetType, AssetTypeInfo> = {
  ad_account: { type: "ad_account", label: "ad account", tasks: AD_ACCOUNT_TASKS, shareTasks: AD_ACCOUNT_TASKS },
  page: { type: "page", label: "Page", tasks: PAGE_TASKS, shareTasks: PAGE_TASKS },
  pixel: { type: "pixel", label: "Pixel", tasks: PIXEL_TASKS, shareTasks: PIXEL_SHARE_TASKS },
  instagram_account: {
    type: "instagram_account",
    label: "Instagram account",
    tasks: INSTAGRAM_TASKS,
    shareTasks: INSTAGRAM_TASKS,
  },
  product_catalog: {
    type: "product_catalog",
    label: "product catalog",
    tasks: CATALOG_TASKS,
    shareTasks: CATALOG_TASKS,
  },
  creative_hub_project: {
    type: "creative_hub_project",
    label: "Creative Hub project",
    tasks: CREATIVE_HUB_TASKS,
    shareTasks: CREATIVE_HUB_TASKS,
  },
};

export function isAssetType(value: string): value is AssetType {
  return (ASSET_TYPES as readonly string[]).includes(value);
}

const taskBits: Record<AssetType, Map<string, number>> = Object.fromEntries(
  ASSET_TYPES.map((type) => [type, new Map(ASSET_TYPE_INFO[type].tasks.map((task, i) => [task, 1 << i]))]),
) as Record<AssetType, Map<string, number>>;

/** Bit mask of `tasks` for `type`; unknown task names are ignored (validate first with `unknownTasks`). */
export function taskMask(type: AssetType, tasks: Iterable<string>): number {
  const bits = taskBits[type];
  let mask = 0;
  for (const task of tasks) mask |= bits.get(task) ?? 0;
  return mask;
}

/** Task names in the catalogue's order for a mask. */
export function tasksOfMask(type: AssetType, mask: number): string[] {
  return ASSET_TYPE_INFO[type].tasks.filter((_, i) => (mask & (1 << i)) !== 0);
}

export function fullMask(type: AssetType): number {
  return (1 << ASSET_TYPE_INFO[type].tasks.length) - 1;
}

/** Names in `tasks` that are not tasks of `type` (for shares, not shareable tasks). */
export function unknownTasks(type: AssetType, tasks: readonly string[], forShare = false): string[] {
  const allowed = forShare ? ASSET_TYPE_INFO[type].shareTasks : ASSET_TYPE_INFO[type].tasks;
  return tasks.filter((task) => !allowed.includes(task));
}
