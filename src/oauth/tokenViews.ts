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

/**
 * `granular_scopes` of debug_token: each scope with what it applies to, as on Meta — the chosen
 * assets of its type, or for business_management the businesses picked at consent.
 */
export function grantedScopesView(hub: Hub, scopes: string[], grant: { assetIds: ReadonlySet<string>; businessIds: ReadonlySet<string> }): { scope: string; target_ids?: string[] }[] {
  return scopes.map((scope) => {
    const types = SCOPE_TARGETS[scope] ?? [];
    const targets = new Set<string>();
    if (types.includes("business")) for (const businessId of grant.businessIds) targets.add(businessId);
    for (const assetId of grant.assetIds) {
      const asset = hub.engine.asset(assetId);
      if (asset && types.includes(asset.type)) targets.add(assetId);
    }
    return targets.size > 0 ? { scope, target_ids: [...targets] } : { scope };
  });
}
