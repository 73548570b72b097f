import { errors } from "../errors.ts";
import { MAX_PAGE_SIZE, type Cursor, type Page, type PageRequest } from "../store/paging.ts";
import type { GraphParams } from "./params.ts";

/**
 * Meta's `filtering` parameter: a list of `{field, operator, value}` clauses, all of which an item
 * must meet. Clauses are checked once (operator, value shape, field) before anything is read, and
 * then evaluated on presented objects, so every list edge and insights filter the same way.
 *
 * Operators: the `Filtering.Operator` enum of Meta's Business SDKs (EQUAL … BEFORE), see
 * https://github.com/facebook/facebook-python-business-sdk/pull/210 and
 * https://developers.facebook.com/docs/marketing-api/insights/parameters (`filtering`).
 * Error wording follows what Meta answers: "(#100) param filtering must be an array."
 * (https://github.com/fredericharnois/facebook-ads-reporting-google-apps-script/issues/6) and
 * "Filtering field delivery_info is invalid"
 * (https://github.com/facebook/facebook-php-business-sdk/issues/379).
 */

export const FILTER_OPERATORS = [
  "EQUAL",
  "NOT_EQUAL",
  "GREATER_THAN",
  "GREATER_THAN_OR_EQUAL",
  "LESS_THAN",
  "LESS_THAN_OR_EQUAL",
  "IN_RANGE",
  "NOT_IN_RANGE",
  "CONTAIN",
  "NOT_CONTAIN",
  "IN",
  "NOT_IN",
  "ANY",
  "ALL",
  "NONE",
  "AFTER",
  "BEFORE",
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface FilterClause {
  field: string;
  operator: FilterOperator;
  value: unknown;
}

const LIST_OPERATORS: ReadonlySet<FilterOperator> = new Set(["IN", "NOT_IN", "ANY", "ALL", "NONE"]);
const RANGE_OPERATORS: ReadonlySet<FilterOperator> = new Set(["IN_RANGE", "NOT_IN_RANGE"]);
const NUMBER_OPERATORS: ReadonlySet<FilterOperator> = new Set(["GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL"]);
const TIME_OPERATORS: ReadonlySet<FilterOperator> = new Set(["AFTER", "BEFORE"]);
const TEXT_OPERATORS: ReadonlySet<FilterOperator> = new Set(["CONTAIN", "NOT_CONTAIN"]);

const isScalar = (v: unknown): v is string | number | boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** A number, or a time as a number of seconds (UNIX seconds, or an ISO 8601 / `YYYY-MM-DD` text); NaN otherwise. */
function comparable(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value.trim() === "") return Number.NaN;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  // Graph times carry a `+0000`-style offset that Date.parse reads only with a colon.
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  return Number.isNaN(ms) ? Number.NaN : ms / 1000;
}

/**
 * The clauses of `filtering`, checked for shape; undefined when the parameter is absent.
 * `known` says whether a field may be filtered on here: false for a name the type does not have
 * ("Filtering field … is invalid"), "unsupported" for one of Meta's that Grantline cannot filter
 * on (Meta's "(#100) Filtering field 'ad_active_time' is not supported",
 * https://github.com/facebook/facebook-python-business-sdk/pull/644).
 */
export function parseFiltering(params: GraphParams, known: (field: string) => boolean | "unsupported"): FilterClause[] | undefined {
  const raw = params.filtering;
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (!Array.isArray(raw)) throw errors.invalidFiltering("param filtering must be an array.");
  return raw.map((item: unknown, i) => {
    const at = `filtering[${i}]`;
    if (!item || typeof item !== "object" || Array.isArray(item)) {
      throw errors.invalidFiltering(`param ${at} must be an object with field, operator and value.`);
    }
    const { field, operator, value } = item as Record<string, unknown>;
    if (typeof field !== "string" || field.trim() === "") throw errors.invalidFiltering(`param ${at}[field] must be a non-empty string.`);
    if (typeof operator !== "string" || !(FILTER_OPERATORS as readonly string[]).includes(operator)) {
      throw errors.invalidFiltering(`param ${at}[operator] must be one of {${FILTER_OPERATORS.join(", ")}}.`);
    }
    const op = operator as FilterOperator;
    const bad = (what: string) => errors.invalidFiltering(`param ${at}[value] must be ${what} with operator ${op}.`);
    if (LIST_OPERATORS.has(op)) {
      if (!Array.isArray(value) || !value.every(isScalar)) throw bad("a list of values");
    } else if (RANGE_OPERATORS.has(op)) {
      if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isFinite(comparable(v)))) throw bad("a list of two numbers [low, high]");
    } else if (NUMBER_OPERATORS.has(op) || TIME_OPERATORS.has(op)) {
      if (!isScalar(value) || !Number.isFinite(comparable(value))) throw bad(TIME_OPERATORS.has(op) ? "a time (UNIX seconds or ISO 8601)" : "a number");
    } else if (TEXT_OPERATORS.has(op)) {
      if (!isScalar(value) || String(value) === "") throw bad("a non-empty string");
    } else if (!isScalar(value)) {
      throw bad("a single value");
    }
    const name = field.trim();
    const verdict = known(name);
    if (verdict === "unsupported") throw errors.invalidFiltering(`Filtering field '${name}' is not supported`);
    if (!verdict) throw errors.invalidFiltering(`Filtering field ${name} is invalid.`);
    return { field: name, operator: op, value };
  });
}

const text = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v ?? null));
const values = (actual: unknown): string[] => (actual === undefined || actual === null ? [] : Array.isArray(actual) ? actual.map(text) : [text(actual)]);

/** Whether a value (undefined when the object has none) meets a clause. */
export function meets(clause: FilterClause, actual: unknown): boolean {
  const { operator, value } = clause;
  const present = actual !== undefined && actual !== null;
  switch (operator) {
    case "EQUAL":
      return present && values(actual).includes(text(value));
    case "NOT_EQUAL":
      return !present || !values(actual).includes(text(value));
    case "GREATER_THAN":
    case "AFTER":
      return comparable(actual) > comparable(value);
    case "GREATER_THAN_OR_EQUAL":
      return comparable(actual) >= comparable(value);
    case "LESS_THAN":
    case "BEFORE":
      return comparable(actual) < comparable(value);
    case "LESS_THAN_OR_EQUAL":
      return comparable(actual) <= comparable(value);
    case "IN_RANGE":
    case "NOT_IN_RANGE": {
      const [low, high] = (value as unknown[]).map(comparable) as [number, number];
      const n = comparable(actual);
      const inside = n >= low && n <= high;
      return operator === "IN_RANGE" ? inside : Number.isFinite(n) && !inside;
    }
    // Substring match ignoring case, as Ads Manager's name search does.
    case "CONTAIN":
    case "NOT_CONTAIN": {
      const needle = text(value).toLowerCase();
      const found = values(actual).some((v) => v.toLowerCase().includes(needle));
      return operator === "CONTAIN" ? found : !found;
    }
    case "IN":
    case "ANY":
      return values(actual).some((v) => (value as unknown[]).map(text).includes(v));
    case "NOT_IN":
    case "NONE":
      return !values(actual).some((v) => (value as unknown[]).map(text).includes(v));
    case "ALL": {
      const have = new Set(values(actual));
      return (value as unknown[]).every((v) => have.has(text(v)));
    }
  }
}

/** Whether an item meets every clause; `valueOf` reads a (possibly dotted) field of the item. */
export async function meetsAll<T>(clauses: readonly FilterClause[], item: T, valueOf: (item: T, field: string) => Promise<unknown> | unknown): Promise<boolean> {
  for (const clause of clauses) {
    if (!meets(clause, await valueOf(item, clause.field))) return false;
  }
  return true;
}

type Fetch<T> = (page: PageRequest) => Promise<Page<T>>;
type Keep<T> = (item: T) => Promise<boolean>;

/**
 * A page of the items that `keep` accepts, from a keyset-paged source, with the source's own
 * cursors: filtering comes before paging, so a page holds `limit` matching items whatever lies
 * between them, and its cursors continue where it ended. The source is read in its largest pages;
 * the cursor of an item inside a source page is found by reading that page again up to the item.
 */
export async function filteredPage<T>(fetch: Fetch<T>, request: PageRequest, keep: Keep<T>): Promise<Page<T>> {
  const limit = request.limit;
  const backwards = request.before !== undefined && request.after === undefined;
  const found: { item: T; from: PageRequest; index: number; size: number }[] = [];
  let more = false;
  let from: PageRequest = backwards ? { limit: MAX_PAGE_SIZE, before: request.before } : { limit: MAX_PAGE_SIZE, after: request.after, before: request.before };
  walk: for (;;) {
    const page = await fetch(from);
    const order = backwards ? [...page.items.keys()].reverse() : [...page.items.keys()];
    for (const index of order) {
      const item = page.items[index]!;
      if (!(await keep(item))) continue;
      if (found.length === limit) {
        more = true;
        break walk;
      }
      found.push({ item, from, index, size: page.items.length });
    }
    const next = backwards ? page.first : page.last;
    if (!(backwards ? page.hasPrevious : page.hasNext) || !next) break;
    from = backwards ? { limit: MAX_PAGE_SIZE, before: next } : { limit: MAX_PAGE_SIZE, after: next, before: request.before };
  }
  if (backwards) found.reverse();
  const cursorAt = async (hit: (typeof found)[number]): Promise<Cursor | undefined> => {
    if (backwards) return (await fetch({ ...hit.from, limit: hit.size - hit.index })).first;
    return (await fetch({ ...hit.from, limit: hit.index + 1 })).last;
  };
  const page: Page<T> = {
    items: found.map((f) => f.item),
    hasNext: backwards ? request.before !== undefined : more,
    hasPrevious: backwards ? more : request.after !== undefined,
  };
  const first = found[0];
  const last = found[found.length - 1];
  if (first && last) {
    const [a, b] = [await cursorAt(first), await cursorAt(last)];
    if (a) page.first = a;
    if (b) page.last = b;
  }
  return page;
}

/** How many items of a keyset-paged source `keep` accepts (for `summary=total_count`). */
export async function countMatching<T>(fetch: Fetch<T>, keep: Keep<T>): Promise<number> {
  let count = 0;
  let request: PageRequest = { limit: MAX_PAGE_SIZE };
  for (;;) {
    const page = await fetch(request);
    for (const item of page.items) if (await keep(item)) count += 1;
    if (!page.hasNext || !page.last) return count;
    request = { limit: MAX_PAGE_SIZE, after: page.last };
  }
}
