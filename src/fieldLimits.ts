/**
 * The longest text the hub accepts in each free-text field. The hub enforces these; the console
 * imports the same numbers so every field shows its limit and cannot be typed past it. No imports:
 * the console's bundle takes this file as it is.
 */
export const FIELD_LIMITS = {
  /** People, businesses, system users, apps, assets. */
  name: 200,
  /** Campaigns, ad sets and ads (Meta's limit for ad object names). */
  adObjectName: 400,
  /** RFC 5321's longest forward path, less its angle brackets. */
  email: 254,
  /** Passwords people choose (at least PASSWORD_MIN_LENGTH). */
  password: 200,
} as const;

/** The shortest password the hub accepts. */
export const PASSWORD_MIN_LENGTH = 10;
