import { Alert, List, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { graph } from "../../shared/api.ts";
import type { RemovalVerification } from "../../shared/wire.ts";
import { ConnectedAppsTable, type AppConnection } from "../../shared/ConnectedApps.tsx";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { PageTitle, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";

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
  const [removed, setRemoved] = useState<{ name: string; answer: BusinessRemoval } | null>(null);

  return (
    <>
      <PageTitle description="Tools people connected to this business's assets through sign-in and consent: what each may do, on which assets, and who allowed it.">
        Apps and integrations
      </PageTitle>
      {!isAdmin ? (
        <Text c="dimmed">Only admins of this business can see and remove the apps connected to its assets. Your own connected apps are under Your account → Connected apps.</Text>
      ) : (
        <>
          {removed && (
            <RemovalResult
              name={removed.name}
              verified={removed.answer.verified}
              detail={
                removed.answer.verified
                  ? `Removed from ${removed.answer.grants_changed} ${removed.answer.grants_changed === 1 ? "connection" : "connections"}. Checked: it reaches none of this business's assets, and tokens with nothing left to reach were revoked.`
                  : `It can still reach ${removed.answer.remaining.flatMap((c) => c.assets.map((a) => a.name)).join(", ")}.`
              }
            />
          )}
          <QueryState query={apps} label="connected apps" empty="No app is connected to this business's assets." isEmpty={(d) => d.length === 0}>
            {(rows) => (
              <ConnectedAppsTable
                label="Connected apps"
                rows={rows}
                remove={(c) => (
                  <ConfirmAction
                    kind="app"
                    label={`Remove ${c.app.name}`}
                    buttonProps={{ variant: "outline" }}
                    title={`Remove ${c.app.name} from this business's assets?`}
                    impact={{ node: businessId, params: { change: "app", app: c.app.id } }}
                    confirmLabel={`Remove ${c.app.name}`}
                    onConfirm={() => graph.delete<BusinessRemoval>(`/${businessId}/connected_apps`, { app_id: c.app.id })}
                    onDone={(answer) => setRemoved({ name: c.app.name, answer: answer as BusinessRemoval })}
                  />
                )}
              />
            )}
          </QueryState>
        </>
      )}
    </>
  );
}

/** Your account → Connected apps: the apps you connected yourself, and removing one. */
export function MyAppsPage() {
  const apps = useQuery({ queryKey: ["my-connected-apps"], queryFn: () => graph.all<AppConnection>("/me/connected_apps") });
  const [removed, setRemoved] = useState<{ name: string; verification: RemovalVerification } | null>(null);
  const verification = removed?.verification;
  return (
    <>
      <PageTitle description="Apps you allowed to act for you. Removing one ends every token it holds at once.">Connected apps</PageTitle>
      {verification && removed && (
        <RemovalResult
          name={removed.name}
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
      <QueryState query={apps} label="your connected apps" empty="You have not connected any app." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <ConnectedAppsTable
            label="Your connected apps"
            rows={rows}
            showGrantedBy={false}
            remove={(c) => (
              <ConfirmAction
                kind="app"
                label={`Remove ${c.app.name}`}
                buttonProps={{ variant: "outline" }}
                title={`Remove ${c.app.name}?`}
                impact={{ node: "me", params: { change: "grant", grant: c.id } }}
                confirmLabel={`Remove ${c.app.name}`}
                onConfirm={() => graph.delete<{ success: boolean; verification: RemovalVerification }>("/me/connected_apps", { grant_id: c.id })}
                onDone={(answer) => setRemoved({ name: c.app.name, verification: (answer as { verification: RemovalVerification }).verification })}
              />
            )}
          />
        )}
      </QueryState>
    </>
  );
}
