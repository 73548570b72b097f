import { errors } from "../errors.ts";
import { requireCleanText, requireCleanValue } from "../inputLimits.ts";

export type GraphParams = Record<string, unknown>;

/**
 * A value as Graph clients send it: JSON strings for lists and objects in query strings and forms
 * (`effective_status=["ACTIVE"]`), and the documentation's pseudo-JSON with single quotes
 * (`tasks=['MANAGE','ADVERTISE']`). Anything else stays a string.
 */
export function decodeValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (!(trimmed.startsWith("[") || trimmed.startsWith("{"))) return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    try {
      return JSON.parse(trimmed.replace(/'/g, '"'));
    } catch {
      return value;
    }
  }
}

/** Query and body parameters merged (the body wins), decoded, without the token and the SDK's echoed `id`. */
export function collectParams(query: unknown, body: unknown): GraphParams {
  const out: GraphParams = {};
  for (const source of [query, body]) {
    if (!source || typeof source !== "object" || Array.isArray(source)) continue;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (key === "access_token" || key === "appsecret_proof") continue;
      // A query key given twice counts once, with its last value; body arrays are real lists.
      const single = source === query && Array.isArray(value) ? value[value.length - 1] : value;
      requireCleanText(key, "parameter name");
      const decoded = decodeValue(single);
      // One check at the edge for every name and text a Graph call can store.
      requireCleanValue(decoded, key);
      out[key] = decoded;
    }
  }
  return out;
}

export function stringParam(params: GraphParams, name: string, required: true): string;
export function stringParam(params: GraphParams, name: string, required?: false): string | undefined;
export function stringParam(params: GraphParams, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") {
    if (required) throw errors.invalidParameter(`The parameter ${name} is required.`);
    return undefined;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") throw errors.invalidParameter(`The parameter ${name} must be a string.`);
  return value;
}

/**
 * One value of a parameter as text: a string as it is, anything else as JSON. A parameter's JSON
 * may hold objects with any keys (`{"toString":{}}`), which `String()` cannot turn into text.
 */
export function paramText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/** A list parameter: a real array, a JSON/pseudo-JSON list, or a comma-separated string. */
export function listParam(params: GraphParams, name: string, required = false): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") {
    if (required) throw errors.invalidParameter(`The parameter ${name} is required.`);
    return undefined;
  }
  if (Array.isArray(value)) return value.map(paramText);
  if (typeof value === "string") return value.split(",").map((v) => v.trim()).filter(Boolean);
  throw errors.invalidParameter(`The parameter ${name} must be a list.`);
}

export function intParam(params: GraphParams, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  // Beyond 2^53 digits stop meaning what they say (99999999999999999999 would be stored as 1e20).
  if (!Number.isSafeInteger(n)) throw errors.invalidParameter(`The parameter ${name} must be an integer between -9007199254740991 and 9007199254740991.`);
  return n;
}

export function boolParam(params: GraphParams, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true" || value === "1" || value === 1) return true;
  if (value === false || value === "false" || value === "0" || value === 0) return false;
  throw errors.invalidParameter(`The parameter ${name} must be true or false.`);
}

const projections = new WeakMap<readonly object[], Map<string, readonly Record<string, unknown>[]>>();
/** Field selections kept per list; a caller cycling through more gets the rest built afresh. */
const PROJECTIONS_PER_LIST = 8;

/**
 * `selectFields` over a list. A frozen list of frozen objects (a page held in memory and shared
 * between requests, so it never changes) keeps its selections, frozen in turn, for the next
 * request that asks for the same fields.
 */
export function selectFieldsOfEach(
  objects: readonly Record<string, unknown>[],
  requested: string[] | undefined,
  defaults: readonly string[],
): readonly Record<string, unknown>[] {
  if (!Object.isFrozen(objects)) return selectEach(objects, requested, defaults);
  const key = (requested && requested.length > 0 ? requested : defaults).join(",");
  const kept = projections.get(objects);
  const projected = kept?.get(key);
  if (projected) return projected;
  // Frozen objects stay frozen: checked once, when a list's first selection is kept.
  if (!objects.every((object) => Object.isFrozen(object))) return selectEach(objects, requested, defaults);
  const fresh = Object.freeze(selectEach(objects, requested, defaults).map((object) => Object.freeze(object)));
  if (!kept) projections.set(objects, new Map([[key, fresh]]));
  else if (kept.size < PROJECTIONS_PER_LIST) kept.set(key, fresh);
  return fresh;
}

/** `selectFields` of each object, in order. */
function selectEach(objects: readonly Record<string, unknown>[], requested: string[] | undefined, defaults: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = new Array(objects.length);
  for (let i = 0; i < objects.length; i++) out[i] = selectFields(objects[i]!, requested, defaults);
  return out;
}

/** Keeps the requested fields (always with `id` when the object has one), or the defaults when none were asked for. */
export function selectFields(object: Record<string, unknown>, requested: string[] | undefined, defaults: readonly string[]): Record<string, unknown> {
  const names = requested && requested.length > 0 ? requested : defaults;
  const out: Record<string, unknown> = {};
  if ("id" in object) out.id = object.id;
  for (const name of names) {
    if (name in object && object[name] !== undefined) out[name] = object[name];
  }
  return out;
}
