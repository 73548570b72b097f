/** The planted tree's named decision for the hub's services: comparing roles here is where it belongs. */
export function isAdminOf(engine: { roleIn(principalId: string, businessId: string): string | undefined }, principalId: string, businessId: string): boolean {
  return engine.roleIn(principalId, businessId) === "ADMIN";
}
