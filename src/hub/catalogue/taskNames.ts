/**
 * Meta's Business Settings words for each task code, by asset type, so people read "View
 * performance" where the Graph API says ANALYZE. Words follow Business Settings' permission lists
 * (docs/permissions.md has the table and its sources). Pure data: the console imports it too.
 */
const NAMES: Record<string, Record<string, string>> = {
  ad_account: {
    MANAGE: "Manage ad account",
    ADVERTISE: "Manage campaigns",
    ANALYZE: "View performance",
    DRAFT: "Manage Creative Hub mockups",
    AA_ANALYZE: "Advanced analytics",
  },
  page: {
    MANAGE: "Full control",
    CREATE_CONTENT: "Content",
    MODERATE: "Community activity",
    MODERATE_COMMUNITY: "Community activity",
    MESSAGING: "Messages",
    PAGES_MESSAGING: "Messages",
    PAGES_MESSAGING_SUBSCRIPTIONS: "Message subscriptions",
    READ_PAGE_MAILBOXES: "Read messages",
    ADVERTISE: "Ads",
    ANALYZE: "Insights",
    MANAGE_LEADS: "Leads",
    MANAGE_JOBS: "Jobs",
    CASHIER_ROLE: "Cashier",
    VIEW_MONETIZATION_INSIGHTS: "Monetization insights",
    GLOBAL_STRUCTURE_MANAGEMENT: "Global Pages structure",
  },
  pixel: {
    ANALYZE: "View dataset",
    ADVERTISE: "Use in ads",
    EDIT: "Manage dataset",
    UPLOAD: "Upload events",
    AA_ANALYZE: "Advanced analytics",
  },
  instagram_account: {
    CONTENT: "Content",
    COMMUNITY_ACTIVITY: "Community activity",
    MESSAGES: "Messages",
    ADVERTISE: "Ads",
    ANALYZE: "Insights",
  },
  product_catalog: {
    MANAGE: "Manage catalog",
    ADVERTISE: "Advertise with catalog",
    MANAGE_AR: "Manage AR effects",
    AA_ANALYZE: "View catalog performance",
  },
  creative_hub_project: {
    MANAGE: "Manage project",
    CREATE_CONTENT: "Create mockups",
    ANALYZE: "View project",
  },
};

/** Meta's words for one task of an asset type; codes without a Business Settings name read as words ("PROFILE_PLUS_MANAGE" → "Profile plus manage"). */
export function taskName(type: string, task: string): string {
  const known = NAMES[type]?.[task];
  if (known) return known;
  const words = task.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The tasks in words, each once, in the order given ("Manage campaigns, View performance"). */
export function taskNames(type: string, tasks: readonly string[]): string {
  return [...new Set(tasks.map((t) => taskName(type, t)))].join(", ");
}
