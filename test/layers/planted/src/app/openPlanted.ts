// Allowed: the composition root builds the layers below it.
import { ATTRIBUTION_DAYS } from "../hub/ads/insights.ts";

export function openPlanted(): number {
  return ATTRIBUTION_DAYS;
}
