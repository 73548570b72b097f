import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";
import { createMailer } from "../../src/mail/mailer.ts";

describe("mailer", () => {
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(() => smtp.close());

  it("delivers over SMTP with subject, body and headers intact", async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: "Grantline <no-reply@grantline.test>", outboxDir: "/nonexistent" });
    await mailer.send({ to: "ana@example.test", subject: "Reset your password", text: "Open https://x.test/r/abc", headers: { "X-Grantline-Kind": "reset" } });
    mailer.close();
    const mail = await smtp.waitFor((m) => m.subject === "Reset your password");
    expect(mail.text?.trim()).toBe("Open https://x.test/r/abc");
    expect(mail.headers.get("x-grantline-kind")).toBe("reset");
    expect(mail.from?.text).toContain("no-reply@grantline.test");
  });

  it("writes .eml files into the outbox when no SMTP server is configured", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "grantline-outbox-"));
    const mailer = createMailer({ smtpUrl: undefined, from: "no-reply@grantline.test", outboxDir: dir });
    const sent = await mailer.send({ to: "bo@example.test", subject: "Hello", text: "Body text" });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(sent.deliveredTo).toBe(path.join(dir, files[0]!));
    const raw = await readFile(sent.deliveredTo, "utf8");
    expect(raw).toContain("Subject: Hello");
    expect(raw).toContain("Body text");
  });
});
