import { Alert, List, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { graph, type RemovalVerification } from "../api.ts";
import { ConnectedAppsTable, type AppConnection } from "../components/ConnectedApps.tsx";
import { ErrorText, PageTitle, QueryState, useBusiness, useGraphMutation } from "../components/common.tsx";

interface BusinessRemoval {
  success: boolean;
  grants_changed: number;
  verified: boolean;
  remaining: AppConnection[];
}

function RemovalResult({ name, verified, detail }: { name: string; verified: boolean; detail: string }) {
  return (
    <Alert color={verified ? "green" : "red"} role="status" title={verified ? `${name} no longer has access` : `${name} still has access`} mb="md" data-testid="app-removal-result">
      {detail}
    </Alert>
  );
}

/** Business Settings → Apps: every app reaching this business's assets, and taking one away (admins). */
export function AppsPage() {
  const { businessId, isAdmin } = useBusiness();
  const apps = useQuery({ queryKey: ["connected-apps", businessId], queryFn: () => graph.all<AppConnection>(`/${businessId}/connected_apps`), enabled: isAdmin });
  const remove = useGraphMutation((row: AppConnection) => graph.delete<BusinessRemoval>(`/${businessId}/connected_apps`, { app_id: row.app.id }));

  return (
    <>
      <PageTitle description="Tools people connected to this business's assets through sign-in and consent: what each may do, on which assets, and who allowed it.">
        Apps and integrations
      </PageTitle>
      {!isAdmin ? (
        <Text c="dimmed">Only admins of this business can see and remove the apps connected to its assets. Your own connected apps are under Your account → Connected apps.</Text>
      ) : (
        <>
          {remove.data && remove.variables && (
            <RemovalResult
              name={remove.variables.app.name}
              verified={remove.data.verified}
              detail={
                remove.data.verified
                  ? `Removed from ${remove.data.grants_changed} connection(s). Checked: it reaches none of this business's assets, and tokens with nothing left to reach were revoked.`
                  : `It can still reach ${remove.data.remaining.flatMap((c) => c.assets.map((a) => a.name)).join(", ")}.`
              }
            />
          )}
          <ErrorText error={remove.error} />
          <QueryState query={apps} label="connected apps" empty="No app is connected to this business's assets." isEmpty={(d) => d.length === 0}>
            {(rows) => <ConnectedAppsTable label="Connected apps" rows={rows} remove={{ label: (c) => `Remove ${c.app.name}`, onRemove: (c) => remove.mutate(c), pending: remove.isPending }} />}
          </QueryState>
        </>
      )}
    </>
  );
}

/** Your account → Connected apps: the apps you connected yourself, and removing one. */
export function MyAppsPage() {
  const apps = useQuery({ queryKey: ["my-connected-apps"], queryFn: () => graph.all<AppConnection>("/me/connected_apps") });
  const remove = useGraphMutation((row: AppConnection) => graph.delete<{ success: boolean; verification: RemovalVerification }>("/me/connected_apps", { grant_id: row.id }));
  const verification = remove.data?.verification;
  return (
    <>
      <PageTitle description="Apps you allowed to act for you. Removing one ends every token it holds at once.">Connected apps</PageTitle>
      {verification && remove.variables && (
        <RemovalResult
          name={remove.variables.app.name}
          verified={verification.verified}
          detail={verification.summary}
        />
      )}
      {verification && !verification.verified && (
        <List size="sm" mb="md">
          {verification.remaining.map((r, i) => (
            <List.Item key={i}>{r.path}</List.Item>
          ))}
        </List>
      )}
      <ErrorText error={remove.error} />
      <QueryState query={apps} label="your connected apps" empty="You have not connected any app." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <ConnectedAppsTable label="Your connected apps" rows={rows} showGrantedBy={false} remove={{ label: (c) => `Remove ${c.app.name}`, onRemove: (c) => remove.mutate(c), pending: remove.isPending }} />
        )}
      </QueryState>
    </>
  );
}
