import { errors } from "../../errors.ts";
import { boundedTime } from "../../inputLimits.ts";

/**
 * Times and calendar days in an ad account's time zone. Stored times are epoch ms; the Graph shows
 * them as ISO 8601 with the account's offset (`2026-01-05T04:00:00-0800`), and insights days are the
 * account's calendar days (`YYYY-MM-DD`). Day arithmetic works on day numbers (days since
 * 1970-01-01), which is exact whatever the time zone's DST rules.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter, or UTC's when the zone name is not one the runtime knows. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = {
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    };
    try {
      formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    } catch {
      formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The zone's wall clock at an instant, read from the runtime's time zone data (slow: ~10 µs). */
function zonedWallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function zonedOffsetMinutes(ms: number, timeZone: string): number {
  const w = zonedWallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/**
 * Offsets by zone and quarter hour. Zones change offset at quarter-hour instants, so one lookup
 * serves every time in the same quarter hour; a quarter hour whose two ends disagree is not cached
 * and answered exactly. Listing 25 campaigns formats about 100 times, so this is most of a request.
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const offsetCache = new Map<string, number>();

/** Minutes the zone is ahead of UTC at that instant (-480 for Los Angeles in winter). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR_MS);
  const key = `${timeZone}|${bucket}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const start = zonedOffsetMinutes(bucket * QUARTER_HOUR_MS, timeZone);
  const end = zonedOffsetMinutes((bucket + 1) * QUARTER_HOUR_MS - 1000, timeZone);
  if (start !== end) return zonedOffsetMinutes(ms, timeZone);
  if (offsetCache.size >= 100_000) offsetCache.clear();
  offsetCache.set(key, start);
  return start;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes(ms, timeZone) * 60_000);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/** Graph time: `2026-01-05T04:00:00-0800` in the account's zone. */
export function formatGraphTime(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  const offset = offsetMinutes(ms, timeZone);
  const sign = offset < 0 ? "-" : "+";
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` +
    `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

/** The instant a wall-clock time in the zone names (the earlier one when a DST change repeats it). */
export function zonedTimeToEpoch(w: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  let guess = asUtc - offsetMinutes(asUtc, timeZone) * 60000;
  // One correction covers instants near a DST change, where the first guess used the other offset.
  const corrected = asUtc - offsetMinutes(guess, timeZone) * 60000;
  if (corrected !== guess) guess = Math.min(guess, corrected);
  return guess;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a time parameter as the Graph accepts it: ISO 8601 (with an offset or `Z`; without one it is
 * the account's wall-clock time), a date alone (midnight in the account's zone), or a UNIX timestamp
 * in seconds (number or digit string).
 */
export function parseGraphTime(value: unknown, timeZone: string, field: string): number {
  return boundedTime(readGraphTime(value, timeZone, field), field, Date.now());
}

function readGraphTime(value: unknown, timeZone: string, field: string): number {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) {
    const seconds = Number(value);
    if (Number.isSafeInteger(seconds) && seconds >= 0) return seconds * 1000;
  }
  if (typeof value === "string") {
    const m = ISO_TIME.exec(value.trim());
    if (m) {
      const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [
        number, number, number, number, number, number,
      ];
      const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour < 24 && minute < 60 && second < 60;
      if (valid) {
        const zone = m[7];
        if (!zone) return zonedTimeToEpoch({ year, month, day, hour, minute, second }, timeZone);
        const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
        if (zone === "Z") return asUtc;
        const digits = zone.replace(":", "");
        const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === "-" ? -1 : 1);
        return asUtc - offset * 60000;
      }
    }
  }
  throw errors.invalidParameter(
    `Invalid ${field}: use ISO 8601 such as 2026-01-05T09:00:00-0800, or a UNIX timestamp in seconds.`,
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The account's calendar day of an instant, as `YYYY-MM-DD`. */
export function localDate(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or undefined when it is not a real date. */
export function dayNumber(date: string): number | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/** Dates by day number: reports name the same few days over and over, and toISOString is slow. */
const datesByDay = new Map<number, string>();

export function dateOfDay(day: number): string {
  let date = datesByDay.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (datesByDay.size >= 100_000) datesByDay.clear();
    datesByDay.set(day, date);
  }
  return date;
}

/** Year and month (1–12) of a day number. */
export function monthOf(day: number): { year: number; month: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

export function firstDayOfMonth(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) / DAY_MS;
}

/** 0 for Sunday … 6 for Saturday. */
export function weekday(day: number): number {
  return new Date(day * DAY_MS).getUTCDay();
}
