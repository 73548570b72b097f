// Planted violations: a hub service that compares roles, memberships and the caller itself instead
// of asking hub/access. `describeMember` at the end reads a role and a membership to show them.
interface Engine {
  roleIn(principalId: string, businessId: string): string | undefined;
  check(subject: { principalId: string }, action: string, assetId: string): boolean;
}

export function endShare(engine: Engine, subject: { principalId: string }, partnerId: string, assetId: string): boolean {
  if (engine.roleIn(subject.principalId, partnerId) === "ADMIN") return true;
  return engine.check(subject, "manage_access", assetId);
}

export function closePending(roles: Map<string, string> | undefined, sender: string): void {
  if (!roles?.has(sender)) throw new Error("not found");
}

export function revoke(subject: { principalId: string } | null, connectedBy: string): void {
  if (subject && subject.principalId !== connectedBy) throw new Error("refused");
}

export function leaving(ctx: { actor: { id: string } }, personId: string): boolean {
  return ctx.actor.id === personId;
}

// Shown, not decided; and engine.roleIn(me, business) in a comment is no call.
export function describeMember(member: { name: string; role: string }, roles: Map<string, string>, subject: { principalId: string } | null): string {
  return `${member.name} is ${member.role} in ${[...roles.keys()].join(", ")}, added by ${subject?.principalId ?? "the operator"}`;
}
