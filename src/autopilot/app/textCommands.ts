/**
 * Text commands, parsed deterministically (no outside service) into an intent that is then shown for
 * confirmation and carried out through the same guarded path as every other change.
 */

export type Metric = "cpa" | "roas" | "spend" | "ctr" | "conversions";
export type Period = "today" | "yesterday" | "last_7d" | "last_14d" | "last_30d" | "this_month";

export interface Condition {
  metric: Metric;
  op: ">" | "<";
  value: number;
}

export type Intent =
  | { type: "set_status"; status: "PAUSED" | "ACTIVE"; level: "ad" | "adset"; scope?: string | undefined; condition?: Condition | undefined; period: Period }
  | { type: "change_budget"; target: string; mode: "percent" | "amount" | "set"; direction: 1 | -1; value: number }
  | { type: "question"; metric: Metric; period: Period; scope?: string | undefined };

export type ParseResult = { ok: true; intent: Intent } | { ok: false; error: string };

const EXAMPLES = [
  '"pause ads in Summer Sale with CPA over $40"',
  '"raise Lookalike budget by 15%"',
  '"lower Interests budget by $5"',
  '"set Lookalike budget to $60"',
  '"turn on ad set Lookalike"',
  '"how much did we spend yesterday?"',
  '"what was our CPA last 7 days?"',
];

const METRIC_WORDS: [RegExp, Metric][] = [
  [/^(cpa|cost per (purchase|conversion|result|acquisition))$/, "cpa"],
  [/^roas$/, "roas"],
  [/^(spend|spent|cost)$/, "spend"],
  [/^ctr$/, "ctr"],
  [/^(conversions|purchases|sales)$/, "conversions"],
];

function metricOf(word: string): Metric | undefined {
  const w = word.trim().toLowerCase();
  return METRIC_WORDS.find(([re]) => re.test(w))?.[1];
}

function periodOf(text: string): Period | undefined {
  const t = text.toLowerCase();
  if (/\btoday\b/.test(t)) return "today";
  if (/\byesterday\b/.test(t)) return "yesterday";
  if (/\bthis month\b/.test(t)) return "this_month";
  const last = /\b(?:last|past)\s+(\d+)\s+days?\b/.exec(t);
  if (last) {
    const n = Number(last[1]);
    return n <= 7 ? "last_7d" : n <= 14 ? "last_14d" : "last_30d";
  }
  if (/\b(this|last|past) week\b/.test(t)) return "last_7d";
  return undefined;
}

/** "$40", "40", "40.50", "1,200" → 40; undefined when not a number. */
function amountOf(text: string): number | undefined {
  const m = /^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]!.replace(/,/g, "")) + (m[2] ? Number(m[2].padEnd(2, "0")) / 100 : 0);
}

const clean = (s: string) => s.trim().replace(/^["'“‘]|["'”’]$/g, "").trim();

export function parseCommand(input: string): ParseResult {
  const text = input.trim().replace(/\s+/g, " ").replace(/[.!]+$/, "");
  const lower = text.toLowerCase();
  const fail = (why: string): ParseResult => ({ ok: false, error: `${why} Try for example ${EXAMPLES.join(", ")}.` });
  if (text === "") return fail("The command is empty.");

  // Questions: "how much did we spend yesterday?", "what was our CPA last 7 days?", "how many conversions today in Summer Sale?"
  if (/\?$/.test(text) || /^(how|what|what's|whats)\b/.test(lower)) {
    const q = lower.replace(/\?$/, "");
    let metric: Metric | undefined;
    if (/\bhow much\b.*\bspen[dt]\b|\bspend\b/.test(q)) metric = "spend";
    else if (/\bhow many\b.*\b(conversions|purchases|sales)\b/.test(q)) metric = "conversions";
    else {
      const m = /\b(cpa|roas|ctr|cost per (?:purchase|conversion|result))\b/.exec(q);
      if (m) metric = metricOf(m[1]!);
    }
    if (!metric) return fail("I could not tell which number you are asking about (spend, conversions, CPA, ROAS or CTR).");
    const scope = /\bin (?:campaign |ad set )?["“]?([^"”]+?)["”]?(?= (?:today|yesterday|this|last|past)\b|$)/.exec(text.replace(/\?$/, ""));
    return { ok: true, intent: { type: "question", metric, period: periodOf(q) ?? "yesterday", scope: scope ? clean(scope[1]!) : undefined } };
  }

  // Budgets: "raise|increase|lower|decrease|cut <name> budget by 15%|$10", "set <name> budget to $60".
  const budget = /^(raise|increase|boost|scale up|lower|decrease|reduce|cut|scale down) (?:the )?(?:budget of )?(.+?)(?: (?:daily )?budget)? by (.+)$/i.exec(text);
  if (budget) {
    const direction = /^(raise|increase|boost|scale up)$/i.test(budget[1]!) ? 1 : -1;
    const target = clean(budget[2]!);
    const by = budget[3]!.trim();
    const pct = /^(\d+(?:\.\d+)?)\s*(%|percent)$/i.exec(by);
    if (pct) {
      const value = Number(pct[1]);
      if (value <= 0 || value >= 100) return fail("A percentage change must be more than 0% and less than 100%.");
      return { ok: true, intent: { type: "change_budget", target, mode: "percent", direction, value } };
    }
    const amount = amountOf(by);
    if (amount === undefined || amount <= 0) return fail(`"${by}" is not an amount or a percentage.`);
    return { ok: true, intent: { type: "change_budget", target, mode: "amount", direction, value: amount } };
  }
  const set = /^set (?:the )?(.+?)(?: (?:daily )?budget)? to (.+)$/i.exec(text);
  if (set) {
    const amount = amountOf(set[2]!);
    if (amount === undefined || amount <= 0) return fail(`"${set[2]}" is not an amount.`);
    return { ok: true, intent: { type: "change_budget", target: clean(set[1]!), mode: "set", direction: 1, value: amount } };
  }

  // Status: "pause|stop|turn off|turn on|resume|unpause|start [the] ads|ad sets [in X] [with METRIC over|under N] [period]".
  const status = /^(pause|stop|turn off|switch off|turn on|switch on|resume|unpause|start|restart) (.+)$/i.exec(text);
  if (status) {
    const off = /^(pause|stop|turn off|switch off)$/i.test(status[1]!);
    let rest = status[2]!;
    const period = periodOf(rest) ?? "last_7d";
    rest = rest.replace(/\b(?:over|in|for|during)? ?(?:the )?(?:last|past) \d+ days?\b|\b(?:today|yesterday|this month|this week|last week)\b/gi, "").trim();
    let condition: Condition | undefined;
    const cond = /\s+(?:with|where|having|whose)\s+(?:a |an |the )?([a-z ]+?)\s+(over|above|more than|greater than|>|under|below|less than|<)\s+(\S+)$/i.exec(rest);
    if (cond) {
      const metric = metricOf(cond[1]!);
      if (!metric) return fail(`"${cond[1]}" is not a metric I know (CPA, ROAS, spend, CTR, conversions).`);
      const value = amountOf(cond[3]!.replace(/%$/, ""));
      if (value === undefined) return fail(`"${cond[3]}" is not a number.`);
      condition = { metric, op: /^(over|above|more than|greater than|>)$/i.test(cond[2]!) ? ">" : "<", value };
      rest = rest.slice(0, cond.index).trim();
    }
    let level: "ad" | "adset";
    let scope: string | undefined;
    const m = /^(?:all )?(?:the )?(ads|ad|ad sets|adsets|ad set|adset)(?: (?:in|of|from|under) (?:campaign |ad set )?(.+))?$/i.exec(rest) ?? /^(ad set|adset|ad) (.+)$/i.exec(rest);
    if (m) {
      level = /^ads?$/i.test(m[1]!) ? "ad" : "adset";
      scope = m[2] ? clean(m[2]) : undefined;
    } else {
      // "pause Lookalike": an ad set by name.
      level = "adset";
      scope = clean(rest);
    }
    if (!scope && !condition) return fail("Say which ads or ad sets: a campaign or ad set name, or a condition such as “with CPA over $40”.");
    return { ok: true, intent: { type: "set_status", status: off ? "PAUSED" : "ACTIVE", level, scope, condition, period } };
  }
  return fail("I did not understand that command.");
}
