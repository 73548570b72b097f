import { Alert, Button, Group, Stack, Text, type AlertProps } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink as RouterLink, useLocation } from "react-router";
import { graph } from "../api.ts";
import { ErrorText, PageTitle, QueryState, useBusiness } from "../components/common.tsx";
import { useSession } from "../session.tsx";
import type { JobOutcome, LogEntry, ScheduleView } from "../../../src/autopilot/app/views.ts";

/** What the console reads from Autopilot's /autopilot/… routes (the partner app, served by the hub); the shapes in src/autopilot/app/views.ts are the server's own. */
export type { JobOutcome, LogEntry, ScheduleView };

export const ACTION_KINDS = [
  { value: "pause_ad", label: "Pause ads" },
  { value: "resume_ad", label: "Turn ads back on" },
  { value: "pause_adset", label: "Pause ad sets" },
  { value: "resume_adset", label: "Turn ad sets back on" },
  { value: "change_budget", label: "Change ad set budgets" },
] as const;

export interface Guardrails {
  cpaTarget?: number;
  roasTarget?: number;
  /** Minor units (cents). */
  dailyCap?: number;
  monthlyCap?: number;
  maxStepPct: number;
  maxBudgetChangesPerHour: number;
  cooldownMinutes?: number;
  allowedActions: string[];
  quietHours?: { start: number; end: number };
}

export interface Connection {
  id: string;
  ad_account_id: string;
  ad_account_name: string | null;
  pixel_id: string | null;
  catalog_id: string | null;
  graph_url: string;
  status: string;
  attention: { message?: string } | null;
  token_expires_at: number | null;
  scopes: string[];
}

export interface Workspace {
  id: string;
  name: string;
  business_id: string | null;
  mode: "semi_auto" | "autopilot";
  kill_switch: boolean;
  guardrails: Guardrails;
  connections: Connection[];
  schedule: ScheduleView;
}

export interface WorkspacesAnswer {
  data: Workspace[];
  oauth_client: { configured: boolean; client_id?: string };
}

export const workspacesKey = (businessId: string) => ["autopilot", businessId, "workspaces"];

/** The business's Autopilot workspace (the first; a business normally has one). */
export function useWorkspaces(businessId: string) {
  return useQuery({ queryKey: workspacesKey(businessId), queryFn: () => graph.get<WorkspacesAnswer>(`/autopilot/businesses/${businessId}/workspaces`) });
}

/** Who approved, in words: "you" for the signed-in person, "Autopilot" for automatic changes. */
export function useWhoSays(): (who: string | null) => string {
  const { session } = useSession();
  return (who) => {
    if (!who) return "—";
    if (who === "autopilot") return "Autopilot (automatic)";
    if (session && who === `person:${session.person.id}`) return `${session.person.name} (you)`;
    return who.replace(/^person:/, "person ").replace(/^system_user:/, "system user ");
  };
}

/** A Mantine Alert whose title keeps the body's near-black text, so every tint stays readable. */
export function Notice(props: AlertProps & { "data-testid"?: string }) {
  return <Alert {...props} styles={{ title: { color: "var(--mantine-color-text)" } }} />;
}

export function formatWhen(ms: number): string {
  return new Date(ms).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}

const TABS = [
  { to: "autopilot", label: "Overview" },
  { to: "autopilot/queue", label: "Approvals" },
  { to: "autopilot/log", label: "Action log and alerts" },
  { to: "autopilot/creatives", label: "Creatives" },
  { to: "autopilot/pilots", label: "Pilots" },
  { to: "autopilot/settings", label: "Settings" },
];

/** Links between the Autopilot pages, as a labelled navigation. */
function AutopilotTabs({ businessId }: { businessId: string }) {
  const location = useLocation();
  return (
    <nav aria-label="Autopilot pages">
      <Group gap="xs" mb="md" wrap="wrap">
        {TABS.map((tab) => {
          const href = `/b/${businessId}/${tab.to}`;
          const active = location.pathname === href;
          return (
            <Button key={tab.to} component={RouterLink} to={href} variant={active ? "filled" : "default"} size="xs" aria-current={active ? "page" : undefined}>
              {tab.label}
            </Button>
          );
        })}
      </Group>
    </nav>
  );
}

/**
 * The frame of every Autopilot page: title, the pages' links, and the business's workspace — or,
 * when there is none yet, a button that sets one up.
 */
export function AutopilotFrame({ title, description, children }: { title: string; description?: ReactNode; children: (workspace: Workspace, answer: WorkspacesAnswer) => ReactNode }) {
  const { businessId, isAdmin } = useBusiness();
  const workspaces = useWorkspaces(businessId);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => graph.post<Workspace>(`/autopilot/businesses/${businessId}/workspaces`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workspacesKey(businessId) }),
  });
  return (
    <Stack gap={0}>
      <PageTitle description={description}>{title}</PageTitle>
      <AutopilotTabs businessId={businessId} />
      {!isAdmin ? (
        <Notice color="gray" title="Admins only">
          Only admins of this business set up and run Autopilot.
        </Notice>
      ) : (
        <QueryState query={workspaces} label="Autopilot">
          {(answer) => {
            const workspace = answer.data[0];
            if (!workspace) {
              return (
                <Stack align="flex-start">
                  <Text>Autopilot is not set up for this business yet. It starts in semi-auto mode: it only proposes changes, and you approve each one.</Text>
                  <Button onClick={() => create.mutate()} loading={create.isPending}>
                    Set up Autopilot
                  </Button>
                  <ErrorText error={create.error} />
                </Stack>
              );
            }
            return children(workspace, answer);
          }}
        </QueryState>
      )}
    </Stack>
  );
}
