import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailer, type Mailer } from "../../src/mail/mailer.ts";
import { buildServer } from "../../src/http/server.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { totpCodeAt } from "../../src/auth/totp.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";
import { Browser, runGrantlineWithStdin } from "./browser.ts";

describe.each(DIALECTS)("person sign-in (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let smtp: SmtpReceiver;
  let mailer: Mailer;
  let url: string;
  let close: () => Promise<void>;
  const clock = new TestClock(Date.UTC(2026, 5, 1, 12));
  let seq = 0;

  async function person(password?: string) {
    const email = `p${++seq}.${dialect}@people.test`;
    const row = await hub.businesses.createPerson(operatorContext(), { name: `Person ${seq}`, email });
    if (password) await hub.auth.setPassword(operatorContext(), email, password);
    return { ...row, email };
  }

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock);
    smtp = await startSmtpReceiver();
    mailer = createMailer({ smtpUrl: smtp.url, from: "Grantline <no-reply@grantline.test>", outboxDir: "/nonexistent" });
    const app = await buildServer(hub, { logLevel: "silent", mailer, publicUrl: "https://hub.grantline.test" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    close = () => app.close();
  });

  afterAll(async () => {
    await close();
    mailer.close();
    await smtp.close();
    await store.cleanup();
  });

  it("sets a password from stdin with the CLI, signs in, hands the console a Graph token, and logs out", async () => {
    const alice = await person();
    const secret = "correct horse battery staple";
    const cli = await runGrantlineWithStdin(store.env, `${secret}\n`, "people", "set-password", "--email", alice.email, "--json");
    expect(cli.stderr).toBe("");
    expect(JSON.parse(cli.stdout)).toEqual({ person_id: alice.id, email: alice.email });

    const browser = new Browser(url);
    const login = await browser.post("/auth/login", { email: alice.email.toUpperCase(), password: secret });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ person: { id: alice.id, name: alice.name, email: alice.email } });
    const cookie = browser.lastSetCookies.find((c) => c.startsWith("grantline_session="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/i);

    const session = await browser.get("/auth/session");
    expect(session.status).toBe(200);
    expect(session.body.person.id).toBe(alice.id);
    expect(session.body.expires_at).toBe(Math.floor((clock.t + 12 * 3600_000) / 1000));
    const token = session.body.access_token as string;
    const csrf = session.body.csrf_token as string;
    expect(token).toMatch(/^GLc/);
    // Asked again, the page gets the same token (derived from the session, never stored in the clear).
    expect((await browser.get("/auth/session")).body.access_token).toBe(token);

    const me = await fetch(`${url}/v24.0/me?access_token=${token}`);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(alice.id);

    // A cookie-authenticated POST without the CSRF token is refused and changes nothing.
    const forged = await browser.post("/auth/logout");
    expect(forged.status).toBe(403);
    expect(forged.body.error.error_subcode).toBe(1_348_007);
    expect((await browser.get("/auth/session")).status).toBe(200);

    const logout = await browser.post("/auth/logout", {}, { "x-csrf-token": csrf });
    expect(logout.status).toBe(200);
    const after = await browser.get("/auth/session");
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe(102);
    const revoked = await fetch(`${url}/me?access_token=${token}`);
    expect(revoked.status).toBe(400);
    expect(((await revoked.json()) as { error: { code: number } }).error.code).toBe(190);
  });

  it("answers an unknown email and a wrong password the same way, audits both, never the password", async () => {
    const bob = await person("bob's long password");
    const browser = new Browser(url);
    const wrong = await browser.post("/auth/login", { email: bob.email, password: "not bob's password" });
    const unknown = await browser.post("/auth/login", { email: `nobody.${dialect}@people.test`, password: "not bob's password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expect(wrong.body.error.error_subcode).toBe(1_348_001);
    expect(browser.cookies.has("grantline_session")).toBe(false);

    const entries = await hub.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "auth.login").where("outcome", "=", "denied").execute();
    expect(entries.some((e) => e.target_id === bob.id)).toBe(true);
    expect(entries.some((e) => e.after_json?.includes(`nobody.${dialect}@people.test`))).toBe(true);
    const all = await hub.store.db.selectFrom("audit_entries").selectAll().execute();
    expect(JSON.stringify(all)).not.toContain("bob's long password");
    expect(JSON.stringify(all)).not.toContain("not bob's password");
  });

  it("refuses a non-JSON sign-in, so a cross-site form cannot sign anyone in", async () => {
    const carol = await person("carol's long password");
    const browser = new Browser(url);
    const response = await browser.request("POST", "/auth/login", { form: { email: carol.email, password: "carol's long password" } });
    expect(response.status).toBe(400);
    expect(browser.cookies.has("grantline_session")).toBe(false);
  });

  it("slows an address down after failures on an account by a growing cool-down, even for the right password, never a lock", async () => {
    const dave = await person("dave's long password");
    const browser = new Browser(url);
    // Three failures are free; then each failure makes the next try wait twice as long: 1 s, 2 s, 4 s …
    for (let i = 0; i < 4; i++) expect((await browser.post("/auth/login", { email: dave.email, password: `wrong ${i} password` })).status).toBe(401);
    const waiting = await browser.post("/auth/login", { email: dave.email, password: "dave's long password" });
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get("retry-after")).toBe("1");
    clock.t += 1000;
    expect((await browser.post("/auth/login", { email: dave.email, password: "wrong again" })).status).toBe(401);
    const blocked = await browser.post("/auth/login", { email: dave.email, password: "dave's long password" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.error_subcode).toBe(1_348_004);
    expect(blocked.headers.get("retry-after")).toBe("2");
    expect(blocked.body.error.error_user_msg).toContain("Try again in 2 seconds");
    const audited = await hub.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "auth.login").where("reason", "like", "Too many%").execute();
    expect(audited.length).toBeGreaterThan(0);
    // Trying again while waiting is refused unchecked and does not lengthen the wait.
    expect((await browser.post("/auth/login", { email: dave.email, password: "still wrong" })).headers.get("retry-after")).toBe("2");
    clock.t += 2000;
    expect((await browser.post("/auth/login", { email: dave.email, password: "dave's long password" })).status).toBe(200);
  });

  it("does not keep others out of an address that failed for many accounts", async () => {
    const browser = new Browser(url);
    for (let i = 0; i < 20; i++) expect((await browser.post("/auth/login", { email: `spray${i}.${dialect}@people.test`, password: "guessed password" })).status).toBe(401);
    const eve = await person("eve's long password");
    expect((await browser.post("/auth/login", { email: eve.email, password: "eve's long password" })).status).toBe(200);
  });

  it("enrols TOTP; then a missing, wrong or replayed code gets its own error", async () => {
    const frank = await person("frank's long password");
    const browser = new Browser(url);
    await browser.post("/auth/login", { email: frank.email, password: "frank's long password" });
    const { csrf_token: csrf } = (await browser.get("/auth/session")).body;
    const enroll = await browser.post("/auth/totp/enroll", {}, { "x-csrf-token": csrf });
    expect(enroll.status).toBe(200);
    expect(enroll.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Grantline:/);
    const secret = enroll.body.secret as string;
    const stored = await hub.store.db.selectFrom("person_credentials").selectAll().where("person_id", "=", frank.id).executeTakeFirstOrThrow();
    expect(stored.totp_pending_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(secret);

    expect((await browser.post("/auth/totp/confirm", { code: "000000" }, { "x-csrf-token": csrf })).status).toBe(401);
    const confirm = await browser.post("/auth/totp/confirm", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": csrf });
    expect(confirm.status).toBe(200);
    expect(confirm.body.two_factor_enabled).toBe(true);

    clock.t += 60_000;
    const fresh = new Browser(url);
    const missing = await fresh.post("/auth/login", { email: frank.email, password: "frank's long password" });
    expect(missing.status).toBe(401);
    expect(missing.body.error.error_subcode).toBe(1_348_002);
    const wrongCode = await fresh.post("/auth/login", { email: frank.email, password: "frank's long password", totp_code: "123456" === totpCodeAt(secret, clock.t) ? "654321" : "123456" });
    expect(wrongCode.body.error.error_subcode).toBe(1_348_003);
    const code = totpCodeAt(secret, clock.t);
    expect((await fresh.post("/auth/login", { email: frank.email, password: "frank's long password", totp_code: code })).status).toBe(200);
    const replay = await new Browser(url).post("/auth/login", { email: frank.email, password: "frank's long password", totp_code: code });
    expect(replay.body.error.error_subcode).toBe(1_348_003);
  });

  it("signs in a person whose business requires 2FA into setup only, until they enrol", async () => {
    const grace = await person("grace's long password");
    const business = await hub.businesses.createBusiness({ requestId: "t", actor: { type: "person", id: grace.id } }, { name: "Strict Co" });
    await hub.businesses.updateBusiness({ requestId: "t", actor: { type: "person", id: grace.id } }, business.id, { twoFactorRequired: true });
    const browser = new Browser(url);
    const login = await browser.post("/auth/login", { email: grace.email, password: "grace's long password" });
    expect(login.status).toBe(200);
    expect(login.body.two_factor_setup_required).toBe(true);
    const session = await browser.get("/auth/session");
    expect(session.body.access_token).toBeNull();
    expect(session.body.two_factor_setup_required).toBe(true);
    const { secret } = (await browser.post("/auth/totp/enroll", {}, { "x-csrf-token": session.body.csrf_token })).body;
    const confirmed = await browser.post("/auth/totp/confirm", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": session.body.csrf_token });
    expect(confirmed.body.access_token).toMatch(/^GLc/);
    expect((await fetch(`${url}/me?access_token=${confirmed.body.access_token}`)).status).toBe(200);
  });

  it("reports two-factor status, and turns it off only with a current code and when no business requires it", async () => {
    const ivan = await person("ivan's long password");
    const browser = new Browser(url);
    await browser.post("/auth/login", { email: ivan.email, password: "ivan's long password" });
    const { csrf_token: csrf } = (await browser.get("/auth/session")).body;
    expect((await browser.get("/auth/totp")).body).toEqual({ enabled: false, pending: false, required: false });
    expect((await new Browser(url).get("/auth/totp")).status).toBe(401);
    const notOn = await browser.post("/auth/totp/disable", { code: "123456" }, { "x-csrf-token": csrf });
    expect(notOn.body.error.message).toBe("Two-factor authentication is not on.");

    const { secret } = (await browser.post("/auth/totp/enroll", {}, { "x-csrf-token": csrf })).body;
    expect((await browser.get("/auth/totp")).body).toEqual({ enabled: false, pending: true, required: false });
    await browser.post("/auth/totp/confirm", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": csrf });
    expect((await browser.get("/auth/totp")).body).toEqual({ enabled: true, pending: false, required: false });

    // Without the CSRF token, with a wrong code, or with the code just used for enrolment: refused, still on.
    expect((await browser.post("/auth/totp/disable", { code: totpCodeAt(secret, clock.t) })).status).toBe(403);
    const reused = await browser.post("/auth/totp/disable", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": csrf });
    expect(reused.body.error.error_subcode).toBe(1_348_003);
    clock.t += 30_000;
    const business = await hub.businesses.createBusiness({ requestId: "t", actor: { type: "person", id: ivan.id } }, { name: "Ivan Strict" });
    await hub.businesses.updateBusiness({ requestId: "t", actor: { type: "person", id: ivan.id } }, business.id, { twoFactorRequired: true });
    const required = await browser.post("/auth/totp/disable", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": csrf });
    expect(required.status).toBe(400);
    expect(required.body.error.message).toMatch(/requires two-factor/);
    expect((await browser.get("/auth/totp")).body).toEqual({ enabled: true, pending: false, required: true });

    await hub.businesses.updateBusiness({ requestId: "t", actor: { type: "person", id: ivan.id } }, business.id, { twoFactorRequired: false });
    const off = await browser.post("/auth/totp/disable", { code: totpCodeAt(secret, clock.t) }, { "x-csrf-token": csrf });
    expect(off.status).toBe(200);
    expect((await browser.get("/auth/totp")).body).toEqual({ enabled: false, pending: false, required: false });
    // Signing in needs no code any more, and the change is in the audit log.
    expect((await new Browser(url).post("/auth/login", { email: ivan.email, password: "ivan's long password" })).status).toBe(200);
    const audited = await hub.store.db.selectFrom("audit_entries").select("outcome").where("action", "=", "auth.totp_disable").where("target_id", "=", ivan.id).execute();
    expect(audited.map((a) => a.outcome).sort()).toEqual(["denied", "invalid", "invalid", "success"]);
  });

  it("resets a password by an emailed single-use link that expires", async () => {
    const heidi = await person("heidi's old password");
    const browser = new Browser(url);
    await browser.post("/auth/login", { email: heidi.email, password: "heidi's old password" });
    const oldToken = (await browser.get("/auth/session")).body.access_token as string;

    const ask = await new Browser(url).post("/auth/password-reset", { email: heidi.email });
    expect(ask.status).toBe(200);
    const unknown = await new Browser(url).post("/auth/password-reset", { email: `ghost.${dialect}@people.test` });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(ask.body);

    const mail = await smtp.waitFor((m) => (m.to as { text: string }).text.includes(heidi.email));
    const link = /https:\/\/hub\.grantline\.test\/auth\/password-reset\?token=([A-Za-z0-9_%-]+)/.exec(mail.text ?? "")!;
    expect(link).not.toBeNull();
    const token = decodeURIComponent(link[1]!);
    const page = await new Browser(url).get(`/auth/password-reset?token=${token}`);
    expect(page.text).toContain('<label for="password">');

    // Someone's failed guesses meanwhile: a cool-down that the reset ends.
    for (let i = 0; i < 4; i++) expect((await new Browser(url).post("/auth/login", { email: heidi.email, password: `guess ${i}` })).status).toBe(401);
    expect((await new Browser(url).post("/auth/login", { email: heidi.email, password: "heidi's old password" })).status).toBe(429);
    expect((await new Browser(url).post("/auth/password-reset/confirm", { token, password: "short" })).status).toBe(400);
    const done = await new Browser(url).post("/auth/password-reset/confirm", { token, password: "heidi's new password" });
    expect(done.status).toBe(200);
    const again = await new Browser(url).post("/auth/password-reset/confirm", { token, password: "heidi's other password" });
    expect(again.status).toBe(400);
    expect(again.body.error.error_subcode).toBe(1_348_008);
    // Old sessions and their console tokens end with the password change.
    expect((await browser.get("/auth/session")).status).toBe(401);
    expect((await fetch(`${url}/me?access_token=${oldToken}`)).status).toBe(400);
    expect((await new Browser(url).post("/auth/login", { email: heidi.email, password: "heidi's old password" })).status).toBe(401);
    expect((await new Browser(url).post("/auth/login", { email: heidi.email, password: "heidi's new password" })).status).toBe(200);
    expect(smtp.messages.some((m) => (m.to as { text: string }).text.includes("ghost"))).toBe(false);

    // A link not used in time stops working.
    await new Browser(url).post("/auth/password-reset", { email: heidi.email });
    const second = await smtp.waitFor((m) => (m.to as { text: string }).text.includes(heidi.email) && m !== mail);
    const token2 = decodeURIComponent(/token=([A-Za-z0-9_%-]+)/.exec(second.text ?? "")![1]!);
    clock.t += 61 * 60_000;
    expect((await new Browser(url).post("/auth/password-reset/confirm", { token: token2, password: "heidi's later password" })).status).toBe(400);
  });
});
