/** Plain-language pieces of reasons: money, percentages, probabilities. */

const SYMBOLS: Record<string, string> = { USD: "$", EUR: "€", GBP: "£", AUD: "A$", CAD: "C$", JPY: "¥" };

/** Minor units as an amount a person reads: $50, $50.25, 12.00 CHF. */
export function money(minor: number, currency: string): string {
  if (!Number.isFinite(minor)) return "∞";
  const cents = Math.round(Math.abs(minor));
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  // Thousands separators by hand: toLocaleString is slow enough to show in a 1,000-account cycle.
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = rest === 0 ? grouped : `${grouped}.${String(rest).padStart(2, "0")}`;
  const sign = minor < 0 ? "-" : "";
  const symbol = SYMBOLS[currency];
  return symbol ? `${sign}${symbol}${text}` : `${sign}${text} ${currency}`;
}

/** A CPA rounded to whole units above $10, cents below. */
export function cpaText(minor: number, currency: string): string {
  if (!Number.isFinite(minor)) return "no conversions yet";
  return money(minor >= 1000 ? Math.round(minor / 100) * 100 : Math.round(minor), currency);
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
