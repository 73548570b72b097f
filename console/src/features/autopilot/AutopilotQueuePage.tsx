import { Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { graph } from "../../shared/api.ts";
import { ErrorText, QueryState } from "../../shared/page.tsx";
import { AutopilotFrame, Notice } from "./AutopilotFrame.tsx";
import { formatWhen } from "./words.ts";
import type { LogEntry, Workspace } from "./wire.ts";

function evidenceValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const words = (key: string) => key.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

function Proposal({ entry, workspace }: { entry: LogEntry; workspace: Workspace }) {
  const queryClient = useQueryClient();
  const decide = useMutation({
    mutationFn: (decision: "approve" | "reject") => graph.post<{ id: string; state: string; text: string }>(`/autopilot/actions/${entry.id}/${decision}`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["autopilot", workspace.id] }),
  });
  const evidence = Object.entries(entry.evidence);
  return (
    <Card withBorder component="article" aria-labelledby={`proposal-${entry.id}`} data-testid="proposal">
      <Stack gap="xs">
        <Title order={3} size="h5" id={`proposal-${entry.id}`}>
          {entry.text.endsWith(`: ${entry.reason}`) ? entry.text.slice(0, -(entry.reason.length + 2)) : entry.text}
        </Title>
        <Text size="sm">
          <strong>Why:</strong> {entry.reason}
        </Text>
        <Text size="sm">
          <strong>Expected impact:</strong> {entry.expected_effect}
        </Text>
        {evidence.length > 0 && (
          <Table aria-label={`Evidence for: ${entry.text}`} withTableBorder fz="sm">
            <Table.Tbody>
              {evidence.map(([key, value]) => (
                <Table.Tr key={key}>
                  <Table.Th scope="row" w="40%">
                    {words(key)}
                  </Table.Th>
                  <Table.Td>{evidenceValue(value)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Text size="xs" c="dimmed">
          Proposed {formatWhen(entry.time)} by {entry.source === "text" ? "your text command" : entry.source === "monitor" ? "a monitor" : "Autopilot"}. It expires if the data changes before you decide.
        </Text>
        <Group>
          <Button aria-describedby={`proposal-${entry.id}`} onClick={() => decide.mutate("approve")} loading={decide.isPending && decide.variables === "approve"} disabled={decide.isPending}>
            Approve
          </Button>
          <Button aria-describedby={`proposal-${entry.id}`} variant="default" onClick={() => decide.mutate("reject")} loading={decide.isPending && decide.variables === "reject"} disabled={decide.isPending}>
            Reject
          </Button>
        </Group>
        <ErrorText error={decide.error} />
      </Stack>
    </Card>
  );
}

function Queue({ workspace }: { workspace: Workspace }) {
  const queue = useQuery({ queryKey: ["autopilot", workspace.id, "queue"], queryFn: () => graph.get<{ data: LogEntry[] }>(`/autopilot/workspaces/${workspace.id}/queue`) });
  return (
    <Stack>
      {workspace.kill_switch && (
        <Notice color="red" title="The kill switch is on">
          While it is on, an approved change is held back and logged, not written. Turn it off on the Overview first.
        </Notice>
      )}
      <QueryState query={queue} label="approval queue" empty="Nothing is waiting for your approval." isEmpty={(d) => d.data.length === 0}>
        {(answer) => (
          <Stack>
            {answer.data.map((entry) => (
              <Proposal key={entry.id} entry={entry} workspace={workspace} />
            ))}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}

/** The approval queue: each proposal with its reason, evidence and expected impact; approve or reject. */
export function AutopilotQueuePage() {
  return (
    <AutopilotFrame title="Autopilot approvals" description="In semi-auto mode every change waits here for you. Approved changes are applied at once, within your guardrails.">
      {(workspace) => <Queue workspace={workspace} />}
    </AutopilotFrame>
  );
}
