import crypto from "node:crypto";
import type { SecretBox } from "../crypto/secretBox.ts";
import { errors, GrantlineError } from "../errors.ts";
import type { AuditEvent } from "../hub/audit/audit.service.ts";
import { SCOPES } from "../hub/catalogue/roles.ts";
import type { RequestContext } from "../hub/context.ts";
import { runCommand, type CommandTx, type HubDeps } from "../hub/hubCommand.ts";
import { findPerson, findPersonByEmail, type PersonRow } from "../hub/people/person.repository.ts";
import type { PersonAuthPort, PersonView, SessionView, SignedIn } from "../hub/people/personAuth.port.ts";
import { insertToken, revokeToken, tokenScopes } from "../hub/tokens/accessToken.repository.ts";
import { hashToken } from "../hub/tokens/accessToken.service.ts";
import { pendingInvitationsTo, redeemInvitation } from "../hub/invitations/invitation.service.ts";
import type { Mailer } from "../mail/mailer.ts";
import { newId } from "../ids.ts";
import * as repo from "./auth.repository.ts";
import { checkPasswordPolicy, dummyPasswordHash, hashPassword, verifyPassword } from "./password.ts";
import { newTotpSecret, totpStepOf } from "./totp.ts";
import { DEFAULT_RESET_RULES, DEFAULT_SIGN_IN_RULES, failureKeys, resetKeys, signInWait, type PasswordResetRules, type SignInThrottleRules } from "./signInThrottle.ts";

const MINUTE = 60_000;

export interface PersonAuthOptions {
  /** How long a session (and its console token) lasts; default 12 hours. */
  sessionTtlMs?: number;
  /** How failed sign-ins slow further tries down; default DEFAULT_SIGN_IN_RULES. */
  signInRules?: Partial<SignInThrottleRules>;
  /** Limits on password reset requests; default DEFAULT_RESET_RULES. */
  resetRules?: Partial<PasswordResetRules>;
  /** How long a password reset link works; default 1 hour. */
  resetTtlMs?: number;
}

/** A password reset mail waiting to be sent once the request has been answered (nothing when there is none to send). */
export interface PendingResetMail {
  deliver(mail: { mailer: Mailer; baseUrl: string }): Promise<void>;
}

function present(person: PersonRow): PersonView {
  return { id: person.id, name: person.name, email: person.email };
}

/**
 * The console's Graph token is derived from the session cookie, so it can be handed to the page on
 * every `GET /auth/session` without being stored anywhere in the clear.
 */
export function consoleTokenOf(sessionValue: string): string {
  return `GLc${crypto.createHmac("sha256", sessionValue).update("grantline console token").digest("base64url")}`;
}

/** People signing in: passwords, TOTP, sessions, throttling and password reset. */
export class PersonAuthService implements PersonAuthPort {
  private readonly sessionTtlMs: number;
  private readonly signInRules: SignInThrottleRules;
  private readonly resetRules: PasswordResetRules;
  private readonly resetTtlMs: number;

  constructor(
    private readonly deps: HubDeps,
    private readonly secrets: () => SecretBox,
    options: PersonAuthOptions = {},
  ) {
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 60 * MINUTE;
    this.signInRules = { ...DEFAULT_SIGN_IN_RULES, ...options.signInRules };
    this.resetRules = { ...DEFAULT_RESET_RULES, ...options.resetRules };
    this.resetTtlMs = options.resetTtlMs ?? 60 * MINUTE;
  }

  /** Sets a person's password (the operator's CLI or a reset); every session of theirs ends. */
  async setPassword(ctx: RequestContext, email: string, password: string): Promise<PersonView> {
    const normalized = email.trim().toLowerCase();
    return runCommand(this.deps, ctx, { action: "person.set_password", targetType: "person" }, async (tx) => {
      const person = await findPersonByEmail(tx.trx, normalized);
      if (!person) {
        // An invited address has no account yet: the invited person chooses their own password
        // through the link in the invitation mail, so the operator never learns it.
        const invited = await pendingInvitationsTo(tx.trx, normalized, tx.now);
        if (invited.length > 0) {
          const where = invited.map((i) => `${i.businessName} (link valid until ${new Date(i.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC)`).join(", ");
          throw errors.invalidParameter(
            `${normalized} has no account yet, only an invitation to ${where}. They set their password by following the link in the invitation mail; an admin can send it again from People in the console.`,
          );
        }
        throw errors.invalidParameter(`No person has the email ${normalized}.`);
      }
      await this.writePassword(tx, person, checkPasswordPolicy(password));
      return present(person);
    });
  }

  private async writePassword(tx: CommandTx, person: PersonRow, password: string): Promise<void> {
    await repo.upsertCredentials(tx.trx, person.id, { password_hash: await hashPassword(password), password_changed_at: tx.now }, tx.now);
    await this.endSessions(tx, person.id);
    await tx.audit({ action: "person.set_password", targetType: "person", targetId: person.id });
  }

  private async endSessions(tx: CommandTx, personId: string): Promise<void> {
    for (const session of await repo.listLiveSessionsOfPerson(tx.trx, personId, tx.now)) {
      await this.endSession(tx, session);
    }
  }

  private async endSession(tx: CommandTx, session: repo.SessionRow): Promise<void> {
    await repo.updateSession(tx.trx, session.id, { revoked_at: tx.now });
    if (session.access_token_id) {
      await revokeToken(tx.trx, session.access_token_id, tx.now);
      await tx.changed("token", session.access_token_id);
    }
  }

  /** Records a refused sign-in (and the throttling counters) and returns the error to throw. */
  private async refuse(ctx: RequestContext, event: AuditEvent, error: GrantlineError, failureKeys: string[]): Promise<GrantlineError> {
    const now = this.deps.now();
    await this.deps.db.transaction().execute(async (trx) => {
      for (const key of failureKeys) await repo.insertLoginFailure(trx, newId(), key, now);
      await this.deps.audit.record(ctx, { ...event, outcome: "denied", reason: error.message }, trx);
    });
    error.audited = true;
    return error;
  }

  /**
   * Refuses (unchecked, counting nothing) a sign-in made during a cool-down. The same queries run
   * whether or not the email has an account, so the time taken does not tell.
   */
  private async throttleSignIn(ctx: RequestContext, event: AuditEvent, who: { email: string; ip: string; personId: string | undefined }, now: number): Promise<void> {
    const rules = this.signInRules;
    const db = this.deps.db;
    const counts = {
      pair: await repo.countLoginFailures(db, failureKeys.pair(who.email, who.ip), now - rules.pair.windowMs),
      account: await repo.countLoginFailures(db, failureKeys.account(who.email), now - rules.account.windowMs),
      address: await repo.countLoginFailures(db, failureKeys.address(who.ip), now - rules.address.windowMs),
    };
    const familiar = await repo.signedInFrom(db, who.personId ?? "", who.ip, now - rules.familiarForMs);
    const wait = signInWait(counts, rules, familiar, now);
    if (!wait) return;
    const throttled = { ...event, targetId: who.personId, after: { email: who.email, ip: who.ip, throttled: wait.kind, retry_after_s: Math.ceil(wait.waitMs / 1000) } };
    throw await this.refuse(ctx, throttled, errors.loginThrottled(wait.waitMs / 1000), []);
  }

  /**
   * `POST /auth/login`: email and password, then the TOTP code when two-factor is on. Failed tries
   * slow further ones down (signInThrottle.ts); a try made during a cool-down is refused unchecked.
   */
  async login(ctx: RequestContext, input: { email: unknown; password: unknown; totpCode?: unknown; ip: string }): Promise<SignedIn> {
    const email = typeof input.email === "string" ? input.email.trim().toLowerCase() : "";
    const password = typeof input.password === "string" ? input.password : "";
    const keys = [failureKeys.pair(email, input.ip), failureKeys.account(email), failureKeys.address(input.ip)];
    const event: AuditEvent = { action: "auth.login", targetType: "person", after: { email, ip: input.ip } };
    const now = this.deps.now();
    const person = email ? await findPersonByEmail(this.deps.db, email) : undefined;
    await this.throttleSignIn(ctx, event, { email, ip: input.ip, personId: person?.id }, now);
    const credentials = person ? await repo.findCredentials(this.deps.db, person.id) : undefined;
    const stored = credentials?.password_hash ?? (await dummyPasswordHash());
    const passwordOk = (await verifyPassword(password, stored)) && person !== undefined && credentials?.password_hash != null;
    if (!passwordOk || !person || !credentials) {
      throw await this.refuse(ctx, { ...event, targetId: person?.id }, errors.invalidCredentials(), keys);
    }
    const asPerson: RequestContext = { ...ctx, actor: { type: "person", id: person.id } };
    if (credentials.totp_enabled === 1 && credentials.totp_sealed) {
      const code = typeof input.totpCode === "string" ? input.totpCode.trim() : typeof input.totpCode === "number" ? String(input.totpCode) : "";
      if (!code) throw await this.refuse(asPerson, { ...event, targetId: person.id }, errors.twoFactorRequired(), []);
      const secret = this.secrets().open(credentials.totp_sealed, `totp:${person.id}`);
      const step = totpStepOf(secret, person.email, code, now);
      if (step === null || !(await repo.claimTotpStep(this.deps.db, person.id, step, now))) {
        throw await this.refuse(asPerson, { ...event, targetId: person.id }, errors.twoFactorInvalid(), keys);
      }
    }
    const setupRequired = credentials.totp_enabled !== 1 && (await repo.twoFactorRequiredFor(this.deps.db, person.id));
    return runCommand(this.deps, asPerson, { ...event, targetId: person.id }, async (tx) => {
      const signedIn = await this.startSession(tx, present(person), input.ip, setupRequired);
      // Only this pair's cool-down ends: failures from elsewhere still count against the account.
      await repo.clearLoginFailures(tx.trx, failureKeys.pair(email, input.ip));
      await tx.audit({ action: "auth.login", targetType: "person", targetId: person.id, after: { ip: input.ip, session: signedIn.sessionId, twoFactor: credentials.totp_enabled === 1 } });
      return signedIn;
    });
  }

  /** A new session; its console token waits until two-factor is set up when a business requires it. */
  private async startSession(tx: CommandTx, person: PersonView, ip: string, setupRequired: boolean): Promise<SignedIn & { sessionId: string }> {
    const sessionValue = crypto.randomBytes(32).toString("base64url");
    const session = {
      id: newId(),
      token_hash: hashToken(sessionValue),
      person_id: person.id,
      access_token_id: null as string | null,
      two_factor_setup_required: setupRequired ? 1 : 0,
      ip,
      created_at: tx.now,
      expires_at: tx.now + this.sessionTtlMs,
      revoked_at: null,
    };
    if (!setupRequired) session.access_token_id = await this.issueConsoleToken(tx, person.id, sessionValue, session.expires_at);
    await repo.insertSession(tx.trx, session);
    return { person, sessionValue, expiresAt: session.expires_at, twoFactorSetupRequired: setupRequired, sessionId: session.id };
  }

  /**
   * `POST /auth/invitation/accept`: the invited person chooses a name and password through the
   * link mailed to them, joins the business and is signed in (with two-factor setup first when a
   * business requires it). Holding the link proves control of the invited address, as a reset link does.
   */
  async acceptInvitation(ctx: RequestContext, input: { token: unknown; name: unknown; password: unknown; ip: string }): Promise<SignedIn & { businessId: string }> {
    return runCommand(this.deps, ctx, { action: "invitation.accept", targetType: "invitation" }, async (tx) => {
      const password = checkPasswordPolicy(input.password);
      const { person, businessId } = await redeemInvitation(tx, input.token, { name: input.name });
      await repo.upsertCredentials(tx.trx, person.id, { password_hash: await hashPassword(password), password_changed_at: tx.now }, tx.now);
      await tx.audit({ action: "person.set_password", targetType: "person", targetId: person.id });
      const setupRequired = await repo.twoFactorRequiredFor(tx.trx, person.id);
      const signedIn = await this.startSession(tx, person, input.ip, setupRequired);
      await tx.audit({ action: "auth.login", targetType: "person", targetId: person.id, after: { ip: input.ip, session: signedIn.sessionId, invitation: true } });
      return { ...signedIn, businessId };
    });
  }

  private async issueConsoleToken(tx: CommandTx, personId: string, sessionValue: string, expiresAt: number): Promise<string> {
    const id = newId();
    await insertToken(tx.trx, {
      id,
      token_hash: hashToken(consoleTokenOf(sessionValue)),
      principal_id: personId,
      principal_type: "person",
      app_id: null,
      grant_id: null,
      scopes: tokenScopes.encode([...SCOPES]),
      created_at: tx.now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      kind: "console",
      expiry_warned_at: null,
    });
    return id;
  }

  /** The live session behind a cookie value, or undefined. */
  async session(sessionValue: string | undefined): Promise<SessionView | undefined> {
    if (!sessionValue) return undefined;
    const row = await repo.findSessionByHash(this.deps.db, hashToken(sessionValue));
    if (!row || row.revoked_at !== null || row.expires_at <= this.deps.now()) return undefined;
    const person = await findPerson(this.deps.db, row.person_id);
    if (!person) return undefined;
    return {
      sessionId: row.id,
      person: present(person),
      expiresAt: row.expires_at,
      twoFactorSetupRequired: row.two_factor_setup_required === 1,
      accessToken: row.access_token_id ? consoleTokenOf(sessionValue) : null,
    };
  }

  /** Like `session`, but throws "not signed in". */
  async requireSession(sessionValue: string | undefined): Promise<SessionView> {
    const session = await this.session(sessionValue);
    if (!session) throw errors.notSignedIn();
    return session;
  }

  /** `POST /auth/logout`: ends the session and revokes its console token. */
  async logout(ctx: RequestContext, sessionValue: string | undefined): Promise<void> {
    if (!sessionValue) return;
    const row = await repo.findSessionByHash(this.deps.db, hashToken(sessionValue));
    if (!row || row.revoked_at !== null) return;
    await runCommand(this.deps, { ...ctx, actor: { type: "person", id: row.person_id } }, { action: "auth.logout", targetType: "person", targetId: row.person_id }, async (tx) => {
      await this.endSession(tx, row);
      await tx.audit({ action: "auth.logout", targetType: "person", targetId: row.person_id, after: { session: row.id } });
    });
  }

  /** Starts TOTP enrolment: a new secret, kept sealed until the first code confirms it. */
  async enrollTotp(ctx: RequestContext, session: SessionView): Promise<{ secret: string; uri: string }> {
    const asPerson: RequestContext = { ...ctx, actor: { type: "person", id: session.person.id } };
    return runCommand(this.deps, asPerson, { action: "auth.totp_enroll", targetType: "person", targetId: session.person.id }, async (tx) => {
      const { secret, uri } = newTotpSecret(session.person.email);
      await repo.upsertCredentials(tx.trx, session.person.id, { totp_pending_sealed: this.secrets().seal(secret, `totp:${session.person.id}`) }, tx.now);
      await tx.audit({ action: "auth.totp_enroll", targetType: "person", targetId: session.person.id });
      return { secret, uri };
    });
  }

  /** Confirms enrolment with a current code; a session waiting on required 2FA gets its console token. */
  async confirmTotp(ctx: RequestContext, sessionValue: string, code: unknown): Promise<SessionView> {
    const session = await this.requireSession(sessionValue);
    const personId = session.person.id;
    const asPerson: RequestContext = { ...ctx, actor: { type: "person", id: personId } };
    await runCommand(this.deps, asPerson, { action: "auth.totp_confirm", targetType: "person", targetId: personId }, async (tx) => {
      const credentials = await repo.findCredentials(tx.trx, personId);
      if (!credentials?.totp_pending_sealed) throw errors.invalidParameter("Start two-factor enrolment first (POST /auth/totp/enroll).");
      const secret = this.secrets().open(credentials.totp_pending_sealed, `totp:${personId}`);
      const step = typeof code === "string" ? totpStepOf(secret, session.person.email, code.trim(), tx.now) : null;
      if (step === null) throw errors.twoFactorInvalid();
      await repo.upsertCredentials(tx.trx, personId, { totp_sealed: credentials.totp_pending_sealed, totp_pending_sealed: null, totp_enabled: 1, totp_last_step: step }, tx.now);
      if (session.twoFactorSetupRequired) {
        const tokenId = await this.issueConsoleToken(tx, personId, sessionValue, session.expiresAt);
        await repo.updateSession(tx.trx, session.sessionId, { access_token_id: tokenId, two_factor_setup_required: 0 });
      }
      await tx.audit({ action: "auth.totp_confirm", targetType: "person", targetId: personId });
    });
    return this.requireSession(sessionValue);
  }

  /** Whether the person has two-factor on, an enrolment waiting for its first code, and a business that requires it. */
  async twoFactorStatus(session: SessionView): Promise<{ enabled: boolean; pending: boolean; required: boolean }> {
    const credentials = await repo.findCredentials(this.deps.db, session.person.id);
    return {
      enabled: credentials?.totp_enabled === 1,
      pending: Boolean(credentials?.totp_pending_sealed),
      required: await repo.twoFactorRequiredFor(this.deps.db, session.person.id),
    };
  }

  /**
   * Turns two-factor off, with a current code from the authenticator as proof. Refused while a
   * business the person belongs to requires it, so the requirement cannot be walked around.
   */
  async disableTotp(ctx: RequestContext, session: SessionView, code: unknown): Promise<void> {
    const personId = session.person.id;
    const asPerson: RequestContext = { ...ctx, actor: { type: "person", id: personId } };
    await runCommand(this.deps, asPerson, { action: "auth.totp_disable", targetType: "person", targetId: personId }, async (tx) => {
      const credentials = await repo.findCredentials(tx.trx, personId);
      if (credentials?.totp_enabled !== 1 || !credentials.totp_sealed) throw errors.invalidParameter("Two-factor authentication is not on.");
      if (await repo.twoFactorRequiredFor(tx.trx, personId)) {
        throw errors.invalidParameter("A business you belong to requires two-factor authentication, so it cannot be turned off.");
      }
      const secret = this.secrets().open(credentials.totp_sealed, `totp:${personId}`);
      const step = typeof code === "string" ? totpStepOf(secret, session.person.email, code.trim(), tx.now) : null;
      if (step === null || !(await repo.claimTotpStep(tx.trx, personId, step, tx.now))) throw errors.twoFactorInvalid();
      await repo.upsertCredentials(tx.trx, personId, { totp_sealed: null, totp_pending_sealed: null, totp_enabled: 0, totp_last_step: null }, tx.now);
      await tx.audit({ action: "auth.totp_disable", targetType: "person", targetId: personId });
    });
  }

  /**
   * `POST /auth/password-reset`: prepares a single-use link for the email's owner, if it has an
   * account and fewer than the allowed mails this hour. The caller answers the same way in every
   * case and sends the mail (`PendingResetMail.deliver`) only after answering: every case runs the
   * same queries, hashing and writes here, so neither the answer nor its timing tells who has an
   * account. Too many requests from one client address are refused (code 4, with Retry-After).
   */
  async requestPasswordReset(ctx: RequestContext, emailInput: unknown, ip: string): Promise<PendingResetMail> {
    const rules = this.resetRules;
    const db = this.deps.db;
    const now = this.deps.now();
    const email = typeof emailInput === "string" ? emailInput.trim().toLowerCase() : "";
    const fromIp = await repo.countLoginFailures(db, resetKeys.ip(ip), now - rules.ipWindowMs);
    if (fromIp.count >= rules.requestsPerIp) {
      const error = errors.passwordResetThrottled(((fromIp.oldest ?? now) + rules.ipWindowMs - now) / 1000);
      await this.deps.audit.record(ctx, { action: "auth.password_reset_request", targetType: "person", outcome: "denied", reason: error.message, after: { email, ip } });
      error.audited = true;
      throw error;
    }
    const person = email ? await findPersonByEmail(db, email) : undefined;
    const mailed = await repo.countLoginFailures(db, resetKeys.mailed(email), now - rules.addressWindowMs);
    const token = crypto.randomBytes(32).toString("base64url");
    const tokenHash = hashToken(token);
    const send = person !== undefined && mailed.count < rules.mailsPerAddress;
    const reason = person === undefined ? "No person has this email." : send ? undefined : `Already ${mailed.count} reset emails to this address within the hour.`;
    // Two rows and an audit entry in every case; only the second row's key differs.
    await db.transaction().execute(async (trx) => {
      await repo.insertLoginFailure(trx, newId(), resetKeys.ip(ip), now);
      await repo.insertLoginFailure(trx, newId(), send ? resetKeys.mailed(email) : resetKeys.silent(email), now);
      await this.deps.audit.record(
        ctx,
        { action: "auth.password_reset_request", targetType: "person", targetId: person?.id, outcome: send ? "success" : "invalid", ...(reason ? { reason } : {}), after: { email, ip } },
        trx,
      );
    });
    if (!send || !person) return { deliver: async () => undefined };
    return { deliver: (mail) => this.sendResetLink(person, tokenHash, token, now, mail) };
  }

  /**
   * Stores the link (only its hash) and mails it. Runs after the answer has left; the link is
   * stored first, so it works by the time the mail arrives.
   */
  private async sendResetLink(person: PersonRow, tokenHash: string, token: string, requestedAt: number, mail: { mailer: Mailer; baseUrl: string }): Promise<void> {
    const expiresAt = requestedAt + this.resetTtlMs;
    await repo.insertPasswordReset(this.deps.db, { id: newId(), token_hash: tokenHash, person_id: person.id, created_at: requestedAt, expires_at: expiresAt, used_at: null });
    const link = `${mail.baseUrl}/auth/password-reset?token=${encodeURIComponent(token)}`;
    const minutes = Math.round(this.resetTtlMs / MINUTE);
    await mail.mailer.send({
      to: person.email,
      subject: "Reset your Grantline password",
      text: `Hello ${person.name},\n\nSomeone asked to reset the password of your Grantline account. To choose a new one, open this link within ${minutes} minutes:\n\n${link}\n\nThe link works once. If you did not ask for this, ignore this email; your password stays as it is.\n`,
    });
  }

  /** `POST /auth/password-reset/confirm`: a live link sets the new password and ends every session. */
  async confirmPasswordReset(ctx: RequestContext, token: unknown, password: unknown): Promise<PersonView> {
    return runCommand(this.deps, ctx, { action: "auth.password_reset", targetType: "person" }, async (tx) => {
      const newPassword = checkPasswordPolicy(password);
      const personId = typeof token === "string" && token ? await repo.consumePasswordReset(tx.trx, hashToken(token), tx.now) : undefined;
      if (!personId) throw errors.resetLinkInvalid();
      const person = await findPerson(tx.trx, personId);
      if (!person) throw errors.resetLinkInvalid();
      await this.writePassword(tx, person, newPassword);
      // The owner proved control of the mailbox: earlier failures on the account no longer slow anyone down.
      await repo.clearLoginFailures(tx.trx, failureKeys.account(person.email));
      await repo.clearLoginFailuresByPrefix(tx.trx, failureKeys.pairPrefix(person.email));
      await tx.audit({ action: "auth.password_reset", targetType: "person", targetId: person.id });
      return present(person);
    });
  }
}
