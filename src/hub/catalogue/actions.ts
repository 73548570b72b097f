import { ASSET_TYPE_INFO, taskMask, type AssetType } from "./assetTypes.ts";

export interface ActionSpec {
  name: string;
  /** Plain words for messages: "Creating campaigns needs ADVERTISE". */
  label: string;
  /** Plainer words for some asset types, where the general ones would name what the type does not have. */
  labelFor?: Partial<Record<AssetType, string>>;
  write: boolean;
  /** Per asset type, the tasks the action needs (all of them). Types not listed do not support it. */
  requires: Partial<Record<AssetType, readonly string[]>>;
  /** OAuth scopes of which an app token needs at least one to perform the action. */
  scopes: readonly string[];
}

const ADS_READ = ["ads_read", "ads_management"] as const;

/** What control of an asset takes, per type: its MANAGE task (EDIT for Pixels; every task for Instagram, which has no MANAGE). */
const OWNER_CONTROL = {
  ad_account: ["MANAGE"],
  page: ["MANAGE"],
  pixel: ["EDIT"],
  instagram_account: ASSET_TYPE_INFO.instagram_account.tasks,
  product_catalog: ["MANAGE"],
  creative_hub_project: ["MANAGE"],
} as const;
const ADS_WRITE = ["ads_management"] as const;

/**
 * Every action the hub authorizes on an asset, each mapped to the tasks it needs. The mapping follows
 * what each task means on Meta (docs/permissions.md has the table and its sources): for an ad account,
 * ANALYZE is "View performance" (see ads, access reports), ADVERTISE "Manage campaigns", DRAFT
 * "Manage Creative Hub mockups", MANAGE "Manage ad accounts" (settings, finances, permissions), and
 * AA_ANALYZE Meta's Advanced Analytics, which no action here needs.
 */
export const ACTIONS = {
  view_asset: {
    name: "view_asset",
    label: "seeing the asset and its settings",
    write: false,
    requires: {
      ad_account: ["ANALYZE"],
      page: ["ANALYZE"],
      pixel: ["ANALYZE"],
      instagram_account: ["ANALYZE"],
      product_catalog: ["AA_ANALYZE"],
      creative_hub_project: ["ANALYZE"],
    },
    scopes: [...ADS_READ, "business_management", "pages_show_list", "instagram_basic", "catalog_management"],
  },
  read_insights: {
    name: "read_insights",
    label: "reading insights",
    write: false,
    requires: {
      // "View performance": reporting tools need ANALYZE, as on Meta.
      ad_account: ["ANALYZE"],
      page: ["ANALYZE"],
      pixel: ["ANALYZE"],
      instagram_account: ["ANALYZE"],
      product_catalog: ["AA_ANALYZE"],
      creative_hub_project: ["ANALYZE"],
    },
    scopes: [...ADS_READ, "pages_read_engagement", "instagram_basic"],
  },
  create_draft: {
    name: "create_draft",
    label: "preparing draft campaigns",
    write: true,
    requires: { ad_account: ["DRAFT"] },
    scopes: ADS_WRITE,
  },
  create_campaign: {
    name: "create_campaign",
    label: "creating campaigns, ad sets and ads",
    write: true,
    requires: { ad_account: ["ADVERTISE"] },
    scopes: ADS_WRITE,
  },
  edit_campaign: {
    name: "edit_campaign",
    label: "editing, pausing and resuming campaigns, ad sets and ads",
    write: true,
    requires: { ad_account: ["ADVERTISE"] },
    scopes: ADS_WRITE,
  },
  change_budget: {
    name: "change_budget",
    label: "changing budgets",
    write: true,
    requires: { ad_account: ["ADVERTISE"] },
    scopes: ADS_WRITE,
  },
  use_in_ads: {
    name: "use_in_ads",
    label: "using the asset in ads",
    write: true,
    requires: {
      page: ["ADVERTISE"],
      pixel: ["ADVERTISE"],
      instagram_account: ["ADVERTISE"],
      product_catalog: ["ADVERTISE"],
    },
    scopes: [...ADS_WRITE, "pages_manage_ads", "catalog_management"],
  },
  publish_content: {
    name: "publish_content",
    label: "publishing content",
    write: true,
    requires: { page: ["CREATE_CONTENT"], instagram_account: ["CONTENT"], creative_hub_project: ["CREATE_CONTENT"] },
    scopes: ["pages_manage_ads", "business_management"],
  },
  moderate_community: {
    name: "moderate_community",
    label: "moderating comments and messages",
    write: true,
    requires: { page: ["MODERATE"], instagram_account: ["COMMUNITY_ACTIVITY"] },
    scopes: ["pages_manage_ads", "business_management"],
  },
  edit_pixel: {
    name: "edit_pixel",
    label: "editing the Pixel",
    write: true,
    requires: { pixel: ["EDIT"] },
    scopes: [...ADS_WRITE, "business_management"],
  },
  upload_events: {
    name: "upload_events",
    label: "uploading events",
    write: true,
    requires: { pixel: ["UPLOAD"] },
    scopes: [...ADS_WRITE, "business_management"],
  },
  manage_catalog: {
    name: "manage_catalog",
    label: "editing the catalog's products",
    write: true,
    requires: { product_catalog: ["MANAGE"] },
    scopes: ["catalog_management"],
  },
  manage_settings: {
    name: "manage_settings",
    label: "changing the asset's settings",
    labelFor: { ad_account: "changing the ad account's settings (name, spend cap)" },
    write: true,
    requires: OWNER_CONTROL,
    scopes: [...ADS_WRITE, "business_management"],
  },
  manage_access: {
    name: "manage_access",
    label: "managing who has access",
    write: true,
    requires: OWNER_CONTROL,
    scopes: ["business_management"],
  },
} as const satisfies Record<string, ActionSpec>;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

export function isActionName(value: string): value is ActionName {
  return Object.hasOwn(ACTIONS, value);
}

/** Required-task masks, precomputed per action and asset type; 0 means the type does not support it. */
const requiredMasks: Record<ActionName, Record<AssetType, number>> = Object.fromEntries(
  ACTION_NAMES.map((name) => {
    const spec: ActionSpec = ACTIONS[name];
    const masks = Object.fromEntries(
      Object.keys(ASSET_TYPE_INFO).map((type) => {
        const tasks = spec.requires[type as AssetType];
        return [type, tasks ? taskMask(type as AssetType, tasks) : 0];
      }),
    );
    return [name, masks];
  }),
) as Record<ActionName, Record<AssetType, number>>;

/** The action in plain words, for an asset of the given type when it is known. */
export function actionLabel(action: ActionName, type?: AssetType): string {
  const spec: ActionSpec = ACTIONS[action];
  return (type !== undefined ? spec.labelFor?.[type] : undefined) ?? spec.label;
}

export function requiredMask(action: ActionName, type: AssetType): number {
  return requiredMasks[action][type];
}

export function requiredTasks(action: ActionName, type: AssetType): readonly string[] {
  return (ACTIONS[action] as ActionSpec).requires[type] ?? [];
}
