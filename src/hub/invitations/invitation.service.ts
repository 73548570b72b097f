import { z } from "zod";
import { errors } from "../../errors.ts";
import { FIELD_LIMITS } from "../../fieldLimits.ts";
import { newId } from "../../ids.ts";
import { authorizeBusinessAdmin, authorizeBusinessMember } from "../access/authorize.ts";
import { BUSINESS_ROLES } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type CommandTx, type HubDeps } from "../hubCommand.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import { findPersonByEmail, upsertMember } from "../people/person.repository.ts";
import {
  findInvitation,
  findPendingInvitation,
  insertInvitation,
  listPendingInvitationsFor,
  listPendingInvitationsOf,
  setInvitationStatus,
  type InvitationRow,
} from "./invitation.repository.ts";

const INVITATION_DAYS = 30;
const DAY = 24 * 60 * 60 * 1000;

export interface InvitationView {
  id: string;
  businessId: string;
  email: string;
  role: string;
  status: string;
  createdAt: number;
  expiresAt: number;
}

function present(row: InvitationRow): InvitationView {
  return { id: row.id, businessId: row.business_id, email: row.email, role: row.role, status: row.status, createdAt: row.created_at, expiresAt: row.expires_at };
}

/**
 * Inviting people by email. Someone who already has an account joins at once; anyone else gets a
 * pending invitation (the business's `pending_users`) that turns into membership when an account
 * with that email is created, unless it expired (30 days) or was cancelled first.
 */
export class InvitationService {
  constructor(private readonly deps: HubDeps) {}

  async invite(ctx: RequestContext, businessId: string, input: { email: string; role?: string }): Promise<{ added: boolean; personId?: string; invitation?: InvitationView }> {
    const attempt = { action: "invitation.create", businessId, targetType: "invitation" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
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
        return { added: true, personId: person.id };
      }
      const existing = await findPendingInvitation(tx.trx, businessId, email.data);
      if (existing) await setInvitationStatus(tx.trx, existing.id, "cancelled", tx.now);
      const row: InvitationRow = {
        id: newId(),
        business_id: businessId,
        email: email.data,
        role: role.data,
        status: "pending",
        invited_by: "id" in ctx.actor ? ctx.actor.id : ctx.actor.type,
        created_at: tx.now,
        expires_at: tx.now + INVITATION_DAYS * DAY,
        accepted_at: null,
      };
      await insertInvitation(tx.trx, row);
      await tx.audit({ action: "invitation.create", businessId, targetType: "invitation", targetId: row.id, after: { email: row.email, role: row.role } });
      return { added: false, invitation: present(row) };
    });
  }

  async cancel(ctx: RequestContext, businessId: string, invitationId: string): Promise<void> {
    await runCommand(this.deps, ctx, { action: "invitation.cancel", businessId, targetType: "invitation", targetId: invitationId }, async (tx) => {
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "cancelling invitations");
      const row = await findInvitation(tx.trx, invitationId);
      if (!row || row.business_id !== businessId || row.status !== "pending") throw errors.notPending("There is no pending invitation with that ID.");
      await setInvitationStatus(tx.trx, row.id, "cancelled", tx.now);
      await tx.audit({ action: "invitation.cancel", businessId, targetType: "invitation", targetId: row.id, before: { email: row.email, role: row.role } });
    });
  }

  async listPending(ctx: RequestContext, businessId: string): Promise<InvitationView[]> {
    authorizeBusinessMember(this.deps.engine, ctx, businessId);
    return (await listPendingInvitationsOf(this.deps.db, businessId, this.deps.now())).map(present);
  }
}

/** Turns a new person's pending, unexpired invitations into memberships, inside the command creating them. */
export async function acceptInvitationsFor(tx: CommandTx, person: { id: string; email: string }): Promise<number> {
  const invitations = await listPendingInvitationsFor(tx.trx, person.email, tx.now);
  for (const invitation of invitations) {
    await upsertMember(tx.trx, { business_id: invitation.business_id, person_id: person.id, role: invitation.role, created_at: tx.now });
    await setInvitationStatus(tx.trx, invitation.id, "accepted", tx.now);
    await tx.changed("member", `${invitation.business_id}:${person.id}`);
    await tx.audit({
      action: "invitation.accept",
      businessId: invitation.business_id,
      targetType: "person",
      targetId: person.id,
      after: { role: invitation.role, invitation: invitation.id },
    });
  }
  return invitations.length;
}
