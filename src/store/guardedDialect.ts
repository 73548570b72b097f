import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  PostgresPool,
  PostgresPoolClient,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import { StoreFaultError } from "./storeFault.ts";
import type { StoreHealth } from "./storeHealth.ts";

/**
 * Wraps a Kysely dialect so that every failure of the store itself (see storeFault.ts) leaves the
 * store as a `StoreFaultError`, recorded in the store's health, while a query's own errors (a
 * constraint, a syntax error) pass through untouched.
 *
 * `transactionGone` says, after a failed ROLLBACK, whether the database had already ended the
 * transaction itself; the ROLLBACK's error is then dropped so the error that ended it is the one
 * reported. Without it (PostgreSQL), a failed ROLLBACK is always dropped: Kysely then discards the
 * connection, and the server rolls back whatever a closed session left open.
 */
export function guardedDialect(inner: Dialect, health: StoreHealth, transactionGone?: () => boolean): Dialect {
  return {
    createDriver: (): Driver => new GuardedDriver(inner.createDriver(), health, transactionGone ?? (() => true)),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
    createAdapter: (): DialectAdapter => inner.createAdapter(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => inner.createIntrospector(db),
  };
}

class GuardedDriver implements Driver {
  /** One wrapper per connection: Kysely tells connections apart by identity. */
  private readonly wrappers = new WeakMap<DatabaseConnection, GuardedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly health: StoreHealth,
    private readonly transactionGone: () => boolean,
  ) {}

  init(): Promise<void> {
    return this.health.guard(() => this.inner.init(), false);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.health.guard(() => this.inner.acquireConnection(), false);
    let wrapper = this.wrappers.get(connection);
    if (!wrapper) this.wrappers.set(connection, (wrapper = new GuardedConnection(connection, this.health)));
    return wrapper;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.health.guard(() => this.inner.beginTransaction(unwrap(connection), settings), false);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.health.guard(() => this.inner.commitTransaction(unwrap(connection)), true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(unwrap(connection));
    } catch (error) {
      if (this.transactionGone()) return;
      throw this.health.fault(error) ?? error;
    }
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.health.guard(() => this.inner.savepoint!(unwrap(connection), name, compile), false);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.health.guard(() => this.inner.rollbackToSavepoint!(unwrap(connection), name, compile), false);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.health.guard(() => this.inner.releaseSavepoint!(unwrap(connection), name, compile), false);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly health: StoreHealth,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.health.guard(() => this.inner.executeQuery<R>(compiledQuery), writes(compiledQuery));
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw this.health.fault(error) ?? error;
    }
  }
}

const WRITE_NODES = new Set(["InsertQueryNode", "UpdateQueryNode", "DeleteQueryNode", "MergeQueryNode"]);

/** Whether a query writes: only a write that succeeds shows a full disk has room again. */
function writes(compiledQuery: CompiledQuery): boolean {
  if (compiledQuery.query.kind === "RawNode") return !/^\s*(select|with|pragma|explain|show)\b/i.test(compiledQuery.sql);
  return WRITE_NODES.has(compiledQuery.query.kind);
}

const unwrap = (connection: DatabaseConnection): DatabaseConnection => (connection instanceof GuardedConnection ? connection.inner : connection);

/** Longest wait between two attempts to connect to an unreachable PostgreSQL. */
const MAX_BACKOFF_MS = 2000;
const FIRST_BACKOFF_MS = 100;

/**
 * PostgreSQL's pool, with backoff while the server cannot be reached: after a failed connection
 * attempt, requests fail at once (as unavailable) until the next attempt is due, 100 ms after the
 * first failure and doubling to 2 s. Each request would otherwise wait out its own connection
 * timeout against a server that is down; the first request after the wait tries again, so the hub
 * is back within 2 s of the server.
 */
export class BackoffPool implements PostgresPool {
  private failures = 0;
  private retryAt = 0;
  private lastError: unknown;

  constructor(
    private readonly pool: PostgresPool,
    private readonly health: StoreHealth,
    private readonly clock: () => number = Date.now,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    const now = this.clock();
    if (this.failures > 0 && now < this.retryAt) {
      throw new StoreFaultError("unavailable", this.health.describe("unavailable", this.lastError), { cause: this.lastError });
    }
    try {
      const client = await this.pool.connect();
      this.failures = 0;
      return client;
    } catch (error) {
      // Requests that failed together count as one attempt.
      if (this.clock() >= this.retryAt) {
        this.failures++;
        this.retryAt = this.clock() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
      }
      this.lastError = error;
      throw error;
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
