/** A business's roles as the console names them (the hub's BUSINESS_ROLES). */
export const BUSINESS_ROLE_OPTIONS = [
  { value: "ADMIN", label: "Admin — full control of the business" },
  { value: "EMPLOYEE", label: "Employee — works on assets they are given" },
  { value: "FINANCE_EDITOR", label: "Finance editor — payment methods and invoices" },
  { value: "FINANCE_ANALYST", label: "Finance analyst — sees financial details" },
  { value: "DEVELOPER", label: "Developer — apps and integrations" },
];
