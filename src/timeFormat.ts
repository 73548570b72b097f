/**
 * Times as text for presenters. These never throw: a stored value out of Date's range (which the
 * input bounds now refuse, but older rows may hold) shows as missing rather than breaking a page.
 */

/** ISO 8601 (`2026-01-05T12:00:00.000Z`), or null for a time that cannot be shown. */
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The calendar day (UTC) of a time, `YYYY-MM-DD`, or "an unknown date". */
export function isoDay(ms: number | null | undefined): string {
  return isoTime(ms)?.slice(0, 10) ?? "an unknown date";
}
