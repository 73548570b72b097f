import { Badge, Button, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { graph } from "../../shared/api.ts";
import { ErrorText, QueryState } from "../../shared/page.tsx";
import { useSession } from "../../shared/session.tsx";
import { AutopilotFrame } from "./AutopilotFrame.tsx";
import { formatWhen } from "./words.ts";
import type { LogEntry, Workspace } from "./wire.ts";

const STATE_WORDS: Record<string, { label: string; color: string }> = {
  CONFIRMED: { label: "done", color: "green" },
  REJECTED: { label: "refused by the Graph", color: "red" },
  UNKNOWN: { label: "being checked", color: "yellow" },
  refused: { label: "held back", color: "orange" },
  declined: { label: "rejected by you", color: "gray" },
  expired: { label: "expired", color: "gray" },
  pending_approval: { label: "waiting for approval", color: "blue" },
  approved: { label: "approved", color: "blue" },
  executing: { label: "in progress", color: "blue" },
};

function UndoButton({ entry, workspace }: { entry: LogEntry; workspace: Workspace }) {
  const queryClient = useQueryClient();
  // The undo is a new action: the refreshed log shows how it went.
  const undo = useMutation({
    mutationFn: () => graph.post<{ state: string; text: string }>(`/autopilot/actions/${entry.id}/undo`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["autopilot", workspace.id] }),
  });
  return (
    <>
      <Button size="xs" variant="default" onClick={() => undo.mutate()} loading={undo.isPending} aria-describedby={`entry-${entry.id}`}>
        Undo
      </Button>
      <ErrorText error={undo.error} />
    </>
  );
}

/** Who approved, in words: "you" for the signed-in person, "Autopilot" for automatic changes. */
function useWhoSays(): (who: string | null) => string {
  const { session } = useSession();
  return (who) => {
    if (!who) return "—";
    if (who === "autopilot") return "Autopilot (automatic)";
    if (session && who === `person:${session.person.id}`) return `${session.person.name} (you)`;
    return who.replace(/^person:/, "person ").replace(/^system_user:/, "system user ");
  };
}

function ActionLog({ workspace }: { workspace: Workspace }) {
  const log = useQuery({ queryKey: ["autopilot", workspace.id, "log"], queryFn: () => graph.get<{ data: LogEntry[] }>(`/autopilot/workspaces/${workspace.id}/log`, { limit: 100 }) });
  const whoSays = useWhoSays();
  return (
    <section aria-labelledby="log-heading">
      <Title order={3} size="h4" id="log-heading" mb="xs">
        Action log
      </Title>
      <QueryState query={log} label="action log" empty="Autopilot has not done or proposed anything yet." isEmpty={(d) => d.data.length === 0}>
        {(answer) => (
          <div className="table-scroll" tabIndex={0}>
            <Table aria-label="Action log" data-testid="action-log" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">When</Table.Th>
                  <Table.Th scope="col">What happened</Table.Th>
                  <Table.Th scope="col">Old → new</Table.Th>
                  <Table.Th scope="col">Approved by</Table.Th>
                  <Table.Th scope="col">Undo</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {answer.data.map((entry) => {
                  const state = STATE_WORDS[entry.state] ?? { label: entry.state, color: "gray" };
                  const change = entry.rule_history.results[0]?.actions[0];
                  return (
                    <Table.Tr key={entry.id}>
                      <Table.Td style={{ whiteSpace: "nowrap" }}>{formatWhen(entry.time)}</Table.Td>
                      <Table.Td>
                        <Badge color={state.color} variant="light" autoContrast mb={4}>
                          {state.label}
                        </Badge>
                        <Text size="sm" id={`entry-${entry.id}`}>
                          {entry.text}
                        </Text>
                      </Table.Td>
                      <Table.Td className="mono">{change ? `${change.field}: ${change.old_value ?? "—"} → ${change.new_value}` : "—"}</Table.Td>
                      <Table.Td>{whoSays(entry.approved_by)}</Table.Td>
                      <Table.Td>{entry.can_undo ? <UndoButton entry={entry} workspace={workspace} /> : "—"}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

interface AutopilotAlert {
  id: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  created_at: number;
}

const SEVERITY_COLOR: Record<string, string> = { critical: "red", warning: "orange", info: "blue" };

function Alerts({ workspace }: { workspace: Workspace }) {
  const alerts = useQuery({ queryKey: ["autopilot", workspace.id, "alerts"], queryFn: () => graph.get<{ data: AutopilotAlert[] }>(`/autopilot/workspaces/${workspace.id}/alerts`) });
  return (
    <section aria-labelledby="alerts-heading">
      <Title order={3} size="h4" id="alerts-heading" mb="xs">
        Alerts
      </Title>
      <QueryState query={alerts} label="alerts" empty="No alerts: no spend spike, disapproved ad, failing page or expiring token." isEmpty={(d) => d.data.length === 0}>
        {(answer) => (
          <Stack gap="sm">
            {answer.data.map((alert) => (
              <article key={alert.id} aria-labelledby={`alert-${alert.id}`}>
                <Badge color={SEVERITY_COLOR[alert.severity] ?? "gray"} variant="light" autoContrast>
                  {alert.severity}
                </Badge>{" "}
                <Text component="h4" fw={600} display="inline" id={`alert-${alert.id}`}>
                  {alert.title}
                </Text>
                <Text size="sm">{alert.body}</Text>
                <Text size="xs" c="dimmed">
                  {formatWhen(alert.created_at)}
                </Text>
              </article>
            ))}
          </Stack>
        )}
      </QueryState>
    </section>
  );
}

/** Everything Autopilot did, proposed or held back, in plain language with old and new values; and its alerts. */
export function AutopilotLogPage() {
  return (
    <AutopilotFrame title="Autopilot action log" description="Every change, who or what approved it, and undo where the old value is known.">
      {(workspace) => (
        <Stack gap="xl">
          <ActionLog workspace={workspace} />
          <Alerts workspace={workspace} />
        </Stack>
      )}
    </AutopilotFrame>
  );
}
