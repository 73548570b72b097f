import { useQuery } from "@tanstack/react-query";
import { graph } from "../../shared/api.ts";
import type { WorkspacesAnswer } from "./wire.ts";

export const workspacesKey = (businessId: string) => ["autopilot", businessId, "workspaces"];

/** The business's Autopilot workspace (the first; a business normally has one). */
export function useWorkspaces(businessId: string) {
  return useQuery({ queryKey: workspacesKey(businessId), queryFn: () => graph.get<WorkspacesAnswer>(`/autopilot/businesses/${businessId}/workspaces`) });
}
