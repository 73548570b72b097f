import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { DEFAULT_SIGN_IN_RULES } from "../../src/auth/signInThrottle.ts";
import { buildServer, type ServerOptions } from "../../src/http/server.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { createMailer, type MailMessage, type Mailer, type SentMail } from "../../src/mail/mailer.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

/**
 * The real mailer (writing .eml files into an outbox folder), with a gate the test may close: a send
 * started while it is closed waits until it opens.
 */
class GatedMailer implements Mailer {
  readonly inner: Mailer;
  readonly delivered: MailMessage[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(readonly outboxDir: string) {
    this.inner = createMailer({ smtpUrl: undefined, from: "Grantline <no-reply@grantline.test>", outboxDir });
  }

  close(): void {
    this.inner.close();
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async send(message: MailMessage): Promise<SentMail> {
    await this.gate;
    const sent = await this.inner.send(message);
    this.delivered.push(message);
    return sent;
  }

  /** Mails in the outbox folder to an address. */
  outboxTo(email: string): string[] {
    if (!fs.existsSync(this.outboxDir)) return [];
    return fs
      .readdirSync(this.outboxDir)
      .map((file) => fs.readFileSync(path.join(this.outboxDir, file), "utf8"))
      .filter((eml) => eml.includes(`To: ${email}`));
  }
}

interface Server {
  url: string;
  app: FastifyInstance;
}

async function listen(hub: Grantline, options: Partial<ServerOptions>): Promise<Server> {
  const app = await buildServer(hub, { logLevel: "silent", publicUrl: "https://hub.grantline.test", ...options });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

/** A JSON POST; `from` is the client address a trusted proxy would put in X-Forwarded-For. */
async function post(server: Server, pathname: string, body: unknown, from?: string) {
  const response = await fetch(`${server.url}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(from ? { "x-forwarded-for": from } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, any> };
}

describe.each(DIALECTS)("sign-in hardening over HTTP (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let strictHub: Grantline;
  let mailer: GatedMailer;
  /** Behind a proxy on loopback (GRANTLINE_TRUST_PROXY=127.0.0.1): X-Forwarded-For names the client. */
  let proxied: Server;
  /** Trusting no proxy (the default): X-Forwarded-For is ignored. */
  let direct: Server;
  /** Behind the proxy, with a low per-address threshold (20 free failures an hour). */
  let strict: Server;
  const clock = new TestClock(Date.UTC(2026, 5, 1, 12));
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-outbox-"));
  let seq = 0;

  async function person(password = "the right long password") {
    const email = `p${++seq}.${dialect}@people.test`;
    const row = await hub.businesses.createPerson(operatorContext(), { name: `Person ${seq}`, email });
    await hub.auth.setPassword(operatorContext(), email, password);
    return { ...row, email, password };
  }

  /** Signs in, waiting out any cool-down first (the clock is moved, never slept on). */
  async function failUntil(server: Server, email: string, from: string, failures: number) {
    for (let done = 0; done < failures; ) {
      const answer = await post(server, "/auth/login", { email, password: `wrong guess ${done}` }, from);
      if (answer.status === 429) clock.t += Number(answer.headers.get("retry-after")) * 1000;
      else {
        expect(answer.status).toBe(401);
        done++;
      }
    }
  }

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock);
    strictHub = await store.open(clock, { auth: { signInRules: { address: { ...DEFAULT_SIGN_IN_RULES.address, free: 20 } } } });
    mailer = new GatedMailer(outbox);
    proxied = await listen(hub, { mailer, trustProxy: ["127.0.0.1"] });
    direct = await listen(hub, { mailer });
    strict = await listen(strictHub, { mailer, trustProxy: ["127.0.0.1"] });
  });

  afterAll(async () => {
    for (const server of [proxied, direct, strict]) await server?.app.close();
    mailer?.close();
    await store?.cleanup();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("lets the owner in from another address while the address that failed waits", async () => {
    const owner = await person();
    await failUntil(proxied, owner.email, "203.0.113.10", 6);
    // The failing address must wait, even with the right password...
    const attacker = await post(proxied, "/auth/login", { email: owner.email, password: owner.password }, "203.0.113.10");
    expect(attacker.status).toBe(429);
    expect(Number(attacker.headers.get("retry-after"))).toBeGreaterThanOrEqual(4);
    // ...while the owner, elsewhere, signs in at once.
    const signedIn = await post(proxied, "/auth/login", { email: owner.email, password: owner.password }, "198.51.100.7");
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.person.id).toBe(owner.id);
    // The audit log names the clients behind the proxy.
    const entries = await hub.store.db.selectFrom("audit_entries").select(["after_json", "outcome"]).where("action", "=", "auth.login").where("target_id", "=", owner.id).execute();
    expect(entries.filter((e) => e.outcome === "denied").every((e) => e.after_json?.includes("203.0.113.10"))).toBe(true);
    expect(entries.some((e) => e.outcome === "success" && e.after_json?.includes("198.51.100.7"))).toBe(true);
  });

  it("keeps guessing at one account from many addresses slow, but not for the owner's usual address", async () => {
    const owner = await person();
    // The owner signed in from home before.
    expect((await post(proxied, "/auth/login", { email: owner.email, password: owner.password }, "192.0.2.50")).status).toBe(200);
    // Twelve addresses guess once each: past the account's ten free failures an hour.
    for (let i = 0; i < 12; i++) {
      const answer = await post(proxied, "/auth/login", { email: owner.email, password: "guess" }, `203.0.113.${100 + i}`);
      expect([401, 429]).toContain(answer.status);
    }
    const stranger = await post(proxied, "/auth/login", { email: owner.email, password: owner.password }, "203.0.113.200");
    expect(stranger.status).toBe(429);
    expect(stranger.body.error.error_subcode).toBe(1_348_004);
    expect(Number(stranger.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect((await post(proxied, "/auth/login", { email: owner.email, password: owner.password }, "192.0.2.50")).status).toBe(200);
  });

  it("ignores X-Forwarded-For when no proxy is trusted", async () => {
    const owner = await person();
    // Four failures "from" different addresses are all the peer's own: its cool-down starts.
    for (let i = 0; i < 4; i++) expect((await post(direct, "/auth/login", { email: owner.email, password: "guess" }, `203.0.113.${20 + i}`)).status).toBe(401);
    const spoofed = await post(direct, "/auth/login", { email: owner.email, password: owner.password }, "198.51.100.99");
    expect(spoofed.status).toBe(429);
    const entries = await hub.store.db.selectFrom("audit_entries").select("after_json").where("action", "=", "auth.login").where("target_id", "=", owner.id).execute();
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.after_json?.includes('"ip":"127.0.0.1"'))).toBe(true);
    clock.t += 1000;
    expect((await post(direct, "/auth/login", { email: owner.email, password: owner.password })).status).toBe(200);
  });

  it("slows an address that failed for many accounts progressively, without keeping anyone out", async () => {
    const office = "203.0.113.77";
    const colleague = await person();
    expect((await post(proxied, "/auth/login", { email: colleague.email, password: colleague.password }, office)).status).toBe(200);
    // With the default threshold, twenty failures for different accounts slow nobody down.
    for (let i = 0; i < 20; i++) expect((await post(proxied, "/auth/login", { email: `spray${i}.${dialect}@people.test`, password: "Summer2026!" }, office)).status).toBe(401);
    const newcomer = await person();
    expect((await post(proxied, "/auth/login", { email: newcomer.email, password: newcomer.password }, office)).status).toBe(200);

    // Where the threshold is twenty, the 21st failure starts a cool-down for accounts new to the address...
    const sprayer = "203.0.113.88";
    const regular = await person();
    expect((await post(strict, "/auth/login", { email: regular.email, password: regular.password }, sprayer)).status).toBe(200);
    for (let i = 0; i < 21; i++) expect((await post(strict, "/auth/login", { email: `spray${i}.${dialect}@people.test`, password: "Summer2026!" }, sprayer)).status).toBe(401);
    const other = await person();
    const slowed = await post(strict, "/auth/login", { email: other.email, password: other.password }, sprayer);
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get("retry-after")).toBe("1");
    // ...not for one who signed in from there before, and the cool-down passes.
    expect((await post(strict, "/auth/login", { email: regular.email, password: regular.password }, sprayer)).status).toBe(200);
    clock.t += 1000;
    expect((await post(strict, "/auth/login", { email: other.email, password: other.password }, sprayer)).status).toBe(200);
  });

  it("sends at most three reset mails an hour to one address, however many ask, and answers all alike", async () => {
    const owner = await person();
    const answers = [];
    for (let i = 0; i < 27; i++) answers.push(await post(proxied, "/auth/password-reset", { email: owner.email }, `198.51.100.${i + 1}`));
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`))).toEqual(new Set([`200 {"success":true}`]));
    await expect.poll(() => mailer.outboxTo(owner.email).length).toBe(3);
    // Only three requests were to send a mail; the other 24 sent nothing.
    const counted = async (key: string) => (await hub.store.db.selectFrom("login_failures").select("id").where("key", "=", key).execute()).length;
    expect(await counted(`reset-mail:${owner.email}`)).toBe(3);
    expect(await counted(`reset-silent:${owner.email}`)).toBe(24);
    // An hour later the address may get one again.
    clock.t += 61 * 60_000;
    await post(proxied, "/auth/password-reset", { email: owner.email }, "198.51.100.1");
    await expect.poll(() => mailer.outboxTo(owner.email).length).toBe(4);
  });

  it("answers known, unknown and over-limit addresses byte for byte alike, doing the same writes, and mails after answering", async () => {
    const known = await person();
    const overLimit = await person();
    for (let i = 0; i < 3; i++) await post(proxied, "/auth/password-reset", { email: overLimit.email }, "198.51.100.200");
    await expect.poll(() => mailer.outboxTo(overLimit.email).length).toBe(3);

    const rows = async () => ({
      throttle: (await hub.store.db.selectFrom("login_failures").select("id").execute()).length,
      audit: (await hub.store.db.selectFrom("audit_entries").select("seq").execute()).length,
    });
    mailer.hold();
    try {
      const answers = [];
      const writes = [];
      for (const email of [known.email, `nobody.${dialect}@people.test`, overLimit.email]) {
        const before = await rows();
        answers.push(await post(proxied, "/auth/password-reset", { email }, "198.51.100.201"));
        const after = await rows();
        writes.push({ throttle: after.throttle - before.throttle, audit: after.audit - before.audit });
      }
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
      expect(writes).toEqual([
        { throttle: 2, audit: 1 },
        { throttle: 2, audit: 1 },
        { throttle: 2, audit: 1 },
      ]);
      // The known address's answer came while its mail was still held back.
      expect(mailer.outboxTo(known.email)).toEqual([]);
    } finally {
      mailer.release();
    }
    await expect.poll(() => mailer.outboxTo(known.email).length).toBe(1);
    expect(mailer.outboxTo(known.email)[0]).toContain("https://hub.grantline.test/auth/password-reset?token=");
    expect(mailer.outboxTo(overLimit.email)).toHaveLength(3);
  });

  it("refuses a client address asking for too many resets, with Graph code 4 and Retry-After", async () => {
    const from = "198.51.100.222";
    for (let i = 0; i < 20; i++) expect((await post(proxied, "/auth/password-reset", { email: `x${i}.${dialect}@people.test` }, from)).status).toBe(200);
    const refused = await post(proxied, "/auth/password-reset", { email: `x.${dialect}@people.test` }, from);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 4, error_subcode: 1_348_009, type: "OAuthException", is_transient: true });
    expect(Number(refused.headers.get("retry-after"))).toBe(15 * 60);
    // Others are not affected, and the address may ask again once the window has passed.
    expect((await post(proxied, "/auth/password-reset", { email: `x.${dialect}@people.test` }, "198.51.100.223")).status).toBe(200);
    clock.t += 15 * 60_000 + 1;
    expect((await post(proxied, "/auth/password-reset", { email: `x.${dialect}@people.test` }, from)).status).toBe(200);
  });
});
