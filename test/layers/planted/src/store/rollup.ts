// Planted violation: the store imports a domain above it.
import { ATTRIBUTION_DAYS } from "../hub/ads/insights.ts";

export const ROLLUP_DAYS = ATTRIBUTION_DAYS;
