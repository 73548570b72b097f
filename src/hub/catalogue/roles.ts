/** Roles a person can hold in a business (Meta's business user roles). */
export const BUSINESS_ROLES = ["ADMIN", "EMPLOYEE", "FINANCE_EDITOR", "FINANCE_ANALYST", "DEVELOPER"] as const;
export type BusinessRole = (typeof BUSINESS_ROLES)[number];

/** System users are either admins or employees of the one business they belong to. */
export const SYSTEM_USER_ROLES = ["ADMIN", "EMPLOYEE"] as const;
export type SystemUserRole = (typeof SYSTEM_USER_ROLES)[number];

export const VERIFICATION_STATUSES = ["not_verified", "pending", "verified"] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** Scopes an access token can carry; a system user's bootstrap token holds all of them. */
export const SCOPES = [
  "ads_read",
  "ads_management",
  "business_management",
  "catalog_management",
  "pages_read_engagement",
  "pages_manage_ads",
  "pages_show_list",
  "instagram_basic",
] as const;
export type Scope = (typeof SCOPES)[number];
