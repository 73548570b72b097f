import { errors } from "./errors.ts";

/**
 * The bounds every timestamp and money amount is held to where it enters the hub (Graph parameters,
 * the CLI, the console), so that nothing stored can later break a page, a sum or a presenter.
 */

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

/** The latest a stored date may lie ahead: ten years (share end dates, ad set end times, stop times). */
export const MAX_FUTURE_MS = 10 * YEAR_MS;

/** The earliest time a parameter may name: 2004-01-01, before any advertising data could exist. */
export const EARLIEST_TIME_MS = Date.UTC(2004, 0, 1);

/**
 * A timestamp parameter within bounds: not before 2004 and at most ten years from `now`. The error
 * names the parameter and the allowed range.
 */
export function boundedTime(ms: number, field: string, now: number): number {
  const latest = now + MAX_FUTURE_MS;
  if (!Number.isFinite(ms) || ms < EARLIEST_TIME_MS || ms > latest) {
    throw errors.invalidParameter(
      `Invalid ${field}: it must be a date between ${isoDay(EARLIEST_TIME_MS)} and ${isoDay(latest)} (at most 10 years ahead).`,
    );
  }
  return ms;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Currencies Meta bills without minor units (offset 1 in Meta's currency table,
 * https://developers.facebook.com/docs/marketing-api/currencies): their amounts are whole units.
 */
const WHOLE_UNIT_CURRENCIES = new Set(["CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"]);

/** Minor units in one major unit of the currency, by Meta's offsets: 1 for the whole-unit currencies, else 100. */
export function minorPerMajor(currency: string): number {
  return WHOLE_UNIT_CURRENCIES.has(currency.toUpperCase()) ? 1 : 100;
}

/**
 * Decimals of an amount written in major units (`"12.30"`): 0 for the whole-unit currencies, else 2,
 * by Meta's offsets, not by ISO 4217 (which gives TWD and CRC two decimals and BHD and JOD three,
 * where Meta's offsets are 1 and 100).
 */
export function minorDigits(currency: string): number {
  return minorPerMajor(currency) === 1 ? 0 : 2;
}

/** The largest amount Grantline accepts in any currency: one billion of its major unit. */
const MAX_MAJOR_UNITS = 1_000_000_000;

/** The largest amount, in minor units, of one currency: one billion of its major unit. */
export function maxMinorUnits(currency: string): number {
  return MAX_MAJOR_UNITS * minorPerMajor(currency);
}

/** The largest amount in minor units of any currency, for parameters read before the currency is known. */
export const MAX_MINOR_UNITS = MAX_MAJOR_UNITS * 100;

/** A money amount in minor units, within the currency's maximum; `field` names it in the error. */
export function boundedAmount(minor: number, currency: string, field: string): number {
  const max = maxMinorUnits(currency);
  if (!Number.isSafeInteger(minor) || minor < 0 || minor > max) {
    throw errors.invalidParameter(`Invalid ${field}: it must be a whole number of ${currency}'s minor units from 0 to ${max}.`);
  }
  return minor;
}

/**
 * Characters no name or text may hold: C0 and C1 control characters other than tab and line breaks
 * (NUL, ESC, …) and the bidirectional overrides and isolates that make text display other than it
 * reads (U+202A–U+202E, U+2066–U+2069). Meta refuses them in names too.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const UNSAFE_TEXT_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const UNSAFE_TEXT = new RegExp(UNSAFE_TEXT_CHARACTERS.source);

/** The first unsafe character of a text, as `U+XXXX`, or undefined when there is none. */
export function unsafeCharacterIn(text: string): string | undefined {
  const match = UNSAFE_TEXT.exec(text);
  return match ? `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}` : undefined;
}

/** Refuses a text holding control or bidirectional-override characters, naming the parameter and the character. */
export function requireCleanText(text: string, field: string): string {
  const found = unsafeCharacterIn(text);
  if (found) throw errors.invalidParameter(`Invalid ${field}: it contains the control or direction-override character ${found}, which is not allowed.`);
  return text;
}

/** Every string inside a parameter value (lists and objects included, to a sane depth) must be clean. */
export function requireCleanValue(value: unknown, field: string, depth = 0): void {
  if (typeof value === "string") requireCleanText(value, field);
  // Uploaded file contents are bytes, not text; their names are checked where they are used.
  else if (value instanceof Uint8Array || value instanceof UploadedFile) return;
  else if (depth < 8 && Array.isArray(value)) for (const item of value) requireCleanValue(item, field, depth + 1);
  else if (depth < 8 && value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      requireCleanText(key, field);
      requireCleanValue(item, field, depth + 1);
    }
  }
}

/** A file part of a multipart/form-data request (`-F "shoe.jpg=@shoe.jpg"`), as Graph parameters carry it. */
export class UploadedFile {
  constructor(
    /** The part's file name, or its field name when it gave none. */
    readonly filename: string,
    readonly data: Buffer,
  ) {}
}
