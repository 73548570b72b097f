import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { createMailer, type Mailer } from "../../src/mail/mailer.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";
import { Browser, runGrantlineWithStdin } from "./browser.ts";

/** Invitations over HTTP: the Graph edges an admin uses, the mail over SMTP, and the `/auth/invitation` endpoints the link's page calls. */
describe.each(DIALECTS)("invitation links over HTTP (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let smtp: SmtpReceiver;
  let mailer: Mailer;
  let url: string;
  let close: () => Promise<void>;
  let acme: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let northwind: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let asAcme: ReturnType<typeof graphClient>;
  let asNorthwind: ReturnType<typeof graphClient>;

  /** The token of the newest invitation mail to `to`, whose link points at the configured public address. */
  async function mailedToken(to: string, count: number): Promise<string> {
    await expect.poll(() => smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(to)).length).toBe(count);
    const text = smtp.messages.filter((m) => JSON.stringify(m.to).includes(to)).at(-1)!.text ?? "";
    const match = /https:\/\/hub\.grantline\.test\/console\/invitation#token=([A-Za-z0-9_-]+)/.exec(text);
    expect(match, text).not.toBeNull();
    return match![1]!;
  }

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    smtp = await startSmtpReceiver();
    mailer = createMailer({ smtpUrl: smtp.url, from: "Grantline <no-reply@grantline.test>", outboxDir: "/nonexistent" });
    const app = await buildServer(hub, { logLevel: "silent", mailer, publicUrl: "https://hub.grantline.test" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    close = () => app.close();
    acme = await bootstrapBusiness(hub, "Acme");
    northwind = await bootstrapBusiness(hub, "Northwind");
    asAcme = graphClient(url, acme.access_token);
    asNorthwind = graphClient(url, northwind.access_token);
  });

  afterAll(async () => {
    await close();
    mailer.close();
    await smtp.close();
    await store.cleanup();
  });

  it("invites through Graph, resends through pending_users, and the newest link signs in to the business", async () => {
    const invited = await asAcme("POST", `/${acme.business_id}/business_users`, { email: "cy@people.test", role: "EMPLOYEE" });
    expect(invited.body).toEqual({ id: expect.any(String), status: "PENDING", mail_sent: true });
    const first = await mailedToken("cy@people.test", 1);

    const listed = await asAcme("GET", `/${acme.business_id}/pending_users?fields=email,status,expiration_time`);
    expect(listed.body.data).toEqual([{ id: invited.body.id, email: "cy@people.test", status: "PENDING", expiration_time: expect.any(String) }]);

    const resent = await asAcme("POST", `/${acme.business_id}/pending_users`, { invitation: invited.body.id });
    expect(resent.body).toMatchObject({ id: invited.body.id, status: "PENDING", mail_sent: true });
    const second = await mailedToken("cy@people.test", 2);

    const browser = new Browser(url);
    const dead = await browser.post("/auth/invitation", { token: first });
    expect(dead.status).toBe(400);
    expect(dead.body.error).toMatchObject({ code: 100, error_subcode: 1_348_010, error_user_title: "Invitation link not valid" });
    expect(dead.text).not.toMatch(/Acme|at .*\.ts|stack/);

    const described = await browser.post("/auth/invitation", { token: second });
    expect(described.body).toEqual({
      email: "cy@people.test",
      role: "EMPLOYEE",
      business: { id: acme.business_id, name: "Acme" },
      expiration_time: expect.any(String),
      two_factor_required: false,
    });

    // Only JSON: a cross-site form cannot make someone's browser accept (and sign in).
    const form = await browser.request("POST", "/auth/invitation/accept", { form: { token: second, name: "Cy", password: "a long enough password" } });
    expect(form.status).toBe(400);
    const accepted = await browser.post("/auth/invitation/accept", { token: second, name: "Cy Newcomer", password: "a long enough password" });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ business_id: acme.business_id, person: { name: "Cy Newcomer", email: "cy@people.test" } });
    expect(browser.lastSetCookies.find((c) => c.startsWith("grantline_session="))).toMatch(/HttpOnly/i);
    const session = await browser.get("/auth/session");
    const asCy = graphClient(url, session.body.access_token as string);
    expect((await asCy("GET", "/me?fields=name,businesses")).body).toMatchObject({ name: "Cy Newcomer", businesses: [{ id: acme.business_id, name: "Acme", role: "EMPLOYEE" }] });

    const again = await new Browser(url).post("/auth/invitation/accept", { token: second, name: "Mallory", password: "a long enough password" });
    expect(again.body.error).toMatchObject({ error_subcode: 1_348_010, error_user_title: "Invitation already used" });
    expect((await asAcme("GET", `/${acme.business_id}/pending_users`)).body.data).toEqual([]);
  });

  it("keeps another business's admin away from the invitations", async () => {
    const invited = await asAcme("POST", `/${acme.business_id}/business_users`, { email: "dee@people.test" });
    const id = invited.body.id as string;
    expect((await asNorthwind("GET", `/${acme.business_id}/pending_users`)).status).toBe(400);
    expect((await asNorthwind("POST", `/${acme.business_id}/pending_users`, { invitation: id })).status).toBe(400);
    expect((await asNorthwind("DELETE", `/${acme.business_id}/pending_users?invitation=${id}`)).status).toBe(400);
    // Named through its own business, Acme's invitation is simply not there.
    expect((await asNorthwind("POST", `/${northwind.business_id}/pending_users`, { invitation: id })).body.error).toMatchObject({ code: 100 });
    expect((await asNorthwind("DELETE", `/${northwind.business_id}/pending_users?invitation=${id}`)).body.error).toMatchObject({ code: 100 });
    await mailedToken("dee@people.test", 1);
    expect((await asAcme("GET", `/${acme.business_id}/pending_users?fields=email`)).body.data).toEqual([{ id, email: "dee@people.test" }]);
  });

  it("grantline people set-password refuses an invited address and points to the invitation", async () => {
    await asAcme("POST", `/${acme.business_id}/business_users`, { email: "eve@people.test" });
    const cli = await runGrantlineWithStdin(store.env, "a long enough password\n", "people", "set-password", "--email", "eve@people.test");
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("eve@people.test has no account yet, only an invitation to Acme");
    expect(cli.stderr).toContain("link in the invitation mail");
  });
});
