import path from "node:path";
import { describe, expect, it } from "vitest";
import { autopilotTrustedOrigins } from "../autopilot/app/trustedOrigins.ts";
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

  it("takes Autopilot's app at Meta whole or not at all, and trusts its Graph and token URL", () => {
    expect(loadConfig({}).autopilotApp).toBeUndefined();
    const app = {
      GRANTLINE_AUTOPILOT_GRAPH_URL: "https://graph.facebook.com/v24.0/",
      GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL: "https://www.facebook.com/v24.0/dialog/oauth",
      GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL: "https://graph.facebook.com/v24.0/oauth/access_token",
      GRANTLINE_AUTOPILOT_APP_ID: "1234567890",
      GRANTLINE_AUTOPILOT_APP_SECRET: "s3cret",
    };
    const config = loadConfig(app);
    expect(config.autopilotApp).toEqual({
      graphUrl: "https://graph.facebook.com/v24.0",
      dialogUrl: app.GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL,
      tokenUrl: app.GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL,
      appId: "1234567890",
      appSecret: "s3cret",
      redirectUri: undefined,
    });
    expect(autopilotTrustedOrigins(config)).toContain("https://graph.facebook.com");
    const error = (() => {
      try {
        loadConfig({ GRANTLINE_AUTOPILOT_APP_ID: "1234567890", GRANTLINE_AUTOPILOT_GRAPH_URL: app.GRANTLINE_AUTOPILOT_GRAPH_URL });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL: is required with GRANTLINE_AUTOPILOT_GRAPH_URL, GRANTLINE_AUTOPILOT_APP_ID",
      "GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL: is required with GRANTLINE_AUTOPILOT_GRAPH_URL, GRANTLINE_AUTOPILOT_APP_ID",
      "GRANTLINE_AUTOPILOT_APP_SECRET: is required with GRANTLINE_AUTOPILOT_GRAPH_URL, GRANTLINE_AUTOPILOT_APP_ID",
    ]);
    expect(() => loadConfig({ ...app, GRANTLINE_AUTOPILOT_APP_ID: "my-app" })).toThrow(/GRANTLINE_AUTOPILOT_APP_ID: must be the numeric App ID/);
  });

  it("serves metrics only when a token or a port of their own is set", () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    const token = "0123456789abcdef0123";
    expect(loadConfig({ GRANTLINE_METRICS_TOKEN: token }).metrics).toEqual({ token, port: undefined, host: "127.0.0.1" });
    expect(loadConfig({ HOST: "0.0.0.0", GRANTLINE_METRICS_PORT: "9464" }).metrics).toEqual({ token: undefined, port: 9464, host: "0.0.0.0" });
    expect(loadConfig({ GRANTLINE_METRICS_PORT: "9464", GRANTLINE_METRICS_HOST: "10.0.0.5", GRANTLINE_METRICS_TOKEN: token }).metrics).toEqual({ token, port: 9464, host: "10.0.0.5" });
    expect(() => loadConfig({ GRANTLINE_METRICS_TOKEN: "short", GRANTLINE_METRICS_PORT: "70000" })).toThrow(/GRANTLINE_METRICS_TOKEN[\s\S]*GRANTLINE_METRICS_PORT/);
  });

  it("runs Autopilot's schedule unless turned off, at the configured hour, zone and monitor interval", () => {
    expect(loadConfig({}).autopilotSchedule).toEqual({ dailyHour: 6, timeZone: undefined, monitorIntervalMs: 3_600_000 });
    expect(loadConfig({ GRANTLINE_AUTOPILOT_DAILY_HOUR: "3", GRANTLINE_AUTOPILOT_TIME_ZONE: "Europe/Berlin", GRANTLINE_AUTOPILOT_MONITOR_MINUTES: "15" }).autopilotSchedule).toEqual({
      dailyHour: 3,
      timeZone: "Europe/Berlin",
      monitorIntervalMs: 900_000,
    });
    expect(loadConfig({ GRANTLINE_AUTOPILOT_SCHEDULE: "off" }).autopilotSchedule).toBeUndefined();
    expect(() => loadConfig({ GRANTLINE_AUTOPILOT_TIME_ZONE: "Mars/Olympus", GRANTLINE_AUTOPILOT_DAILY_HOUR: "24" })).toThrow(/GRANTLINE_AUTOPILOT_TIME_ZONE[\s\S]*GRANTLINE_AUTOPILOT_DAILY_HOUR|GRANTLINE_AUTOPILOT_DAILY_HOUR[\s\S]*GRANTLINE_AUTOPILOT_TIME_ZONE/);
  });

  it("refuses outbound calls to internal addresses unless GRANTLINE_OUTBOUND_ALLOW_PRIVATE is on", () => {
    expect(loadConfig({}).outbound).toEqual({ allowPrivate: false });
    expect(loadConfig({ GRANTLINE_OUTBOUND_ALLOW_PRIVATE: "on" }).outbound).toEqual({ allowPrivate: true });
    expect(loadConfig({ GRANTLINE_OUTBOUND_ALLOW_PRIVATE: "off" }).outbound).toEqual({ allowPrivate: false });
    expect(() => loadConfig({ GRANTLINE_OUTBOUND_ALLOW_PRIVATE: "yes" })).toThrow(/GRANTLINE_OUTBOUND_ALLOW_PRIVATE/);
  });

  it("trusts no proxy unless told: true, a hop count, or a list of addresses and CIDR ranges", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ GRANTLINE_TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ GRANTLINE_TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadConfig({ GRANTLINE_TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ GRANTLINE_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1,::1,fd00::/8" }).trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]);
    for (const bad of ["yes", "10.0.0.0/33", "proxy.internal", "10.0.0.1,", "1.2.3.4/8/9"]) {
      expect(() => loadConfig({ GRANTLINE_TRUST_PROXY: bad }), bad).toThrow(/GRANTLINE_TRUST_PROXY/);
    }
  });

  it("bounds every wait on a dependency and the shutdown, with documented defaults", () => {
    expect(loadConfig({})).toMatchObject({ timeouts: { dbQueryMs: 30_000, dbConnectMs: 5000, redisMs: 1000 }, shutdownGraceMs: 10_000, diskMinFreeBytes: 64 * 1024 * 1024 });
    const config = loadConfig({ GRANTLINE_DB_QUERY_TIMEOUT_MS: "2000", GRANTLINE_DB_CONNECT_TIMEOUT_MS: "500", GRANTLINE_REDIS_TIMEOUT_MS: "250", GRANTLINE_SHUTDOWN_GRACE_MS: "0", GRANTLINE_DISK_MIN_FREE_MB: "0" });
    expect(config).toMatchObject({ timeouts: { dbQueryMs: 2000, dbConnectMs: 500, redisMs: 250 }, shutdownGraceMs: 0, diskMinFreeBytes: 0 });
    expect(() => loadConfig({ GRANTLINE_REDIS_TIMEOUT_MS: "0", GRANTLINE_SHUTDOWN_GRACE_MS: "soon" })).toThrow(/GRANTLINE_REDIS_TIMEOUT_MS[\s\S]*GRANTLINE_SHUTDOWN_GRACE_MS/);
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
