import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GrantlineError } from "../../src/errors.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import type { MailMessage, Mailer, SentMail } from "../../src/mail/mailer.ts";
import { buildBusiness, buildMember, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

/** A mailer that keeps what it is given, as the outbox would, for the test to read. */
class KeptMail implements Mailer {
  readonly sent: MailMessage[] = [];
  failing = false;
  async send(message: MailMessage): Promise<SentMail> {
    if (this.failing) throw new Error("421 smtp.internal.example: service not available");
    this.sent.push(message);
    return { messageId: `m${this.sent.length}`, deliveredTo: "memory" };
  }
  close(): void {}
  /** The token in the last mail to `to`. */
  tokenFor(to: string): string {
    const mail = this.sent.filter((m) => m.to === to).at(-1);
    const match = /\/console\/invitation#token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? "");
    if (!match) throw new Error(`no invitation link mailed to ${to}`);
    return match[1]!;
  }
}

const PASSWORD = "a long enough password";
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as GrantlineError);

describe.each(DIALECTS)("inviting people on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let clock: TestClock;
  let acme: TestBusiness;
  let mail: KeptMail;
  const accept = (token: string, name = "Cy Newcomer") => hub.auth.acceptInvitation(operatorContext(), { token, name, password: PASSWORD, ip: "127.0.0.1" });

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    mail = new KeptMail();
    hub.invitations.deliverLinksVia({ publicUrl: () => "https://hub.example.test", mailer: mail });
    acme = await buildBusiness(hub, "Acme");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("adds an existing account at once and invites anyone else until they sign up", async () => {
    const existing = await hub.businesses.createPerson(operatorContext(), { name: "Bo", email: "bo@example.test" });
    expect(await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "BO@example.test", role: "EMPLOYEE" })).toEqual({ added: true, personId: existing.id });
    expect(hub.engine.roleIn(existing.id, acme.id)).toBe("EMPLOYEE");
    expect(mail.sent).toEqual([]);

    const invited = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test", role: "FINANCE_ANALYST" });
    expect(invited.added).toBe(false);
    expect(invited.mail).toEqual({ sent: true });
    expect((await hub.invitations.listPending(acme.admin.ctx, acme.id)).map((i) => i.email)).toEqual(["cy@example.test"]);
    const cy = await hub.businesses.createPerson(operatorContext(), { name: "Cy", email: "cy@example.test" });
    expect(hub.engine.roleIn(cy.id, acme.id)).toBe("FINANCE_ANALYST");
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toEqual([]);
    // The account was made another way: the mailed link now says it was used.
    expect((await failure(hub.invitations.describeLink(mail.tokenFor("cy@example.test"))))?.message).toContain("already been accepted");
  });

  it("mails a one-time link that creates the account, joins the business and signs in; the hash alone is stored", async () => {
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test", role: "ADMIN" });
    const [message] = mail.sent;
    expect(message).toMatchObject({ to: "cy@example.test", subject: `${acme.admin.name} invited you to join Acme on Grantline` });
    expect(message!.text).toContain("within 7 days");
    const token = mail.tokenFor("cy@example.test");
    const row = await hub.store.db.selectFrom("business_invitations").selectAll().where("id", "=", invitation!.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);

    expect(await hub.invitations.describeLink(token)).toEqual({
      email: "cy@example.test",
      role: "ADMIN",
      business: { id: acme.id, name: "Acme" },
      expiresAt: clock.now() + 7 * 86_400_000,
      twoFactorRequired: false,
    });
    const signedIn = await accept(token);
    expect(signedIn).toMatchObject({ businessId: acme.id, twoFactorSetupRequired: false, person: { name: "Cy Newcomer", email: "cy@example.test" } });
    expect(hub.engine.roleIn(signedIn.person.id, acme.id)).toBe("ADMIN");
    const session = await hub.auth.session(signedIn.sessionValue);
    expect(session?.accessToken).toMatch(/^GLc/);
    // The chosen password signs in.
    await hub.auth.login(operatorContext(), { email: "cy@example.test", password: PASSWORD, ip: "127.0.0.1" });

    // Single use, at once and later.
    const again = await failure(accept(token, "Someone Else"));
    expect(again).toMatchObject({ id: "INVITATION_LINK_INVALID", message: expect.stringContaining("already been accepted") });
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toEqual([]);
  });

  it("refuses a bad name or password without using up the link", async () => {
    await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test" });
    const token = mail.tokenFor("cy@example.test");
    expect((await failure(accept(token, "   ")))?.id).toBe("INVALID_PARAMETER");
    expect((await failure(hub.auth.acceptInvitation(operatorContext(), { token, name: "Cy", password: "short", ip: "127.0.0.1" })))?.id).toBeDefined();
    expect(await hub.store.db.selectFrom("people").select("id").where("email", "=", "cy@example.test").execute()).toEqual([]);
    expect((await accept(token)).businessId).toBe(acme.id);
  });

  it("lets a link expire after the configured days; sending again revives it with a new link", async () => {
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "late@example.test" });
    const first = mail.tokenFor("late@example.test");
    clock.advanceDays(7);
    expect((await failure(hub.invitations.describeLink(first)))?.message).toContain("has expired");
    expect((await failure(accept(first)))?.message).toContain("has expired");
    expect((await hub.invitations.listPending(acme.admin.ctx, acme.id)).map((i) => i.status)).toEqual(["EXPIRED"]);
    // An account made another way after expiry does not join.
    const resent = await hub.invitations.resend(acme.admin.ctx, acme.id, invitation!.id);
    expect(resent.invitation).toMatchObject({ status: "PENDING", expiresAt: clock.now() + 7 * 86_400_000 });
    const second = mail.tokenFor("late@example.test");
    expect(second).not.toBe(first);
    expect((await failure(hub.invitations.describeLink(first)))?.message).toContain("not valid");
    expect((await accept(second)).businessId).toBe(acme.id);
  });

  it("takes its expiry from the settings", async () => {
    const short = await store.open(clock, { invitations: { ttlDays: 2 } });
    short.invitations.deliverLinksVia({ publicUrl: () => "https://hub.example.test", mailer: mail });
    const { invitation } = await short.invitations.invite(acme.admin.ctx, acme.id, { email: "two@example.test" });
    expect(invitation!.expiresAt).toBe(clock.now() + 2 * 86_400_000);
    expect(mail.sent.at(-1)!.text).toContain("within 2 days");
  });

  it("resending kills the old link; inviting the same address again renews the one invitation", async () => {
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test", role: "EMPLOYEE" });
    const first = mail.tokenFor("cy@example.test");
    await hub.invitations.resend(acme.admin.ctx, acme.id, invitation!.id);
    const second = mail.tokenFor("cy@example.test");
    await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test", role: "DEVELOPER" });
    const third = mail.tokenFor("cy@example.test");
    expect(new Set([first, second, third]).size).toBe(3);
    for (const dead of [first, second]) expect((await failure(accept(dead)))?.id).toBe("INVITATION_LINK_INVALID");
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toMatchObject([{ id: invitation!.id, role: "DEVELOPER" }]);
    const cy = await accept(third);
    expect(hub.engine.roleIn(cy.person.id, acme.id)).toBe("DEVELOPER");
  });

  it("cancels: the link says so, and an account made later does not join", async () => {
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "gone@example.test" });
    const token = mail.tokenFor("gone@example.test");
    await hub.invitations.cancel(acme.admin.ctx, acme.id, invitation!.id);
    expect((await failure(accept(token)))?.message).toContain("was cancelled");
    expect((await failure(hub.invitations.cancel(acme.admin.ctx, acme.id, invitation!.id)))?.id).toBe("NOT_PENDING");
    expect((await failure(hub.invitations.resend(acme.admin.ctx, acme.id, invitation!.id)))?.id).toBe("NOT_PENDING");
    const gone = await hub.businesses.createPerson(operatorContext(), { name: "Gone", email: "gone@example.test" });
    expect(hub.engine.roleIn(gone.id, acme.id)).toBeUndefined();
  });

  it("keeps another business's admin out: no list, no resend, no cancel, no acceptance without the link", async () => {
    const rival = await buildBusiness(hub, "Rival");
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test" });
    const id = invitation!.id;
    expect((await failure(hub.invitations.listPending(rival.admin.ctx, acme.id)))?.id).toBe("NOT_FOUND");
    expect((await failure(hub.invitations.resend(rival.admin.ctx, acme.id, id)))?.id).toBe("NOT_FOUND");
    expect((await failure(hub.invitations.cancel(rival.admin.ctx, acme.id, id)))?.id).toBe("NOT_FOUND");
    // Not found, as for any business it is not part of; through its own business, the invitation is not there at all.
    expect((await failure(hub.invitations.resend(rival.admin.ctx, rival.id, id)))?.id).toBe("NOT_PENDING");
    expect((await failure(hub.invitations.cancel(rival.admin.ctx, rival.id, id)))?.id).toBe("NOT_PENDING");
    expect(await hub.invitations.listPending(rival.admin.ctx, rival.id)).toEqual([]);
    // The invitation's id is not its link, and an unknown link says nothing of any business.
    const byId = await failure(accept(id));
    expect(byId).toMatchObject({ id: "INVITATION_LINK_INVALID" });
    expect(JSON.stringify(byId?.message)).not.toContain("Acme");
    expect(mail.sent).toHaveLength(1);
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toMatchObject([{ id, status: "PENDING" }]);
  });

  it("asks for two-factor setup right after joining a business that requires it", async () => {
    await hub.businesses.updateBusiness(acme.admin.ctx, acme.id, { twoFactorRequired: true });
    await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test" });
    const token = mail.tokenFor("cy@example.test");
    expect((await hub.invitations.describeLink(token)).twoFactorRequired).toBe(true);
    const signedIn = await accept(token);
    expect(signedIn.twoFactorSetupRequired).toBe(true);
    expect((await hub.auth.session(signedIn.sessionValue))?.accessToken).toBeNull();
  });

  it("tells the admin when the mail did not go, without the mail server's words, and keeps the invitation", async () => {
    mail.failing = true;
    const result = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test" });
    expect(result.mail).toMatchObject({ sent: false });
    expect(JSON.stringify(result.mail)).not.toContain("smtp.internal");
    const audited = await hub.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "invitation.mail").execute();
    expect(audited).toHaveLength(1);
    mail.failing = false;
    await hub.invitations.resend(acme.admin.ctx, acme.id, result.invitation!.id);
    expect((await accept(mail.tokenFor("cy@example.test"))).businessId).toBe(acme.id);
  });

  it("set-password on an invited address points to the invitation instead of guessing", async () => {
    await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test" });
    const refused = await failure(hub.auth.setPassword(operatorContext(), "Cy@Example.test", PASSWORD));
    expect(refused?.message).toContain("only an invitation to Acme");
    expect(refused?.message).toContain("link in the invitation mail");
    expect((await failure(hub.auth.setPassword(operatorContext(), "nobody@example.test", PASSWORD)))?.message).toBe("No person has the email nobody@example.test.");
  });

  it("refuses non-admins and bad input", async () => {
    const employee = await buildMember(hub, acme, "EMPLOYEE");
    const denied = await hub.invitations.invite(employee.ctx, acme.id, { email: "x@example.test" }).catch((e: unknown) => e);
    expect((denied as GrantlineError).id).toBe("PERMISSION_DENIED");
    const { invitation } = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "x@example.test" });
    expect((await failure(hub.invitations.resend(employee.ctx, acme.id, invitation!.id)))?.id).toBe("PERMISSION_DENIED");
    expect((await failure(hub.invitations.cancel(employee.ctx, acme.id, invitation!.id)))?.id).toBe("PERMISSION_DENIED");
    const bad = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "nope", role: "EMPLOYEE" }).catch((e: unknown) => e);
    expect((bad as GrantlineError).id).toBe("INVALID_PARAMETER");
    const role = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "x@example.test", role: "OWNER" }).catch((e: unknown) => e);
    expect((role as GrantlineError).id).toBe("INVALID_PARAMETER");
  });
});
