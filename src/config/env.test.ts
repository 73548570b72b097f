import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env.ts";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 8080, dataDir: path.resolve("./data"), databaseUrl: undefined, pendingTtlDays: 30 });
  });

  it("reads PORT, HOST, the data folder and store URLs", () => {
    const config = loadConfig({
      HOST: "0.0.0.0",
      PORT: "9001",
      GRANTLINE_DATA_DIR: "/tmp/x",
      DATABASE_URL: "postgres://u@h:5432/db",
      REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(config).toMatchObject({ host: "0.0.0.0", port: 9001, dataDir: "/tmp/x", databaseUrl: "postgres://u@h:5432/db", redisUrl: "redis://127.0.0.1:6379" });
  });

  it("lists every problem at once", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("PORT");
    expect(problems).toContain("DATABASE_URL");
    expect(problems).toContain("LOG_LEVEL");
  });
});
