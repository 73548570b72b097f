import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";

/** One outgoing email. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. a List-Id or a dedup key for receivers. */
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** Where it went: the SMTP server's host, or the file it was written to. */
  deliveredTo: string;
}

/** Sends mail through SMTP, or writes `.eml` files into a folder when no SMTP server is configured. */
export interface Mailer {
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

export interface MailerOptions {
  /** smtp://user:pass@host:port or smtps://…; undefined writes `.eml` files into `outboxDir`. */
  smtpUrl: string | undefined;
  from: string;
  /** Folder for `.eml` files when there is no SMTP server (the demo reads its reset links there). */
  outboxDir: string;
}

export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl) return new SmtpMailer(options.smtpUrl, options.from);
  return new OutboxMailer(options.outboxDir, options.from);
}

class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly host: string;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const url = new URL(smtpUrl);
    this.host = url.host;
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === "smtps:" ? 465 : 587)),
      secure: url.protocol === "smtps:",
      // A local relay without TLS is common for self-hosted installs; STARTTLS is used when offered.
      ignoreTLS: url.searchParams.get("tls") === "off",
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    return { messageId: String(info.messageId), deliveredTo: this.host };
  }

  close(): void {
    this.transport.close();
  }
}

class OutboxMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly dir: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const messageId = String(info.messageId);
    const file = path.join(this.dir, `${Date.now()}-${messageId.replace(/[^A-Za-z0-9.-]/g, "")}.eml`);
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    return { messageId, deliveredTo: file };
  }

  close(): void {
    this.transport.close();
  }
}
