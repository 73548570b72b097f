/** Plain-language pieces of reasons: money, percentages, probabilities. */

const SYMBOLS: Record<string, string> = { USD: "$", EUR: "€", GBP: "£", AUD: "A$", CAD: "C$", JPY: "¥" };

/** Minor units as an amount a person reads: $50, $50.25, 12.00 CHF. */
export function money(minor: number, currency: string): string {
  if (!Number.isFinite(minor)) return "∞";
  const major = minor / 100;
  const text = Number.isInteger(major) ? major.toLocaleString("en-US") : major.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const symbol = SYMBOLS[currency];
  return symbol ? `${minor < 0 ? "-" : ""}${symbol}${text.replace("-", "")}` : `${text} ${currency}`;
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
