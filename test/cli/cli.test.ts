import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openGrantline, type Grantline } from "../../src/app/openGrantline.ts";
import { dropPostgresSchema } from "../../src/store/database.ts";
import { SCOPES } from "../../src/hub/catalogue/roles.ts";
import { runGrantline } from "../support/cli.ts";
import { DIALECTS } from "../support/hubs.ts";


describe.each(DIALECTS)("grantline CLI on %s", (dialect) => {
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let schema: string;
  const opened: Grantline[] = [];

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-cli-"));
    schema = `cli_${crypto.randomBytes(5).toString("hex")}`;
    env = { PATH: process.env.PATH, HOME: process.env.HOME, GRANTLINE_DATA_DIR: dataDir };
    if (dialect === "postgres") Object.assign(env, { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema });
  });
  afterEach(async () => {
    for (const hub of opened.splice(0)) await hub.close();
    if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runGrantline(env, ...args);
  const cliFails = async (...args: string[]) => {
    try {
      await cli(...args);
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
    throw new Error(`expected grantline ${args.join(" ")} to fail`);
  };
  const openStoreHub = async () => {
    const hub = await openGrantline({
      databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
      pgSchema: dialect === "postgres" ? schema : undefined,
      dataDir,
    });
    opened.push(hub);
    return hub;
  };

  it("bootstrap --json prints one line: a business, its ADMIN system user and a non-expiring all-scope token", async () => {
    const { stdout } = await cli("bootstrap", "--business-name", "Acme Ads", "--json");
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as Record<string, string>;
    expect(Object.keys(result).sort()).toEqual(["access_token", "business_id", "system_user_id"]);
    expect(result.business_id).toMatch(/^[1-9]\d{15}$/);

    const hub = await openStoreHub();
    expect((await hub.businesses.getBusiness(result.business_id!)).name).toBe("Acme Ads");
    const token = await hub.tokens.resolve(result.access_token!);
    expect(token.principalId).toBe(result.system_user_id);
    expect([...token.scopes].sort()).toEqual([...SCOPES].sort());
    expect(hub.engine.roleIn(result.system_user_id!, result.business_id!)).toBe("ADMIN");
    const [view] = await hub.tokens.listForPrincipal(result.system_user_id!);
    expect(view?.expiresAt).toBeNull();
    // Only a hash is stored.
    const stored = await hub.store.db.selectFrom("access_tokens").select("token_hash").execute();
    expect(JSON.stringify(stored)).not.toContain(result.access_token);
  });

  it("explain says why, with the path or the fix, and exits non-zero when denied", async () => {
    const owner = JSON.parse((await cli("bootstrap", "--business-name", "Owner", "--json")).stdout) as Record<string, string>;
    const hub = await openStoreHub();
    const { operatorContext } = await import("../../src/hub/context.ts");
    const account = await hub.assets.createAsset(operatorContext(), owner.business_id!, { type: "ad_account", name: "Main" });

    const allowed = await cli("explain", "--principal", owner.system_user_id!, "--action", "change_budget", "--asset", account.graphId, "--json");
    expect(JSON.parse(allowed.stdout)).toMatchObject({ allowed: true, neededTasks: ["ADVERTISE"] });

    const stranger = JSON.parse((await cli("bootstrap", "--business-name", "Stranger", "--json")).stdout) as Record<string, string>;
    const denied = await cliFails("explain", "--principal", stranger.system_user_id!, "--action", "read_insights", "--asset", account.graphId);
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain("DENIED: Stranger Admin has no access to Main");
    expect(denied.stdout).toContain("Fix: An admin of Owner can share Main with Stranger");

    const unknownAction = await cliFails("explain", "--principal", "1", "--action", "fly", "--asset", "1");
    expect(unknownAction.stderr).toContain("unknown action");
  });

  it("audit verify passes on an intact log and fails on an edited one", async () => {
    await cli("bootstrap", "--business-name", "Audited", "--json");
    const ok = await cli("audit", "verify", "--json");
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const hub = await openStoreHub();
    await hub.store.db.updateTable("audit_entries").set({ action: "nothing.happened" }).where("seq", "=", 1).execute();
    const broken = await cliFails("audit", "verify");
    expect(broken.code).toBe(4);
    expect(broken.stdout).toContain("BROKEN at entry 1");
  });

  it("refuses bad settings and missing options with clear messages", async () => {
    const missing = await cliFails("bootstrap", "--json");
    expect(missing.stderr).toContain("--business-name");
    env.PORT = "eighty";
    const badConfig = await cliFails("bootstrap", "--business-name", "X");
    expect(badConfig.stderr).toContain("Invalid configuration");
    expect(badConfig.stderr).toContain("PORT");
  });
});
