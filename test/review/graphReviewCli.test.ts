import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { runGraphReview } from "../../src/cli/graphReviewCli.ts";
import { buildAsset, buildBusiness, buildMember, buildShare, type TestBusiness, type TestPerson } from "../support/factories.ts";
import { makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";
import { runGrantline } from "../support/cli.ts";

/** A loopback proxy to the hub that refuses every call's token (Graph code 190) once `limit` calls went through, until `restore()`. */
async function interruptingProxy(target: string, limit: number) {
  let calls = 0;
  let open = false;
  const server = http.createServer(async (request, response) => {
    calls++;
    if (!open && calls > limit) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "Error validating access token: Session has expired", type: "OAuthException", code: 190, error_subcode: 463 } }));
      return;
    }
    const answer = await fetch(new URL(request.url!, target), { headers: { authorization: request.headers.authorization ?? "" } });
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, restore: () => void (open = true), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("grantline review --graph-url against a listening hub", () => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let dir: string;
  const clock = new TestClock();
  let owner: TestBusiness;
  let token: string;
  let reviewerId: string;
  let clientAccount: { id: string; graphId: string };
  let clientPerson: TestPerson;

  beforeAll(async () => {
    store = makeTestStore("sqlite");
    hub = await store.open(clock);
    server = await startServer(hub);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-review-"));
    owner = await buildBusiness(hub, "Owner");
    const agency = await buildBusiness(hub, "Agency");
    for (let i = 0; i < 3; i++) {
      const account = await buildAsset(hub, owner, "ad_account", `Account ${i}`);
      const person = await buildMember(hub, owner, "EMPLOYEE", `Employee ${i}`);
      await hub.assignments.assign(owner.admin.ctx, { assetId: account.id, principalId: person.id, tasks: ["ADVERTISE", "ANALYZE"] });
      if (i === 0) {
        await buildShare(hub, owner, agency, account.id, "STANDARD");
        const outsider = await buildMember(hub, agency, "EMPLOYEE", "Agency Ann");
        await hub.assignments.assign(agency.admin.ctx, { assetId: account.id, principalId: outsider.id, tasks: ["ADVERTISE"] });
      }
    }
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), owner.id, { name: "Reviewer", role: "ADMIN" });
    reviewerId = reviewer.id;
    // A client's account shared with the owner, with one of the owner's people (and the reviewer, to read its log) on it.
    const client = await buildBusiness(hub, "Client");
    clientAccount = await buildAsset(hub, client, "ad_account", "Client Account");
    await buildShare(hub, client, owner, clientAccount.id, "STANDARD");
    clientPerson = await buildMember(hub, owner, "EMPLOYEE", "Client-side Cleo");
    await hub.assignments.assign(owner.admin.ctx, { assetId: clientAccount.id, principalId: clientPerson.id, tasks: ["ADVERTISE", "ANALYZE"] });
    await hub.assignments.assign(owner.admin.ctx, { assetId: clientAccount.id, principalId: reviewer.id, tasks: ["ANALYZE"] });
    token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    clock.advanceDays(100);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints the native review's findings contract as one JSON line, with its progress on stderr", async () => {
    const checkpoint = path.join(dir, "full.jsonl");
    const { stdout, stderr } = await runGrantline({}, "review", "--graph-url", server.url, "--business", owner.id, "--token", token, "--json", "--window-days", "90", "--checkpoint", checkpoint);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(Object.keys(report)).toEqual(["business_id", "window_days", "findings", "source", "graph_calls", "not_reviewed"]);
    expect(report).toMatchObject({ business_id: owner.id, window_days: 90, source: "graph" });
    expect(report.graph_calls).toBeGreaterThan(10);
    const kinds = new Set(report.findings.map((f: { kind: string }) => f.kind));
    expect([...kinds].sort()).toEqual(["external", "stale_principal", "unused"]);
    for (const f of report.findings) {
      expect(Object.keys(f)).toEqual(["kind", "principal", "asset", "path", "evidence", "fix"]);
      expect(f.evidence.source).toBe("graph");
    }
    expect(report.findings.find((f: any) => f.kind === "external")).toMatchObject({ principal: { name: "Agency Ann" }, evidence: { via: "partner_share", tasks: ["ADVERTISE"] }, fix: { action: "revoke_share" } });
    // The reviewer is never stale; its grant on the client's account is judged like any other.
    expect(report.findings.some((f: any) => f.principal?.id === reviewerId && f.kind === "stale_principal")).toBe(false);
    expect(stderr).toContain("reading people and system users");
    expect(stderr).toMatch(/\[\d+\/4\] reading access to Account/);
    expect(stderr).toMatch(/\[3\/4\] reading your people's access to Client Account/);
    // A complete review leaves no checkpoint behind.
    expect(fs.existsSync(checkpoint)).toBe(false);

    // The token may come from a file, out of the process list; a versioned Graph URL works too.
    const tokenFile = path.join(dir, "token");
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const text = await runGrantline({}, "review", "--graph-url", `${server.url}/v24.0`, "--business", owner.id, "--token-file", tokenFile, "--checkpoint", checkpoint);
    expect(text.stdout).toContain("NOT REVIEWED: apps connected to the business's assets");
  });

  it("refuses a bad token with a clear message and no findings", async () => {
    const checkpoint = path.join(dir, "bad.jsonl");
    const run = runGrantline({}, "review", "--graph-url", server.url, "--business", owner.id, "--token", "not-a-token", "--json", "--checkpoint", checkpoint);
    const failure = (await run.catch((e: unknown) => e)) as { code: number; stdout: string; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stdout).toBe("");
    expect(failure.stderr).toContain("The token is invalid or expired");
    expect(failure.stderr).not.toContain("not-a-token");
    // Nothing was read, so there is nothing to resume and no checkpoint is left behind.
    expect(failure.stderr).not.toContain("--resume");
    expect(fs.existsSync(checkpoint)).toBe(false);
  });

  // Meta refuses a token without business_management the same way (#200 / #10) on these edges.
  it("reports what a token without a role in the business could not review, edge by edge", async () => {
    const stranger = await buildBusiness(hub, "Stranger");
    const strangerUser = await hub.businesses.createSystemUser(operatorContext(), stranger.id, { name: "Stranger Bot", role: "ADMIN" });
    const strangerToken = (await hub.tokens.issueSystemUserToken(operatorContext(), strangerUser.id, {})).accessToken;
    const outside = await runGraphReview({ graphUrl: server.url, business: owner.id, token: strangerToken, windowDays: 90, checkpoint: path.join(dir, "stranger.jsonl"), progress: () => undefined });
    expect(outside.findings).toEqual([]);
    const gaps = outside.not_reviewed.map((n) => n.what);
    expect(gaps).toEqual(
      expect.arrayContaining([
        "the business's two-factor requirement",
        "people of the business (business_users)",
        "system users of the business (system_users)",
        "ad accounts (owned_ad_accounts)",
        "clients' ad accounts (client_ad_accounts)",
        "clients' pages (client_pages)",
      ]),
    );
    for (const gap of outside.not_reviewed.filter((n) => n.what.includes("("))) expect(gap.why).toMatch(/^\(#\d+\) /);

  });

  it("resumes an interrupted review from its checkpoint, re-reading nothing, to the same findings", async () => {
    const complete = await runGraphReview({ graphUrl: server.url, business: owner.id, token, windowDays: 90, checkpoint: path.join(dir, "reference.jsonl"), progress: () => undefined });
    const proxy = await interruptingProxy(server.url, 9);
    const checkpoint = path.join(dir, "interrupted.jsonl");
    const progress: string[] = [];
    try {
      const stopped = await runGraphReview({ graphUrl: proxy.url, business: owner.id, token, windowDays: 90, checkpoint, progress: (l) => progress.push(l) }).catch((e: unknown) => e);
      expect(String(stopped)).toContain("Get a new token and run the review again (with --resume");
      expect(progress.at(-1)).toContain("--resume");
      expect(fs.existsSync(checkpoint)).toBe(true);
      // A checkpoint is bound to its Graph URL, business and window: anything else is another review.
      const elsewhere = await runGraphReview({ graphUrl: server.url, business: owner.id, token, windowDays: 90, checkpoint, resume: true, progress: () => undefined }).catch((e: unknown) => e);
      expect(String(elsewhere)).toContain("run without --resume");

      const kept = fs.readFileSync(checkpoint, "utf8").split("\n").slice(1).filter((l) => l.trim() !== "").length;
      expect(kept).toBeGreaterThan(3);
      proxy.restore();
      const lines: string[] = [];
      const resumed = await runGraphReview({ graphUrl: proxy.url, business: owner.id, token, windowDays: 90, checkpoint, resume: true, progress: (l) => lines.push(l) });
      expect(lines[0]).toBe(`Resuming the review of business ${owner.id}: ${kept} page(s) already read.`);
      expect(resumed.findings).toEqual(complete.findings);
      // Only the pages not kept are read again (and the business and /me, which every run reads).
      expect(resumed.graph_calls).toBe(complete.graph_calls - kept);
      expect(fs.existsSync(checkpoint)).toBe(false);
    } finally {
      await proxy.close();
    }
  });
  it("resumes a review interrupted while reading a client's account, re-reading nothing, to the same findings", async () => {
    const complete = await runGraphReview({ graphUrl: server.url, business: owner.id, token, windowDays: 90, checkpoint: path.join(dir, "client-reference.jsonl"), progress: () => undefined });
    // The owner's person on the client's account is judged like one on its own accounts.
    expect(complete.findings).toContainEqual(expect.objectContaining({ kind: "unused", principal: expect.objectContaining({ id: clientPerson.id }), asset: expect.objectContaining({ id: clientAccount.graphId }) }));
    // The client's account is read last; its activity log is the last call.
    const proxy = await interruptingProxy(server.url, complete.graph_calls - 1);
    const checkpoint = path.join(dir, "client-interrupted.jsonl");
    try {
      const progress: string[] = [];
      const stopped = await runGraphReview({ graphUrl: proxy.url, business: owner.id, token, windowDays: 90, checkpoint, progress: (l) => progress.push(l) }).catch((e: unknown) => e);
      expect(String(stopped)).toContain(`activity log of Client Account (${clientAccount.graphId}/activities)`);
      expect(progress.some((l) => l.includes("reading your people's access to Client Account"))).toBe(true);
      const kept = fs.readFileSync(checkpoint, "utf8").split("\n").slice(1).filter((l) => l.trim() !== "").length;
      proxy.restore();
      const resumed = await runGraphReview({ graphUrl: proxy.url, business: owner.id, token, windowDays: 90, checkpoint, resume: true, progress: () => undefined });
      expect(resumed.findings).toEqual(complete.findings);
      expect(resumed.graph_calls).toBe(complete.graph_calls - kept);
    } finally {
      await proxy.close();
    }
  });

  it("applies one current finding's fix through the Graph with --apply-fix, and refuses one that is not current", async () => {
    const report = await runGraphReview({ graphUrl: server.url, business: owner.id, token, windowDays: 90, checkpoint: path.join(dir, "before-fix.jsonl"), progress: () => undefined });
    const finding = report.findings.find((f) => f.kind === "unused" && f.principal?.name === "Employee 2")!;
    const fix = JSON.stringify({ action: finding.fix.action, params: finding.fix.params });
    const { stdout, stderr } = await runGrantline({}, "review", "--graph-url", server.url, "--business", owner.id, "--token", token, "--apply-fix", fix, "--json");
    const applied = JSON.parse(stdout);
    expect(applied).toMatchObject({ finding: { kind: "unused", principal: { name: "Employee 2" } }, result: { action: "remove_assignment", confirmed: true, removal_check: { verified: true, remaining: [] } } });
    expect(stderr).toContain("Applying: Remove Employee 2's access to Account 2");
    expect(hub.engine.check({ principalId: finding.principal!.id }, "view_asset", finding.asset!.id.replace(/^act_/, ""))).toBe(false);
    const audited = await hub.store.db.selectFrom("audit_entries").select(["actor_id", "outcome"]).where("action", "=", "assignment.remove").execute();
    expect(audited).toContainEqual({ actor_id: reviewerId, outcome: "success" });

    const again = (await runGrantline({}, "review", "--graph-url", server.url, "--business", owner.id, "--token", token, "--apply-fix", fix).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("not among the business's current findings");
  });
});
