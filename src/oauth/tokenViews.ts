import type { Hub } from "../hub/hub.ts";

/**
 * Which asset types each scope is about, for Meta's granular_scopes target_ids. The ads scopes also
 * reach the pixels and catalogs chosen with the ad accounts (the access engine lets them see those),
 * so an app learns every asset it was given from one debug_token.
 */
const SCOPE_TARGETS: Record<string, readonly string[]> = {
  ads_read: ["ad_account", "pixel", "product_catalog"],
  ads_management: ["ad_account", "pixel", "product_catalog"],
  business_management: ["business"],
  catalog_management: ["product_catalog"],
  pages_read_engagement: ["page"],
  pages_manage_ads: ["page"],
  pages_show_list: ["page"],
  instagram_basic: ["instagram_account"],
};

/** `granular_scopes` of debug_token: each scope with the chosen assets (or their businesses) it applies to. */
export function grantedScopesView(hub: Hub, scopes: string[], assetIds: string[]): { scope: string; target_ids?: string[] }[] {
  return scopes.map((scope) => {
    const types = SCOPE_TARGETS[scope] ?? [];
    const targets = new Set<string>();
    for (const assetId of assetIds) {
      const asset = hub.engine.asset(assetId);
      if (!asset) continue;
      if (types.includes("business")) targets.add(asset.ownerId);
      else if (types.includes(asset.type)) targets.add(assetId);
    }
    return targets.size > 0 ? { scope, target_ids: [...targets] } : { scope };
  });
}
