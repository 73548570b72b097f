/** Each scope in plain words, and whether it only reads or also changes things. */
export const SCOPE_WORDS: Record<string, { words: string; kind: "read" | "write" }> = {
  ads_read: { words: "See your ad accounts' campaigns, ads and results", kind: "read" },
  ads_management: { words: "Create, change and pause campaigns, ad sets, ads and budgets", kind: "write" },
  business_management: { words: "Manage business settings, people and partner access", kind: "write" },
  catalog_management: { words: "Create and change product catalogs", kind: "write" },
  pages_read_engagement: { words: "See your Pages' posts and how people engage with them", kind: "read" },
  pages_manage_ads: { words: "Create and manage ads for your Pages", kind: "write" },
  pages_show_list: { words: "See the list of Pages you manage", kind: "read" },
  instagram_basic: { words: "See your Instagram accounts' profile and media", kind: "read" },
};
