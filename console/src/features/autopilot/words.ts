/** How the Autopilot pages name its actions and write its times. */

export const ACTION_KINDS = [
  { value: "pause_ad", label: "Pause ads" },
  { value: "resume_ad", label: "Turn ads back on" },
  { value: "pause_adset", label: "Pause ad sets" },
  { value: "resume_adset", label: "Turn ad sets back on" },
  { value: "change_budget", label: "Change ad set budgets" },
] as const;

/** A time Autopilot reports (milliseconds since the epoch), in UTC. */
export function formatWhen(ms: number): string {
  return new Date(ms).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}
