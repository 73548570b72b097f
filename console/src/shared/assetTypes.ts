import type { AssetType } from "./wire.ts";

/** The asset types a business owns and shares, with the Graph edges that list each. */
export const ASSET_TYPES: { type: AssetType; label: string; plural: string; owned: string; client: string | null }[] = [
  { type: "ad_account", label: "Ad account", plural: "Ad accounts", owned: "owned_ad_accounts", client: "client_ad_accounts" },
  { type: "page", label: "Page", plural: "Pages", owned: "owned_pages", client: "client_pages" },
  { type: "pixel", label: "Pixel", plural: "Pixels", owned: "owned_pixels", client: "client_pixels" },
  { type: "instagram_account", label: "Instagram account", plural: "Instagram accounts", owned: "owned_instagram_assets", client: "client_instagram_assets" },
  { type: "product_catalog", label: "Product catalog", plural: "Product catalogs", owned: "owned_product_catalogs", client: "client_product_catalogs" },
  { type: "creative_hub_project", label: "Creative Hub project", plural: "Creative Hub projects", owned: "creative_hub_projects", client: null },
];

export function assetTypeLabel(type: string): string {
  return ASSET_TYPES.find((t) => t.type === type)?.label ?? type;
}

/** The id a Graph path takes for an asset: `act_<n>` for ad accounts. */
export function graphIdOf(type: AssetType, id: string): string {
  return type === "ad_account" && !id.startsWith("act_") ? `act_${id}` : id;
}
