import { FIELD_LIMITS } from "../../fieldLimits.ts";
import { z } from "zod";
import { errors } from "../../errors.ts";
import { MAX_MINOR_UNITS, unsafeCharacterIn } from "../../inputLimits.ts";

/**
 * Field schemas for Marketing API parameters, each with a message a Graph client can act on, and
 * `parseParams` that turns the first problem into `errors.invalidParameter`. Parameters may arrive
 * as the Graph's form encoding sends them: numbers as digit strings, lists and objects as JSON text.
 */

const digitsToNumber = (value: unknown) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value);

function jsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (!text.startsWith("[") && !text.startsWith("{")) return value;
  try {
    return JSON.parse(text);
  } catch {
    // Form posts sometimes write lists with single quotes: ['NONE'].
    try {
      return JSON.parse(text.replace(/'/g, '"'));
    } catch {
      return value;
    }
  }
}

export const params = {
  name: (max: number = FIELD_LIMITS.adObjectName) =>
    z
      .string({ error: "must be text" })
      .trim()
      .min(1, "must not be empty")
      .max(max, `must be at most ${max} characters`)
      .refine((t) => unsafeCharacterIn(t) === undefined, "must not contain control or direction-override characters"),

  optionalText: (max: number) => z.string({ error: "must be text" }).max(max, `must be at most ${max} characters`).refine((t) => unsafeCharacterIn(t) === undefined, "must not contain control or direction-override characters"),

  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `must be one of ${values.join(", ")}` }),

  /** A positive amount in the currency's minor units (5000 = 50.00 USD). */
  minorUnits: () => {
    const message = "must be a positive whole number of the currency's minor units (5000 means 50.00 in USD)";
    return z.preprocess(
      digitsToNumber,
      z.number({ error: message }).int(message).positive(message).max(MAX_MINOR_UNITS, `must be at most ${MAX_MINOR_UNITS} minor units`),
    );
  },

  list: <T extends z.ZodType>(inner: T, example: string) =>
    z.preprocess(jsonText, z.array(inner, { error: `must be a list such as ${example}` })),

  /** A JSON object (targeting, promoted_object, object_story_spec), kept to a sensible size. */
  object: () =>
    z.preprocess(
      jsonText,
      z
        .record(z.string(), z.unknown(), { error: "must be a JSON object" })
        .refine((value) => JSON.stringify(value).length <= 20_000, "must be at most 20,000 characters of JSON"),
    ),

  url: () =>
    z
      .string({ error: "must be a URL" })
      .trim()
      .max(2000, "must be at most 2,000 characters")
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
        } catch {
          return false;
        }
      }, "must be an http or https URL such as https://example.com/landing"),

  /** A time as ISO 8601 or UNIX seconds; read against the account's zone with `parseGraphTime`. */
  time: () => z.union([z.number(), z.string()], { error: "must be an ISO 8601 time or a UNIX timestamp" }),

  /** A Graph id: digits, as a string or number. */
  id: () =>
    z.preprocess(
      (value) => (typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value),
      z.string({ error: "must be an ID" }).regex(/^\d{1,20}$/, "must be an ID (digits only)"),
    ),
};

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses the input or throws `errors.invalidParameter` naming the first field that is wrong. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") ?? "";
  if (!field) throw errors.invalidParameter(`Invalid parameters: ${issue?.message ?? "invalid input"}.`);
  if (issue?.code === "invalid_type" && valueAt(input, issue.path) === undefined) {
    throw errors.invalidParameter(`The parameter ${field} is required.`);
  }
  throw errors.invalidParameter(`Invalid ${field}: ${issue?.message ?? "invalid value"}.`);
}
