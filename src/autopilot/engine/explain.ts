/** Plain-language pieces of reasons: money, percentages, probabilities. */

import { minorPerMajor } from "../../inputLimits.ts";

const SYMBOLS: Record<string, string> = { USD: "$", EUR: "€", GBP: "£", AUD: "A$", CAD: "C$", JPY: "¥" };

/** Minor units as an amount a person reads: $50, $50.25, 12.25 CHF, ¥5,000 (currencies without cents, as Meta lists them, in whole units). */
export function money(minor: number, currency: string): string {
  if (!Number.isFinite(minor)) return "∞";
  const per = minorPerMajor(currency);
  const units = Math.round(Math.abs(minor));
  const whole = Math.floor(units / per);
  const rest = units % per;
  // Thousands separators by hand: toLocaleString is slow enough to show in a 1,000-account cycle.
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = rest === 0 ? grouped : `${grouped}.${String(rest).padStart(2, "0")}`;
  const sign = minor < 0 ? "-" : "";
  const symbol = SYMBOLS[currency];
  return symbol ? `${sign}${symbol}${text}` : `${sign}${text} ${currency}`;
}

/** A CPA rounded to whole units from 10 units up ($10, ¥10), to the minor unit below. */
export function cpaText(minor: number, currency: string): string {
  if (!Number.isFinite(minor)) return "no conversions yet";
  const per = minorPerMajor(currency);
  return money(minor >= 10 * per ? Math.round(minor / per) * per : Math.round(minor), currency);
}

export const pct = (fraction: number): string => `${Math.round(Math.abs(fraction) * 100)}%`;

export const chance = (p: number): string => `${Math.round(p * 100)}%`;

export const conversionsText = (n: number): string => {
  const rounded = Math.round(n);
  return `${rounded} conversion${rounded === 1 ? "" : "s"}`;
};

/** A count with its noun: "1 click", "1,204 clicks". */
export const countText = (n: number, noun: string): string => {
  const rounded = Math.round(n);
  return `${String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} ${noun}${rounded === 1 ? "" : "s"}`;
};
