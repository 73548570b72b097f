import fs from "node:fs";
import { sql, type Kysely } from "kysely";
import { migrationStatus } from "./migrator.ts";
import type { Database } from "./schema.ts";
import { classifyStoreError, describeStoreFault, StoreFaultError, type StoreFaultKind } from "./storeFault.ts";

/** What the store tells its listener: a fault begins (once per episode), ends, or one connection broke. */
export type StoreHealthEvent =
  | { type: "fault"; kind: StoreFaultKind; message: string }
  | { type: "recovered"; kind: StoreFaultKind; message: string }
  | { type: "connection_lost"; message: string };

/** The store's part of readiness: "ok", or what is wrong. */
export interface StoreReadiness {
  store: string;
  migrations: string;
  disk: string;
}

export interface StoreHealthOptions {
  dialect: "sqlite" | "postgres";
  /** The SQLite file, or PostgreSQL's host:port/database. */
  location: string;
  /** The SQLite data folder, whose disk readiness watches; undefined for PostgreSQL. */
  dataDir: string | undefined;
  /** Free space readiness asks of the data folder's disk; default 64 MB. */
  diskMinFreeBytes?: number | undefined;
  clock?: () => number;
}

/**
 * A fault seen again within this long of its last report is not reported again: a flapping store
 * (connections ended one after another) is a few lines in the log, not one per request, and a
 * lasting outage still shows within seconds.
 */
const REPORT_AGAIN_AFTER_MS = 10_000;
/**
 * How long a disk-full error keeps readiness failing when no write has succeeded since. A store
 * that is not ready gets no writes to prove it has room again, so the state also wears off.
 */
const DISK_FULL_HOLD_MS = 30_000;
/** A readiness probe of the store that takes longer than this fails. */
const PROBE_TIMEOUT_MS = 3000;
export const DEFAULT_DISK_MIN_FREE_BYTES = 64 * 1024 * 1024;

/**
 * Watches the store's own failures (storeFault.ts): every query runs through `guard`, which turns
 * a fault into a `StoreFaultError` and remembers it until a query (for disk and permission faults,
 * a write) succeeds again. Readiness (`/readyz`) asks `readiness()`.
 */
export class StoreHealth {
  private db: Kysely<Database> | undefined;
  private readonly seen = new Map<StoreFaultKind, { at: number; message: string }>();
  /** When each kind of fault was last reported, and whether its recovery is still to be reported. */
  private readonly reported = new Map<StoreFaultKind, { at: number; recoveryDue: boolean }>();
  private connectionsLost = { reportedAt: -Infinity, since: 0 };
  private listener: (event: StoreHealthEvent) => void = () => undefined;
  private readonly clock: () => number;
  private readonly minFreeBytes: number;

  constructor(private readonly options: StoreHealthOptions) {
    this.clock = options.clock ?? Date.now;
    this.minFreeBytes = options.diskMinFreeBytes ?? DEFAULT_DISK_MIN_FREE_BYTES;
  }

  /** The database the readiness probes query (set once the store is open). */
  attach(db: Kysely<Database>): void {
    this.db = db;
  }

  /** Where fault and recovery lines go (the server's log); one listener, the last one set. */
  onEvent(listener: (event: StoreHealthEvent) => void): void {
    this.listener = listener;
  }

  /** Runs one driver call: a store fault leaves it as a StoreFaultError; success ends the matching faults. */
  async guard<T>(work: () => Promise<T>, write: boolean): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      throw this.fault(error) ?? error;
    }
    if (this.seen.size > 0) this.succeeded(write);
    return result;
  }

  /** The StoreFaultError for a driver error that is a store fault (recorded), or undefined for a query's own error. */
  fault(error: unknown): StoreFaultError | undefined {
    const kind = classifyStoreError(error);
    if (!kind) return undefined;
    const fault = error instanceof StoreFaultError ? error : new StoreFaultError(kind, this.describe(kind, error), { cause: error });
    const now = this.clock();
    this.seen.set(kind, { at: now, message: fault.message });
    // A flapping store (connections ended one after another) is one episode in the log, not a line per request.
    const last = this.reported.get(kind);
    if (!last || now - last.at >= REPORT_AGAIN_AFTER_MS) {
      this.reported.set(kind, { at: now, recoveryDue: true });
      this.listener({ type: "fault", kind, message: fault.message });
    }
    return fault;
  }

  /** A pooled connection broke (the pool replaces it); the store may well be fine. Reported once every few seconds at most. */
  connectionLost(error: Error): void {
    const now = this.clock();
    const more = this.connectionsLost.since;
    if (now - this.connectionsLost.reportedAt < REPORT_AGAIN_AFTER_MS) {
      this.connectionsLost.since++;
      return;
    }
    this.connectionsLost = { reportedAt: now, since: 0 };
    const also = more > 0 ? ` (${more} more since the last report)` : "";
    this.listener({ type: "connection_lost", message: `a connection to ${this.options.location} broke and will be replaced: ${describeError(error)}${also}` });
  }

  describe(kind: StoreFaultKind, error: unknown): string {
    return describeStoreFault(kind, this.options.location, error);
  }

  /** The last time a fault of this kind was seen, if it has not been cleared since. */
  lastFault(kind: StoreFaultKind): { at: number; message: string } | undefined {
    return this.seen.get(kind);
  }

  private succeeded(write: boolean): void {
    for (const kind of write ? (["unavailable", "disk_full", "read_only"] as const) : (["unavailable"] as const)) {
      if (!this.seen.delete(kind)) continue;
      const report = this.reported.get(kind);
      if (!report?.recoveryDue) continue;
      report.recoveryDue = false;
      const what = kind === "unavailable" ? "reachable" : "writable";
      this.listener({ type: "recovered", kind, message: `the store at ${this.options.location} is ${what} again` });
    }
  }

  async readiness(): Promise<StoreReadiness> {
    const store = await this.probe();
    let migrations = "not checked: the store is unavailable";
    if (store === "ok") {
      try {
        const status = await withTimeout(migrationStatus(this.db!), PROBE_TIMEOUT_MS);
        migrations = status.pending.length === 0 ? "ok" : `pending: ${status.pending.join(", ")} (run grantline init)`;
      } catch (error) {
        migrations = `cannot be read: ${describeError(error)}`;
      }
    }
    return { store, migrations, disk: await this.disk() };
  }

  private async probe(): Promise<string> {
    if (!this.db) return "not open";
    try {
      await withTimeout(sql`select 1`.execute(this.db), PROBE_TIMEOUT_MS);
      return "ok";
    } catch (error) {
      return error instanceof StoreFaultError ? error.message : `unavailable: ${describeError(error)}`;
    }
  }

  private async disk(): Promise<string> {
    const full = this.seen.get("disk_full");
    if (full && this.clock() - full.at < DISK_FULL_HOLD_MS) return full.message;
    const readOnly = this.seen.get("read_only");
    if (readOnly) return readOnly.message;
    const dir = this.options.dataDir;
    if (!dir) return "ok";
    try {
      await fs.promises.access(dir, fs.constants.W_OK);
    } catch (error) {
      return `the data directory ${dir} cannot be written: ${describeError(error)}`;
    }
    try {
      const stats = await fs.promises.statfs(dir);
      const free = stats.bavail * stats.bsize;
      if (free < this.minFreeBytes) return `low: ${megabytes(free)} MB free for ${dir}, below the ${megabytes(this.minFreeBytes)} MB minimum`;
    } catch (error) {
      return `cannot be checked: ${describeError(error)}`;
    }
    return "ok";
  }
}

const megabytes = (bytes: number) => Math.floor(bytes / (1024 * 1024));

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
