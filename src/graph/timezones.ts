/** A few of Meta's numeric `timezone_id`s; a `timezone_name` may be given instead. */
export const TIMEZONE_IDS: Record<number, string> = {
  0: "Etc/UTC",
  1: "America/Los_Angeles",
  6: "America/Denver",
  7: "America/Chicago",
  12: "America/New_York",
  47: "Europe/London",
  49: "Europe/Berlin",
  62: "Europe/Paris",
  93: "Asia/Tokyo",
  103: "Australia/Sydney",
};

/** Meta's `timezone_id` of an IANA zone, when it is one of the few Grantline knows. */
export function timezoneIdOf(name: string | undefined): number | undefined {
  const found = Object.entries(TIMEZONE_IDS).find(([, zone]) => zone === name);
  return found ? Number(found[0]) : undefined;
}
