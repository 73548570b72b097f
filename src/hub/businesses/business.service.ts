import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import { authorizeSelfOrBusinessAdmin } from "../access/serviceAccess.ts";
import { BUSINESS_ROLES, SYSTEM_USER_ROLES, VERIFICATION_STATUSES, type BusinessRole, type SystemUserRole } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { assignmentTasks, deleteAssignment, listAssignmentsOfPrincipal } from "../assignments/assignment.repository.ts";
import * as people from "../people/person.repository.ts";
import * as systemUsers from "../people/systemUser.repository.ts";
import { listTokensOfPrincipal, revokeToken } from "../tokens/accessToken.repository.ts";
import { acceptInvitationsFor } from "../invitations/invitation.service.ts";
import { displayNameSchema } from "../people/personName.ts";
import { findBusiness, insertBusiness, updateBusiness, type BusinessRow } from "./business.repository.ts";

const nameSchema = displayNameSchema;
const emailSchema = z.string().trim().toLowerCase().email("must be an email address");

function parse<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw errors.invalidParameter(`Invalid ${field}: ${result.error.issues[0]?.message ?? "invalid"}.`);
  return result.data;
}

export interface BusinessView {
  id: string;
  name: string;
  verificationStatus: string;
  twoFactorRequired: boolean;
  createdAt: number;
}

export function presentBusiness(row: BusinessRow): BusinessView {
  return {
    id: row.id,
    name: row.name,
    verificationStatus: row.verification_status,
    twoFactorRequired: row.two_factor_required === 1,
    createdAt: row.created_at,
  };
}

/** Businesses, the people in them, their roles, and their system users. */
export class BusinessService {
  constructor(private readonly deps: HubDeps) {}

  async createPerson(ctx: RequestContext, input: { name: string; email: string }): Promise<{ id: string; name: string; email: string }> {
    return runCommand(this.deps, ctx, { action: "person.create", targetType: "person" }, async (tx) => {
      const name = parse(nameSchema, input.name, "name");
      const email = parse(emailSchema, input.email, "email");
      if (await people.findPersonByEmail(tx.trx, email)) throw errors.duplicate(`A person with the email ${email} already exists.`);
      const row = { id: newId(), name, email, created_at: tx.now };
      await people.insertPerson(tx.trx, row);
      await tx.changed("person", row.id);
      await tx.audit({ action: "person.create", targetType: "person", targetId: row.id, after: { name, email } });
      await acceptInvitationsFor(tx, row);
      return { id: row.id, name, email };
    });
  }

  /** Creates a business; a person creating it becomes its first admin. */
  async createBusiness(ctx: RequestContext, input: { name: string; adminPersonId?: string }): Promise<BusinessView> {
    return runCommand(this.deps, ctx, { action: "business.create", targetType: "business" }, async (tx) => {
      const name = parse(nameSchema, input.name, "business name");
      const adminId = ctx.actor.type === "person" ? ctx.actor.id : input.adminPersonId;
      if (ctx.actor.type === "system_user") {
        throw errors.permissionDenied("(#200) System users cannot create businesses.");
      }
      if (adminId && !(await people.findPerson(tx.trx, adminId))) throw errors.unknownPrincipal(adminId);
      const row: BusinessRow = {
        id: newId(),
        name,
        verification_status: "not_verified",
        two_factor_required: 0,
        created_at: tx.now,
      };
      await insertBusiness(tx.trx, row);
      await tx.changed("business", row.id);
      await tx.audit({ action: "business.create", businessId: row.id, targetType: "business", targetId: row.id, after: { name } });
      if (adminId) {
        await people.upsertMember(tx.trx, { business_id: row.id, person_id: adminId, role: "ADMIN", created_at: tx.now });
        await tx.changed("member", `${row.id}:${adminId}`);
        await tx.audit({
          action: "member.add",
          businessId: row.id,
          targetType: "person",
          targetId: adminId,
          after: { role: "ADMIN" },
        });
      }
      return presentBusiness(row);
    });
  }

  async getBusiness(id: string): Promise<BusinessView> {
    const row = await findBusiness(this.deps.db, id);
    if (!row) throw errors.unknownBusiness(id);
    return presentBusiness(row);
  }

  async updateBusiness(
    ctx: RequestContext,
    businessId: string,
    input: { name?: string; twoFactorRequired?: boolean; verificationStatus?: string },
  ): Promise<BusinessView> {
    return runCommand(this.deps, ctx, { action: "business.update", businessId, targetType: "business", targetId: businessId }, async (tx) => {
      const before = await findBusiness(tx.trx, businessId);
      if (!before) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "changing business settings");
      const changes: Partial<BusinessRow> = {};
      if (input.name !== undefined) changes.name = parse(nameSchema, input.name, "business name");
      if (input.twoFactorRequired !== undefined) changes.two_factor_required = input.twoFactorRequired ? 1 : 0;
      if (input.verificationStatus !== undefined) {
        if (ctx.actor.type !== "operator") {
          throw errors.permissionDenied("(#200) Only the platform operator sets verification status.");
        }
        changes.verification_status = parse(z.enum(VERIFICATION_STATUSES), input.verificationStatus, "verification status");
      }
      if (Object.keys(changes).length === 0) throw errors.invalidParameter("Nothing to change: pass name, two_factor_type or verification_status.");
      await updateBusiness(tx.trx, businessId, changes);
      if (changes.name) await tx.changed("business", businessId);
      const after = { ...before, ...changes };
      await tx.audit({
        action: "business.update",
        businessId,
        targetType: "business",
        targetId: businessId,
        before: presentBusiness(before),
        after: presentBusiness(after),
      });
      return presentBusiness(after);
    });
  }

  /** Adds a person to a business with a role, or changes their role. */
  async setMemberRole(ctx: RequestContext, businessId: string, personId: string, role: string): Promise<void> {
    const attempt: AuditAttempt = { action: "member.set_role", businessId, targetType: "person", targetId: personId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "managing people");
      const validRole = parse(z.enum(BUSINESS_ROLES), role, "role") as BusinessRole;
      if (!(await people.findPerson(tx.trx, personId))) throw errors.unknownPrincipal(personId);
      const before = await people.findMember(tx.trx, businessId, personId);
      if (before?.role === "ADMIN" && validRole !== "ADMIN" && (await people.countAdmins(tx.trx, businessId)) <= 1) {
        throw errors.lastAdmin();
      }
      await people.upsertMember(tx.trx, { business_id: businessId, person_id: personId, role: validRole, created_at: tx.now });
      await tx.changed("member", `${businessId}:${personId}`);
      await tx.audit({
        action: before ? "member.change_role" : "member.add",
        businessId,
        targetType: "person",
        targetId: personId,
        before: before ? { role: before.role } : undefined,
        after: { role: validRole },
      });
    });
  }

  /** Removes a person from a business, with every assignment they held through it. */
  async removeMember(ctx: RequestContext, businessId: string, personId: string): Promise<{ removedAssignments: number }> {
    const attempt: AuditAttempt = { action: "member.remove", businessId, targetType: "person", targetId: personId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      // Anyone may leave a business; removing someone else takes an admin.
      authorizeSelfOrBusinessAdmin(this.deps.engine, ctx, businessId, personId, "removing people");
      const member = await people.findMember(tx.trx, businessId, personId);
      if (!member) throw errors.notMember(`That person is not part of business ${businessId}.`);
      if (member.role === "ADMIN" && (await people.countAdmins(tx.trx, businessId)) <= 1) throw errors.lastAdmin();
      const assignments = await removeAssignmentsOf(tx, personId, businessId, "person removed from the business");
      await people.deleteMember(tx.trx, businessId, personId);
      await tx.changed("member", `${businessId}:${personId}`);
      await tx.audit({ action: "member.remove", businessId, targetType: "person", targetId: personId, before: { role: member.role } });
      return { removedAssignments: assignments.length };
    });
  }

  async createSystemUser(
    ctx: RequestContext,
    businessId: string,
    input: { name: string; role?: string },
  ): Promise<{ id: string; name: string; role: SystemUserRole; businessId: string }> {
    const attempt: AuditAttempt = { action: "system_user.create", businessId, targetType: "system_user" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "creating system users");
      const name = parse(nameSchema, input.name, "name");
      const role = parse(z.enum(SYSTEM_USER_ROLES), input.role ?? "EMPLOYEE", "system user role");
      const row = { id: newId(), business_id: businessId, name, role, created_at: tx.now };
      await systemUsers.insertSystemUser(tx.trx, row);
      await tx.changed("system_user", row.id);
      await tx.audit({ action: "system_user.create", businessId, targetType: "system_user", targetId: row.id, after: { name, role } });
      return { id: row.id, name, role, businessId };
    });
  }

  /**
   * Deletes a system user: every assignment it holds ends, every token of it is revoked, and it
   * leaves the business, in one transaction. Meta's Graph API has no call for this (the SystemUser
   * node offers GET only: shared/reference/graph-api-specs/SystemUser.json); Business Settings does
   * it by hand, and so does the console here.
   */
  async deleteSystemUser(ctx: RequestContext, businessId: string, systemUserId: string): Promise<{ removedAssignments: number; revokedTokens: number }> {
    const attempt: AuditAttempt = { action: "system_user.delete", businessId, targetType: "system_user", targetId: systemUserId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "deleting system users");
      const user = await systemUsers.findSystemUser(tx.trx, systemUserId);
      // Another business's system user answers as one that does not exist.
      if (!user || user.business_id !== businessId) throw errors.notFound(`System user '${systemUserId}'`, systemUserId);
      const assignments = await removeAssignmentsOf(tx, systemUserId, businessId, "system user deleted");
      const live = (await listTokensOfPrincipal(tx.trx, systemUserId)).filter((t) => t.revoked_at === null);
      for (const token of live) {
        await revokeToken(tx.trx, token.id, tx.now);
        await tx.changed("token", token.id);
      }
      await systemUsers.deleteSystemUser(tx.trx, systemUserId);
      await tx.changed("system_user", systemUserId);
      await tx.audit({
        action: "system_user.delete",
        businessId,
        targetType: "system_user",
        targetId: systemUserId,
        before: { name: user.name, role: user.role },
        after: { removed_assignments: assignments.length, revoked_tokens: live.length },
      });
      return { removedAssignments: assignments.length, revokedTokens: live.length };
    });
  }

  async listMembers(businessId: string) {
    return people.listMembers(this.deps.db, businessId);
  }

  async listSystemUsers(businessId: string) {
    return systemUsers.listSystemUsers(this.deps.db, businessId);
  }
}

/** Ends every assignment a principal holds from the business, each audited with the reason. */
async function removeAssignmentsOf(tx: CommandTx, principalId: string, businessId: string, reason: string) {
  const assignments = await listAssignmentsOfPrincipal(tx.trx, principalId, businessId);
  for (const a of assignments) {
    await deleteAssignment(tx.trx, a.id);
    await tx.changed("assignment", a.id);
    await tx.audit({ action: "assignment.remove", businessId, targetType: "asset", targetId: a.asset_id, before: { principal: principalId, tasks: assignmentTasks.decode(a.tasks) }, reason });
  }
  return assignments;
}
