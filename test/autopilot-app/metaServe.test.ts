import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToExit, startHubProcess } from "../support/hubProcess.ts";

/**
 * `grantline serve` with Autopilot's app at Meta configured (GRANTLINE_AUTOPILOT_*): it registers
 * that app as Autopilot's OAuth client at start, keeps it at the next start, and refuses to start
 * with only part of the settings, naming what is missing.
 */
describe("serve registers Autopilot's configured app at start", () => {
  let root: string;
  const meta = {
    GRANTLINE_AUTOPILOT_GRAPH_URL: "https://graph.facebook.com/v24.0",
    GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL: "https://www.facebook.com/v24.0/dialog/oauth",
    GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL: "https://graph.facebook.com/v24.0/oauth/access_token",
    GRANTLINE_AUTOPILOT_APP_ID: "987654321012345",
    GRANTLINE_AUTOPILOT_APP_SECRET: "meta-app-secret",
    GRANTLINE_PUBLIC_URL: "https://ads.example.test",
    GRANTLINE_AUTOPILOT_SCHEDULE: "off",
  };
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-metaserve-"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("registers it once, with the login endpoints and the public callback, and says which client it uses", async () => {
    const env = { GRANTLINE_DATA_DIR: root, ...meta };
    expect((await runToExit(env, "init", "--json")).code).toBe(0);
    const registrations: string[] = [];
    for (let start = 0; start < 2; start++) {
      const hub = await startHubProcess(env);
      try {
        const started = hub.logLines().find((line) => line.msg === "Grantline hub started");
        expect(started?.autopilot_client).toBe(meta.GRANTLINE_AUTOPILOT_APP_ID);
      } finally {
        hub.signal("SIGTERM");
        await hub.exit;
      }
      registrations.push((JSON.parse((await runToExit(env, "autopilot", "oauth-client", "--json")).stdout) as { id: string }).id);
    }
    // The second start found the same app and kept its registration.
    expect(registrations[1]).toBe(registrations[0]);
    const shown = await runToExit(env, "autopilot", "oauth-client", "--json");
    expect(JSON.parse(shown.stdout)).toMatchObject({
      client_id: meta.GRANTLINE_AUTOPILOT_APP_ID,
      issuer: "https://www.facebook.com",
      authorization_endpoint: meta.GRANTLINE_AUTOPILOT_LOGIN_DIALOG_URL,
      token_endpoint: meta.GRANTLINE_AUTOPILOT_LOGIN_TOKEN_URL,
      graph_url: meta.GRANTLINE_AUTOPILOT_GRAPH_URL,
      redirect_uri: "https://ads.example.test/autopilot/oauth/callback",
      scopes: ["ads_read", "ads_management"],
    });
    expect(shown.stdout).not.toContain(meta.GRANTLINE_AUTOPILOT_APP_SECRET);
    const text = await runToExit(env, "autopilot", "oauth-client");
    expect(text.stdout).toMatch(/login https:\/\/www\.facebook\.com\/v24\.0\/dialog\/oauth, token https:\/\/graph\.facebook\.com\/v24\.0\/oauth\/access_token/);
  });

  it("refuses to start with part of the settings, naming the missing ones", async () => {
    const result = await runToExit({ GRANTLINE_DATA_DIR: root, PORT: "0", GRANTLINE_AUTOPILOT_APP_ID: meta.GRANTLINE_AUTOPILOT_APP_ID }, "serve");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/GRANTLINE_AUTOPILOT_GRAPH_URL: is required with GRANTLINE_AUTOPILOT_APP_ID/);
    expect(result.stderr).toMatch(/GRANTLINE_AUTOPILOT_APP_SECRET/);
  });
});
