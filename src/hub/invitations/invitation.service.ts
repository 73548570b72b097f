import crypto from "node:crypto";
import { z } from "zod";
import { errors } from "../../errors.ts";
import { FIELD_LIMITS } from "../../fieldLimits.ts";
import { newId } from "../../ids.ts";
import type { Mailer } from "../../mail/mailer.ts";
import { authorizeBusinessAdmin, authorizeBusinessMember } from "../access/authorize.ts";
import { BUSINESS_ROLES } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import type { Executor } from "../../store/database.ts";
import { runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import { findPerson, findPersonByEmail, insertPerson, upsertMember } from "../people/person.repository.ts";
import { displayNameSchema } from "../people/personName.ts";
import { hashToken } from "../tokens/accessToken.service.ts";
import {
  closeInvitation,
  findInvitation,
  findInvitationByTokenHash,
  findPendingInvitation,
  insertInvitation,
  listPendingInvitationsFor,
  listPendingInvitationsOf,
  renewInvitationLink,
  type InvitationRow,
} from "./invitation.repository.ts";

const DAY = 24 * 60 * 60 * 1000;
/**
 * How long an invitation link works unless GRANTLINE_INVITATION_TTL_DAYS says otherwise. Meta's
 * invitations carry an `expiration_time` (BusinessRoleRequest,
 * https://developers.facebook.com/docs/marketing-api/reference/business-role-request); a week is
 * long enough to find the mail and short enough that a forgotten link does not lie around.
 */
export const DEFAULT_INVITATION_TTL_DAYS = 7;

export interface InvitationOptions {
  /** Days an invitation link works; default DEFAULT_INVITATION_TTL_DAYS. */
  ttlDays?: number;
  /** GRANTLINE_PUBLIC_URL: where the link in the mail points, until a server says where it listens. */
  publicUrl?: string;
}

export interface InvitationView {
  id: string;
  businessId: string;
  email: string;
  role: string;
  /** PENDING, or EXPIRED: a pending invitation whose link no longer works (it can be sent again). */
  status: "PENDING" | "EXPIRED";
  createdAt: number;
  expiresAt: number;
  /** When the last mail went out; null if none did (an invitation from before links existed). */
  sentAt: number | null;
}

/** What the invitation page shows before the person chooses a name and password. */
export interface InvitationLinkView {
  email: string;
  role: string;
  business: { id: string; name: string };
  expiresAt: number;
  /** The business requires two-factor: the person sets it up right after joining. */
  twoFactorRequired: boolean;
}

/** The outcome of sending an invitation mail: delivered, or why not (the invitation stays, and can be sent again). */
export type MailOutcome = { sent: true } | { sent: false; error: string };

function present(row: InvitationRow, now: number): InvitationView {
  return {
    id: row.id,
    businessId: row.business_id,
    email: row.email,
    role: row.role,
    status: row.expires_at > now ? "PENDING" : "EXPIRED",
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    sentAt: row.sent_at,
  };
}

function newLinkToken(): { token: string; tokenHash: string } {
  const token = crypto.randomBytes(32).toString("base64url");
  return { token, tokenHash: hashToken(token) };
}

const ROLE_WORDS: Record<string, string> = {
  ADMIN: "an admin",
  EMPLOYEE: "an employee",
  FINANCE_EDITOR: "a finance editor",
  FINANCE_ANALYST: "a finance analyst",
  DEVELOPER: "a developer",
};

/** Why a link cannot be used, or undefined when it can. */
function linkState(row: InvitationRow | undefined, now: number): "used" | "cancelled" | "expired" | "unknown" | undefined {
  if (!row) return "unknown";
  if (row.status === "accepted") return "used";
  if (row.status === "cancelled") return "cancelled";
  if (row.status !== "pending") return "unknown";
  return row.expires_at > now ? undefined : "expired";
}

/**
 * Inviting people by email. Someone who already has an account joins at once; anyone else gets a
 * pending invitation (the business's `pending_users`) and a mail with a one-time link that expires.
 * Following the link (`/console/invitation`) the person chooses a name and password and joins;
 * an account created another way (`createPerson`) takes up its pending invitations too. Admins can
 * send the mail again (a new link; the old one stops working) or cancel the invitation.
 */
export class InvitationService {
  private readonly ttlMs: number;
  private linkBase: () => string | undefined;
  private mailer: () => Mailer;

  constructor(
    private readonly deps: HubDeps,
    mailer: () => Mailer,
    options: InvitationOptions = {},
  ) {
    this.ttlMs = (options.ttlDays ?? DEFAULT_INVITATION_TTL_DAYS) * DAY;
    this.linkBase = () => options.publicUrl;
    this.mailer = mailer;
  }

  /**
   * The HTTP server tells where people reach the hub (GRANTLINE_PUBLIC_URL, or its listening
   * address) and which mailer it uses, as it does for password reset links. The request's Host
   * header is never used: a forged one would send people's links elsewhere.
   */
  deliverLinksVia(options: { publicUrl: () => string; mailer?: Mailer }): void {
    this.linkBase = options.publicUrl;
    const mailer = options.mailer;
    if (mailer) this.mailer = () => mailer;
  }

  async invite(
    ctx: RequestContext,
    businessId: string,
    input: { email: string; role?: string },
  ): Promise<{ added: boolean; personId?: string; invitation?: InvitationView; mail?: MailOutcome }> {
    const attempt: AuditAttempt = { action: "invitation.create", businessId, targetType: "invitation" };
    const result = await runCommand(this.deps, ctx, attempt, async (tx) => {
      const business = await findBusiness(tx.trx, businessId);
      if (!business) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "inviting people");
      const email = z.string().trim().toLowerCase().max(FIELD_LIMITS.email).email().safeParse(input.email);
      if (!email.success) throw errors.invalidParameter(`Invalid email: it must be an email address of at most ${FIELD_LIMITS.email} characters.`);
      const role = z.enum(BUSINESS_ROLES).safeParse(input.role ?? "EMPLOYEE");
      if (!role.success) throw errors.invalidParameter(`Invalid role: use one of ${BUSINESS_ROLES.join(", ")}.`);
      const person = await findPersonByEmail(tx.trx, email.data);
      if (person) {
        await upsertMember(tx.trx, { business_id: businessId, person_id: person.id, role: role.data, created_at: tx.now });
        await tx.changed("member", `${businessId}:${person.id}`);
        await tx.audit({ action: "member.add", businessId, targetType: "person", targetId: person.id, after: { role: role.data, email: email.data } });
        return { added: true as const, personId: person.id };
      }
      const { token, tokenHash } = newLinkToken();
      const invitedBy = "id" in ctx.actor ? ctx.actor.id : ctx.actor.type;
      const existing = await findPendingInvitation(tx.trx, businessId, email.data);
      let row: InvitationRow;
      if (existing) {
        // Inviting the same address again renews its invitation: one row, the role as now chosen, a new link.
        row = { ...existing, role: role.data, invited_by: invitedBy, expires_at: tx.now + this.ttlMs, token_hash: tokenHash, sent_at: tx.now };
        await renewInvitationLink(tx.trx, row.id, { token_hash: tokenHash, sent_at: tx.now, expires_at: row.expires_at, role: row.role, invited_by: row.invited_by });
      } else {
        row = {
          id: newId(),
          business_id: businessId,
          email: email.data,
          role: role.data,
          status: "pending",
          invited_by: invitedBy,
          created_at: tx.now,
          expires_at: tx.now + this.ttlMs,
          accepted_at: null,
          token_hash: tokenHash,
          sent_at: tx.now,
        };
        await insertInvitation(tx.trx, row);
      }
      await tx.audit({ action: "invitation.create", businessId, targetType: "invitation", targetId: row.id, after: { email: row.email, role: row.role, expires_at: row.expires_at } });
      return { added: false as const, row, token, businessName: business.name };
    });
    if (result.added) return result;
    const mail = await this.sendMail(ctx, result.row, result.token, result.businessName);
    return { added: false, invitation: present(result.row, this.deps.now()), mail };
  }

  /** Sends the invitation again with a new link, which works for the full period again; the previous link stops working. */
  async resend(ctx: RequestContext, businessId: string, invitationId: string): Promise<{ invitation: InvitationView; mail: MailOutcome }> {
    const attempt: AuditAttempt = { action: "invitation.resend", businessId, targetType: "invitation", targetId: invitationId };
    const result = await runCommand(this.deps, ctx, attempt, async (tx) => {
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "sending invitations again");
      const row = await findInvitation(tx.trx, invitationId);
      if (!row || row.business_id !== businessId || row.status !== "pending") throw errors.notPending("There is no pending invitation with that ID.");
      const business = await findBusiness(tx.trx, businessId);
      const { token, tokenHash } = newLinkToken();
      const renewed: InvitationRow = { ...row, token_hash: tokenHash, sent_at: tx.now, expires_at: tx.now + this.ttlMs };
      await renewInvitationLink(tx.trx, row.id, { token_hash: tokenHash, sent_at: tx.now, expires_at: renewed.expires_at });
      await tx.audit({ action: "invitation.resend", businessId, targetType: "invitation", targetId: row.id, after: { email: row.email, expires_at: renewed.expires_at } });
      return { row: renewed, token, businessName: business?.name ?? businessId };
    });
    const mail = await this.sendMail(ctx, result.row, result.token, result.businessName);
    return { invitation: present(result.row, this.deps.now()), mail };
  }

  async cancel(ctx: RequestContext, businessId: string, invitationId: string): Promise<void> {
    await runCommand(this.deps, ctx, { action: "invitation.cancel", businessId, targetType: "invitation", targetId: invitationId }, async (tx) => {
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "cancelling invitations");
      const row = await findInvitation(tx.trx, invitationId);
      if (!row || row.business_id !== businessId || !(await closeInvitation(tx.trx, row.id, "cancelled", tx.now))) {
        throw errors.notPending("There is no pending invitation with that ID.");
      }
      await tx.audit({ action: "invitation.cancel", businessId, targetType: "invitation", targetId: row.id, before: { email: row.email, role: row.role } });
    });
  }

  /** Invitations not yet accepted or cancelled, expired ones included (an admin may send them again), newest first. */
  async listPending(ctx: RequestContext, businessId: string): Promise<InvitationView[]> {
    authorizeBusinessMember(this.deps.engine, ctx, businessId);
    const now = this.deps.now();
    return (await listPendingInvitationsOf(this.deps.db, businessId)).map((row) => present(row, now));
  }

  /**
   * What an invitation link leads to, for the page that accepts it; anyone holding the link may ask.
   * A link that cannot be used says only why (used, cancelled, expired, unknown), nothing of its business.
   */
  async describeLink(token: unknown): Promise<InvitationLinkView> {
    const row = typeof token === "string" && token ? await findInvitationByTokenHash(this.deps.db, hashToken(token)) : undefined;
    const state = linkState(row, this.deps.now());
    if (state || !row) throw errors.invitationLinkInvalid(state ?? "unknown");
    const business = await findBusiness(this.deps.db, row.business_id);
    if (!business) throw errors.invitationLinkInvalid("unknown");
    return {
      email: row.email,
      role: row.role,
      business: { id: business.id, name: business.name },
      expiresAt: row.expires_at,
      twoFactorRequired: business.two_factor_required === 1,
    };
  }

  private async sendMail(ctx: RequestContext, row: InvitationRow, token: string, businessName: string): Promise<MailOutcome> {
    const base = this.linkBase();
    if (!base) return { sent: false, error: "The hub does not know its address (GRANTLINE_PUBLIC_URL), so no link could be written." };
    const inviter = ctx.actor.type === "person" ? await findPerson(this.deps.db, ctx.actor.id) : undefined;
    const link = `${base}/console/invitation#token=${token}`;
    const days = Math.max(1, Math.round((row.expires_at - (row.sent_at ?? this.deps.now())) / DAY));
    const who = inviter ? `${inviter.name} invited you` : "You are invited";
    try {
      await this.mailer().send({
        to: row.email,
        subject: `${who} to join ${businessName} on Grantline`,
        text: [
          "Hello,",
          "",
          `${who} to join ${businessName} on Grantline as ${ROLE_WORDS[row.role] ?? row.role}.`,
          "",
          `To accept, open this link within ${days} ${days === 1 ? "day" : "days"}, then choose your name and password:`,
          "",
          link,
          "",
          "The link works once. If you did not expect this invitation, ignore this email.",
          "",
        ].join("\n"),
        headers: { "X-Grantline-Invitation": row.id },
      });
      return { sent: true };
    } catch (error) {
      // The mail server's words (host names, addresses) are the operator's to read, in the audit
      // log; the admin who invited learns only that the mail did not go and can send it again.
      const reason = error instanceof Error ? error.message : String(error);
      await this.deps.audit.record(ctx, { action: "invitation.mail", businessId: row.business_id, targetType: "invitation", targetId: row.id, outcome: "failed", reason, after: { email: row.email } });
      return { sent: false, error: "The mail server did not take the invitation mail. Send it again later; the operator's audit log has the cause." };
    }
  }
}

/**
 * Accepts an invitation link inside the command that signs the person in: creates their account
 * with the invited address and the chosen name, makes them a member with the invited role, and
 * takes up their other pending invitations. The link is claimed first, so of two tries at once
 * only one gets through. Throws `invitationLinkInvalid` for a used, cancelled, expired or unknown link.
 */
export async function redeemInvitation(tx: CommandTx, token: unknown, input: { name: unknown }): Promise<{ person: { id: string; name: string; email: string }; businessId: string }> {
  const row = typeof token === "string" && token ? await findInvitationByTokenHash(tx.trx, hashToken(token)) : undefined;
  const state = linkState(row, tx.now);
  if (state || !row) throw errors.invitationLinkInvalid(state ?? "unknown");
  const name = displayNameSchema.safeParse(input.name);
  if (!name.success) throw errors.invalidParameter(`Invalid name: ${name.error.issues[0]?.message ?? "invalid"}.`);
  if (await findPersonByEmail(tx.trx, row.email)) {
    throw errors.duplicate(`An account with the email ${row.email} already exists. Sign in with it; an admin of the business can then add you.`);
  }
  if (!(await closeInvitation(tx.trx, row.id, "accepted", tx.now))) throw errors.invitationLinkInvalid("used");
  const person = { id: newId(), name: name.data, email: row.email, created_at: tx.now };
  await insertPerson(tx.trx, person);
  await tx.changed("person", person.id);
  await tx.audit({ action: "person.create", targetType: "person", targetId: person.id, after: { name: person.name, email: person.email, invitation: row.id } });
  await upsertMember(tx.trx, { business_id: row.business_id, person_id: person.id, role: row.role, created_at: tx.now });
  await tx.changed("member", `${row.business_id}:${person.id}`);
  await tx.audit({ action: "invitation.accept", businessId: row.business_id, targetType: "person", targetId: person.id, after: { role: row.role, invitation: row.id } });
  await acceptInvitationsFor(tx, person);
  return { person: { id: person.id, name: person.name, email: person.email }, businessId: row.business_id };
}

/** Turns a new person's pending, unexpired invitations into memberships, inside the command creating them. */
export async function acceptInvitationsFor(tx: CommandTx, person: { id: string; email: string }): Promise<number> {
  const invitations = await listPendingInvitationsFor(tx.trx, person.email, tx.now);
  let accepted = 0;
  for (const invitation of invitations) {
    if (!(await closeInvitation(tx.trx, invitation.id, "accepted", tx.now))) continue;
    await upsertMember(tx.trx, { business_id: invitation.business_id, person_id: person.id, role: invitation.role, created_at: tx.now });
    await tx.changed("member", `${invitation.business_id}:${person.id}`);
    await tx.audit({
      action: "invitation.accept",
      businessId: invitation.business_id,
      targetType: "person",
      targetId: person.id,
      after: { role: invitation.role, invitation: invitation.id },
    });
    accepted += 1;
  }
  return accepted;
}

/** The pending, unexpired invitations to an address, for the operator's CLI to point at (set-password on an invited address). */
export async function pendingInvitationsTo(db: Executor, email: string, now: number): Promise<{ businessName: string; expiresAt: number }[]> {
  const out: { businessName: string; expiresAt: number }[] = [];
  for (const row of await listPendingInvitationsFor(db, email, now)) {
    out.push({ businessName: (await findBusiness(db, row.business_id))?.name ?? row.business_id, expiresAt: row.expires_at });
  }
  return out;
}
