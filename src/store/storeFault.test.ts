import type { PostgresPool, PostgresPoolClient } from "kysely";
import { describe, expect, it } from "vitest";
import { BackoffPool } from "./guardedDialect.ts";
import { classifyStoreError, StoreFaultError } from "./storeFault.ts";
import { StoreHealth } from "./storeHealth.ts";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("classifyStoreError", () => {
  it("tells the store's own failures from a query's errors", () => {
    expect(classifyStoreError(withCode("terminating connection due to administrator command", "57P01"))).toBe("unavailable");
    expect(classifyStoreError(withCode("canceling statement due to statement timeout", "57014"))).toBe("unavailable");
    expect(classifyStoreError(withCode("connection failure", "08006"))).toBe("unavailable");
    expect(classifyStoreError(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"))).toBe("unavailable");
    expect(classifyStoreError(new Error("Connection terminated unexpectedly"))).toBe("unavailable");
    expect(classifyStoreError(new Error("Query read timeout"))).toBe("unavailable");
    expect(classifyStoreError(withCode("database is locked", "SQLITE_BUSY"))).toBe("unavailable");
    expect(classifyStoreError(withCode("could not extend file: No space left on device", "53100"))).toBe("disk_full");
    expect(classifyStoreError(withCode("database or disk is full", "SQLITE_FULL"))).toBe("disk_full");
    expect(classifyStoreError(withCode("ENOSPC: no space left on device, write", "ENOSPC"))).toBe("disk_full");
    expect(classifyStoreError(withCode("attempt to write a readonly database", "SQLITE_READONLY"))).toBe("read_only");
    expect(classifyStoreError(new Error("wrapped", { cause: withCode("database or disk is full", "SQLITE_FULL") }))).toBe("disk_full");
    expect(classifyStoreError(new StoreFaultError("unavailable", "x"))).toBe("unavailable");

    expect(classifyStoreError(withCode("duplicate key value violates unique constraint", "23505"))).toBeUndefined();
    expect(classifyStoreError(withCode("UNIQUE constraint failed: assets.id", "SQLITE_CONSTRAINT_UNIQUE"))).toBeUndefined();
    expect(classifyStoreError(withCode('relation "nope" does not exist', "42P01"))).toBeUndefined();
    expect(classifyStoreError("not an error")).toBeUndefined();
  });
});

describe("BackoffPool", () => {
  it("fails at once between attempts while the server cannot be reached, waiting longer each time, and connects as soon as it can", async () => {
    let t = 0;
    let up = false;
    let attempts = 0;
    const client = { release: () => undefined } as unknown as PostgresPoolClient;
    const pool: PostgresPool = {
      connect: async () => {
        attempts++;
        if (!up) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        return client;
      },
      end: async () => undefined,
    };
    const backoff = new BackoffPool(pool, new StoreHealth({ dialect: "postgres", location: "db:5432/app", dataDir: undefined }), () => t);
    const fails = () => backoff.connect().then(() => "connected", (error: Error) => error.message);

    expect(await fails()).toBe("connect ECONNREFUSED 127.0.0.1:5432");
    // Within the first 100 ms nobody tries again: the answer comes at once, naming the store.
    t = 50;
    expect(await fails()).toBe("store unavailable: db:5432/app (connect ECONNREFUSED 127.0.0.1:5432)");
    expect(attempts).toBe(1);
    t = 100;
    await fails();
    expect(attempts).toBe(2);
    // The next wait is twice as long.
    t = 250;
    await fails();
    expect(attempts).toBe(2);
    t = 300;
    up = true;
    expect(await fails()).toBe("connected");
    expect(attempts).toBe(3);
    // Once connected, no waiting at all.
    expect(await fails()).toBe("connected");
  });
});
