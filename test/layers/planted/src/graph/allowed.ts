// Allowed: the Graph surface imports a domain and the store.
import { ATTRIBUTION_DAYS } from "../hub/ads/insights.ts";
import { ROLLUP_DAYS } from "../store/rollup.ts";

export const days = ATTRIBUTION_DAYS + ROLLUP_DAYS;
