/** A domain module of the planted tree. */
export const ATTRIBUTION_DAYS = 7;
