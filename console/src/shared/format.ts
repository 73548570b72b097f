/** How the console writes times, counts and Graph enum values. */

export function formatTime(value: string | undefined | null): string {
  if (!value) return "—";
  const date = new Date(value.replace(/\+0000$/, "Z"));
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

/** A time as its date and its time of day, apart ("Dec 7, 2026" and "4:48 AM UTC"), for two short lines in a narrow column. */
export function formatTimeParts(value: string | undefined | null): { date: string; time: string } | undefined {
  if (!value) return undefined;
  const date = new Date(value.replace(/\+0000$/, "Z"));
  if (Number.isNaN(date.getTime())) return undefined;
  return {
    date: date.toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" }),
    time: `${date.toLocaleTimeString("en-US", { timeStyle: "short", timeZone: "UTC" })} UTC`,
  };
}

/** A Graph enum value as words, capitalised as Business Settings shows it: OUTCOME_SALES → "Sales", FINANCE_EDITOR → "Finance editor". */
export function enumWords(value: string): string {
  const words = value.replace(/^OUTCOME_/, "").replaceAll("_", " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 day", "2 days", "1 finding": a count with its noun, in the singular for one. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}
