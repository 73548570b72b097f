/**
 * What a launch spec may hold. The spec's schema enforces these; the console imports the same
 * numbers so its launch form shows each limit on its field. No imports: the console's bundle takes
 * this file as it is.
 */
export const LAUNCH_LIMITS = {
  /**
   * Meta limits the ads a Page runs or has in review; its smallest tier is 250
   * (https://www.facebook.com/business/help/766697140509126). A launch never creates more.
   */
  ads: 250,
  /** Names of the campaign, audiences, placements and creatives (Meta's limit for ad object names). */
  name: 400,
  /** A creative's title and each headline. */
  title: 255,
  /** A creative's body text. */
  body: 5000,
  /** A spec sent to the HTTP API as YAML or JSON text. */
  specChars: 200_000,
} as const;
