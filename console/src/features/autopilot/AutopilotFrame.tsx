import { Alert, Button, Group, Stack, Text, type AlertProps } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { NavLink as RouterLink, useLocation } from "react-router";
import { graph } from "../../shared/api.ts";
import { ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import type { Workspace, WorkspacesAnswer } from "./wire.ts";
import { useWorkspaces, workspacesKey } from "./workspaces.ts";

/** A Mantine Alert whose title keeps the body's near-black text, so every tint stays readable. */
export function Notice(props: AlertProps & { "data-testid"?: string }) {
  return <Alert {...props} styles={{ title: { color: "var(--mantine-color-text)" } }} />;
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
