/**
 * Failures of the store itself, as opposed to a query that is wrong: the database cannot be
 * reached (or went away mid-query, or took too long), its disk is full, or it cannot be written.
 * The store turns the driver's errors of these kinds into a `StoreFaultError`, so callers (the
 * HTTP error handler, background loops, the CLI) answer "temporarily unavailable" rather than
 * "internal error", and readiness can tell what is wrong.
 */

export type StoreFaultKind = "unavailable" | "disk_full" | "read_only";

export class StoreFaultError extends Error {
  constructor(
    readonly kind: StoreFaultKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreFaultError";
  }
}

/**
 * PostgreSQL SQLSTATEs that mean the server, not the query, is the problem
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html): class 08 (connection
 * exception), 57P01–57P03 (shut down, crashed, not accepting connections yet), 57014 (a statement
 * cancelled: statement_timeout), 53300 (too many connections).
 */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "57014", "53300"]);
/** 53100 disk_full; 53200 out_of_memory is a server resource limit as well, but not the disk. */
const PG_DISK_FULL = "53100";
/** Node's network errors of a connection that failed or broke. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);
/** node-postgres reports a lost or slow connection by message only. */
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "connection timeout",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "is not queryable",
  "Client was closed",
  "Connection ended",
];

/** What kind of store fault an error from a driver is, if it is one. */
export function classifyStoreError(error: unknown): StoreFaultKind | undefined {
  if (error instanceof StoreFaultError) return error.kind;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code === PG_DISK_FULL || code === "SQLITE_FULL" || code === "ENOSPC") return "disk_full";
    if (code.startsWith("SQLITE_READONLY") || code === "EROFS") return "read_only";
    if (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NETWORK_CODES.has(code)) return "unavailable";
    // Another process held the write lock past busy_timeout: the store is there, only busy.
    if (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_")) return "unavailable";
  }
  if (PG_CONNECTION_MESSAGES.some((text) => error.message.includes(text))) return "unavailable";
  if (error.cause !== undefined && error.cause !== error) return classifyStoreError(error.cause);
  return undefined;
}

/** The message of a fault, for logs: what happened and where, never a query or its parameters. */
export function describeStoreFault(kind: StoreFaultKind, where: string, error: unknown): string {
  let detail = String(error);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || (error instanceof AggregateError ? error.errors.map(String).join("; ") : "");
    detail = typeof code === "string" && !message.includes(code) ? `${code} ${message}`.trim() : message || error.name;
  }
  switch (kind) {
    case "disk_full":
      return `disk full: the store at ${where} could not write (${detail})`;
    case "read_only":
      return `read-only store: ${where} cannot be written (${detail})`;
    case "unavailable":
      return `store unavailable: ${where} (${detail})`;
  }
}
