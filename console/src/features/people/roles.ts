/** A business's roles as the console names them (the hub's BUSINESS_ROLES). */
export const BUSINESS_ROLE_OPTIONS = [
  { value: "ADMIN", label: "Admin — full control of the business" },
  { value: "EMPLOYEE", label: "Employee — works on assets they are given" },
  { value: "FINANCE_EDITOR", label: "Finance editor — payment methods and invoices" },
  { value: "FINANCE_ANALYST", label: "Finance analyst — sees financial details" },
  { value: "DEVELOPER", label: "Developer — apps and integrations" },
];

/** A role's name alone ("Employee") and what it may do ("works on assets they are given"), from its label. */
export function roleParts(value: string): { name: string; does: string } {
  const label = BUSINESS_ROLE_OPTIONS.find((r) => r.value === value)?.label ?? value;
  const [name, does = ""] = label.split(" — ");
  return { name: name!, does };
}
