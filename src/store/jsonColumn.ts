import { z } from "zod";

/**
 * A stored JSON value that does not have the shape its column promises. It is the store's fault,
 * never the caller's: the error handler logs it and answers the generic internal error, so the
 * column's name and the mismatch stay in the log.
 */
export class StoredJsonError extends Error {
  constructor(
    readonly column: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Stored JSON in ${column} is not valid: ${detail}`, options);
    this.name = "StoredJsonError";
  }
}

/** How a JSON text column is written and read back. */
export interface JsonColumn<T> {
  /** The column, as `table.column`, named in every error. */
  readonly name: string;
  encode(value: T): string;
  /** Parses and checks the stored text; NULL, text that is not JSON or a value of another shape throws `StoredJsonError`. */
  decode(text: string | null): T;
  encodeOrNull(value: T | null): string | null;
  decodeOrNull(text: string | null): T | null;
}

/**
 * The codec of a JSON text column: `JSON.stringify` on the way in (the stored text is what it has
 * always been), `JSON.parse` and a check against `schema` on the way out.
 *
 * The check only looks: decode returns the parsed value itself, not the schema's copy, so key order
 * and keys the schema does not name survive and answers built from it stay the same. That is why
 * the schema's input and output types must agree (no transforms or defaults).
 * For a large value read whole (a report's rows), a schema of the outer shape alone keeps reads cheap.
 */
export function jsonColumn<T>(schema: z.ZodType<T, T>, name: string): JsonColumn<T> {
  const decode = (text: string | null): T => {
    if (text === null) throw new StoredJsonError(name, "it is NULL");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoredJsonError(name, "it is not JSON", { cause: error });
    }
    const checked = schema.safeParse(value);
    if (!checked.success) throw new StoredJsonError(name, z.prettifyError(checked.error).replace(/\n/g, "; "));
    return value as T;
  };
  const encode = (value: T): string => JSON.stringify(value);
  return {
    name,
    encode,
    decode,
    encodeOrNull: (value) => (value === null ? null : encode(value)),
    decodeOrNull: (text) => (text === null ? null : decode(text)),
  };
}

/** A JSON array of strings: scopes, tasks, redirect URIs, field names. */
export const stringList = (name: string): JsonColumn<string[]> => jsonColumn(z.array(z.string()), name);

/** A JSON object whose members are not checked: settings, parameters, specs stored as given. */
export const jsonObject = (name: string): JsonColumn<Record<string, unknown>> => jsonColumn(z.record(z.string(), z.unknown()), name);
