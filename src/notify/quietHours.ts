/**
 * Quiet hours of a channel: a daily span of local time, [start, end) in minutes after midnight in
 * the channel's IANA time zone. A span may wrap midnight (22:00–07:00).
 */
export interface QuietHours {
  start: number;
  end: number;
  timeZone: string;
}

const DAY_MINUTES = 24 * 60;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the name is a time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Minutes after local midnight at `at` in the time zone. */
export function localMinutes(at: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const hour = Number(parts.find((p) => p.type === "hour")?.value);
  const minute = Number(parts.find((p) => p.type === "minute")?.value);
  return hour * 60 + minute;
}

export function isQuiet(at: number, quiet: QuietHours): boolean {
  if (quiet.start === quiet.end) return false;
  const m = localMinutes(at, quiet.timeZone);
  return quiet.start < quiet.end ? m >= quiet.start && m < quiet.end : m >= quiet.start || m < quiet.end;
}

/**
 * The first instant at or after `at` that is outside the quiet span (`at` itself when not quiet).
 * Steps to the end's wall-clock minute and corrects once for a daylight-saving shift in between.
 */
export function quietEndsAt(at: number, quiet: QuietHours): number {
  if (!isQuiet(at, quiet)) return at;
  const startOfMinute = at - (at % 60_000);
  const wait = (quiet.end - localMinutes(at, quiet.timeZone) + DAY_MINUTES) % DAY_MINUTES;
  let candidate = startOfMinute + wait * 60_000;
  const drift = (localMinutes(candidate, quiet.timeZone) - quiet.end + DAY_MINUTES) % DAY_MINUTES;
  // Clocks went forward in between (local time is ahead of the end): go back; back: go forward.
  if (drift !== 0) candidate -= (drift > DAY_MINUTES / 2 ? drift - DAY_MINUTES : drift) * 60_000;
  return isQuiet(candidate, quiet) ? candidate + 60 * 60_000 : candidate;
}

/** "22:00-07:00" → minutes; undefined when not of that form. */
export function parseQuietSpan(text: string): { start: number; end: number } | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) return undefined;
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = Number(match[3]) * 60 + Number(match[4]);
  return start === end ? undefined : { start, end };
}

export function formatQuietSpan(start: number, end: number): string {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return `${hhmm(start)}-${hhmm(end)}`;
}
