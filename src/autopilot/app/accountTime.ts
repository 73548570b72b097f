import { localDate, offsetMinutes } from "../../hub/ads/adTime.ts";

/**
 * An ad account's days and hours are those of its own time zone (Meta reports insights, hourly
 * breakdowns and budgets' days in it), so Autopilot reads "today", "yesterday" and the hour there.
 */

/** The zone as given when it is a real IANA zone, else UTC. */
export function zoneOrUtc(timeZone: string | null | undefined): string {
  if (!timeZone) return "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

/** The account's calendar day (YYYY-MM-DD) and hour (0–23) at an instant. */
export function accountClock(now: number, timeZone: string): { today: string; hour: number } {
  const zone = zoneOrUtc(timeZone);
  return { today: localDate(now, zone), hour: new Date(now + offsetMinutes(now, zone) * 60_000).getUTCHours() };
}

/** A YYYY-MM-DD date moved by whole days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
