// Allowed: the Graph surface imports a domain and the store, asks hub/access through callerAccess.ts,
// and names a type of the access index.
import type { AccessIndex } from "../hub/access/accessIndex.ts";
import { requireAsset } from "../hub/access/callerAccess.ts";
import { ATTRIBUTION_DAYS } from "../hub/ads/insights.ts";
import { ROLLUP_DAYS } from "../store/rollup.ts";

export const days = ATTRIBUTION_DAYS + ROLLUP_DAYS;
export const check = (index: AccessIndex): void => requireAsset(index.size > 0);
