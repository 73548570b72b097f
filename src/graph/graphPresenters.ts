import { isoTime } from "../timeFormat.ts";
import type { AssetView } from "../hub/assets/asset.service.ts";
import type { BusinessView } from "../hub/businesses/business.service.ts";
import type { AccessIndex } from "../hub/access/accessIndex.ts";
import type { GraphObject } from "./graphTypes.ts";

/** Graph's time format: `2026-01-05T12:00:00+0000`. */
export function graphTime(ms: number | null | undefined): string | undefined {
  // A stored time out of range is left out rather than failing the whole answer.
  return isoTime(ms)?.replace(/\.\d{3}Z$/, "+0000");
}

function businessRef(index: AccessIndex, id: string): { id: string; name: string } {
  return { id, name: index.businesses.get(id) ?? id };
}

export const BUSINESS_DEFAULTS = ["id", "name"] as const;

export function presentBusinessGraph(business: BusinessView): GraphObject {
  return {
    id: business.id,
    name: business.name,
    verification_status: business.verificationStatus,
    two_factor_type: business.twoFactorRequired ? "admin_required" : "none",
    created_time: graphTime(business.createdAt),
  };
}

/**
 * A Pixel's `code`: the base code a site installs, with the Pixel's id, as Meta's Events Manager
 * gives it (https://developers.facebook.com/docs/meta-pixel/get-started/).
 */
function pixelCode(pixelId: string): string {
  return [
    "<!-- Meta Pixel Code -->",
    "<script>",
    "!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};",
    "if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;",
    "t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');",
    `fbq('init', '${pixelId}');`,
    "fbq('track', 'PageView');",
    "</script>",
    `<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=${pixelId}&ev=PageView&noscript=1"/></noscript>`,
    "<!-- End Meta Pixel Code -->",
  ].join("\n");
}

/** Default fields per asset type, as Graph returns them without `fields`. */
export const ASSET_DEFAULTS: Record<string, readonly string[]> = {
  ad_account: ["id", "account_id"],
  page: ["id", "name"],
  pixel: ["id", "name"],
  instagram_account: ["id", "username"],
  product_catalog: ["id", "name"],
  creative_hub_project: ["id", "name"],
};

/** An asset in Meta's field names for its type (AdAccount, Page, AdsPixel, IG user, ProductCatalog). */
export function presentAssetGraph(index: AccessIndex, asset: AssetView): GraphObject {
  const owner = businessRef(index, asset.ownerBusinessId);
  const common = { id: asset.graphId, name: asset.name, created_time: graphTime(asset.createdAt) };
  switch (asset.type) {
    case "ad_account":
      return {
        ...common,
        account_id: asset.id,
        currency: asset.adAccount?.currency,
        timezone_name: asset.adAccount?.timezoneName,
        spend_cap: asset.adAccount?.spendCap === null || asset.adAccount?.spendCap === undefined ? "0" : String(asset.adAccount.spendCap),
        account_status: asset.adAccount?.accountStatus,
        disable_reason: 0,
        // Meta's field lists the account's special features (list<string>) and Grantline's accounts
        // have none; without it, `fields=capabilities` would expand the console's edge of that name
        // instead, which stays at `/{id}/capabilities` and `capabilities{…}`.
        capabilities: [],
        business: owner,
        owner: owner.id,
      };
    case "pixel":
      return { ...common, owner_business: owner, creation_time: graphTime(asset.createdAt), is_unavailable: false, code: pixelCode(asset.graphId) };
    case "instagram_account":
      return { id: asset.id, username: asset.name, name: asset.name, owner_business: owner };
    case "product_catalog":
      return { ...common, business: owner, owner_business: owner, vertical: "commerce" };
    case "page":
      return { ...common, business: owner, owner_business: owner };
    case "creative_hub_project":
      return { ...common, owner_business: owner };
  }
}
