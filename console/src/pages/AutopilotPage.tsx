import { Badge, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { graph } from "../api.ts";
import { ErrorText, useBusiness } from "../components/common.tsx";
import { AutopilotFrame, formatWhen, workspacesKey, type Connection, type LogEntry, type Workspace, type WorkspacesAnswer, Notice } from "./AutopilotCommon.tsx";

const AutopilotCharts = lazy(() => import("./AutopilotCharts.tsx"));

/** Sends the browser to the hub's consent page; the callback brings it back here. */
function ConnectButton({ workspace, configured }: { workspace: Workspace; configured: boolean }) {
  const { businessId } = useBusiness();
  const start = useMutation({
    mutationFn: () => graph.post<{ authorization_url: string }>(`/autopilot/workspaces/${workspace.id}/connect`, { return_to: `/console/b/${businessId}/autopilot` }),
    onSuccess: (answer) => window.location.assign(answer.authorization_url),
  });
  if (!configured) {
    return (
      <Notice color="yellow" title="Autopilot is not registered yet">
        Autopilot connects as an app of its own business. An operator registers it once with <code>grantline autopilot register</code> (the demo does it).
      </Notice>
    );
  }
  return (
    <Stack gap={4} align="flex-start">
      <Button onClick={() => start.mutate()} loading={start.isPending}>
        Connect ad accounts
      </Button>
      <Text size="sm" c="dimmed">
        You choose on Grantline's consent page which ad accounts (and pixel or catalog) Autopilot may use; it gets nothing else.
      </Text>
      <ErrorText error={start.error} />
    </Stack>
  );
}

function ConnectionsTable({ connections }: { connections: Connection[] }) {
  if (connections.length === 0) return <Text c="dimmed">No ad account is connected yet.</Text>;
  return (
    <div className="table-scroll" tabIndex={0}>
      <Table aria-label="Connected ad accounts" data-testid="autopilot-connections">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Ad account</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Pixel / catalog</Table.Th>
            <Table.Th scope="col">Token expires</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {connections.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td className="mono">{c.ad_account_id}</Table.Td>
              <Table.Td>
                <Badge color={c.status === "active" ? "green" : "red"} variant="light" autoContrast>
                  {c.status === "active" ? "connected" : "needs attention"}
                </Badge>
                {c.attention?.message && (
                  <Text size="xs" c="red.9">
                    {c.attention.message}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{[c.pixel_id && `Pixel ${c.pixel_id}`, c.catalog_id && `Catalog ${c.catalog_id}`].filter(Boolean).join(", ") || "—"}</Table.Td>
              <Table.Td>{c.token_expires_at ? formatWhen(c.token_expires_at) : "never"}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** The kill switch, behind a confirmation. */
function KillSwitch({ workspace }: { workspace: Workspace }) {
  const { businessId } = useBusiness();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const turnOn = !workspace.kill_switch;
  const toggle = useMutation({
    mutationFn: () => graph.post<Workspace>(`/autopilot/workspaces/${workspace.id}/kill_switch`, { on: turnOn }),
    onSuccess: async () => {
      close();
      await queryClient.invalidateQueries({ queryKey: workspacesKey(businessId) });
    },
  });
  return (
    <section aria-labelledby="kill-heading">
      <Title order={3} size="h4" id="kill-heading" mb="xs">
        Kill switch
      </Title>
      {workspace.kill_switch ? (
        <Notice color="red" title="The kill switch is on" mb="sm" data-testid="kill-switch-on">
          Autopilot writes nothing — no automatic change and no approved one — until you turn it off.
        </Notice>
      ) : (
        <Text size="sm" mb="sm">
          Stops every automated and approved change at once. Proposals stay in the queue.
        </Text>
      )}
      <Button color={turnOn ? "red.9" : "teal.9"} onClick={open}>
        {turnOn ? "Stop all automated actions" : "Turn the kill switch off"}
      </Button>
      <Modal opened={opened} onClose={close} title={turnOn ? "Stop all automated actions?" : "Let Autopilot act again?"} centered closeButtonProps={{ "aria-label": "Close" }}>
        <Text mb="md">{turnOn ? "Autopilot will not change anything in your ad accounts until you turn the kill switch off." : "Approved changes and, in autopilot mode, automatic ones will be written again, within your guardrails."}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color={turnOn ? "red.9" : "teal.9"} onClick={() => toggle.mutate()} loading={toggle.isPending}>
            {turnOn ? "Yes, stop everything" : "Yes, turn it off"}
          </Button>
        </Group>
        <ErrorText error={toggle.error} />
      </Modal>
    </section>
  );
}

type CommandAnswer = { kind: "answer"; text: string } | { kind: "proposal"; text: string; proposals: LogEntry[]; skipped: string[] };

/** "raise Lookalike budget by 15%", "how much did we spend yesterday?": answers, or proposals for the queue. */
function CommandBox({ workspace }: { workspace: Workspace }) {
  const [text, setText] = useState("");
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: (value: string) => graph.post<CommandAnswer>(`/autopilot/workspaces/${workspace.id}/commands`, { text: value }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["autopilot", workspace.id] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) run.mutate(text.trim());
  };
  return (
    <section aria-labelledby="command-heading">
      <Title order={3} size="h4" id="command-heading" mb="xs">
        Ask or tell Autopilot
      </Title>
      <form onSubmit={submit}>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Command or question"
            description='For example "pause ads in Summer Sale with CPA over $40" or "how much did we spend yesterday?"'
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            style={{ flex: 1, minWidth: 240 }}
            error={run.error ? (run.error as Error).message : undefined}
          />
          <Button type="submit" loading={run.isPending}>
            Send
          </Button>
        </Group>
      </form>
      {run.data && (
        <Notice color={run.data.kind === "proposal" ? "blue" : "gray"} mt="sm" data-testid="command-answer">
          <Text>{run.data.text}</Text>
          {run.data.kind === "proposal" && run.data.proposals.length > 0 && <Text size="sm">Nothing changes until you approve it under Approvals.</Text>}
        </Notice>
      )}
    </section>
  );
}

function ConnectNotice() {
  const [params, setParams] = useSearchParams();
  const connected = params.get("connected");
  const error = params.get("connect_error");
  if (!connected && !error) return null;
  const dismiss = () => {
    params.delete("connected");
    params.delete("connect_error");
    setParams(params, { replace: true });
  };
  return error ? (
    <Notice color="red" title="Autopilot could not connect" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={dismiss} mb="md">
      {error}
    </Notice>
  ) : (
    <Notice color="green" title="Connected" withCloseButton closeButtonLabel="Dismiss" onClose={dismiss} mb="md" data-testid="connect-result">
      Autopilot can now use {connected!.split(",").join(", ")}, and only what you chose.
    </Notice>
  );
}

function Overview({ workspace, answer }: { workspace: Workspace; answer: WorkspacesAnswer }) {
  return (
    <Stack gap="xl">
      <ConnectNotice />
      <section aria-labelledby="connections-heading">
        <Group justify="space-between" mb="xs">
          <Title order={3} size="h4" id="connections-heading">
            Connected ad accounts
          </Title>
          <Badge variant="light" color={workspace.mode === "autopilot" ? "indigo" : "gray"} autoContrast>
            Mode: {workspace.mode === "autopilot" ? "autopilot" : "semi-auto"}
          </Badge>
        </Group>
        <Stack>
          <ConnectionsTable connections={workspace.connections} />
          <ConnectButton workspace={workspace} configured={answer.oauth_client.configured} />
        </Stack>
      </section>
      <KillSwitch workspace={workspace} />
      <CommandBox workspace={workspace} />
      {workspace.connections.length > 0 && (
        <Suspense fallback={<Text c="dimmed">Loading charts…</Text>}>
          <AutopilotCharts workspaceId={workspace.id} />
        </Suspense>
      )}
    </Stack>
  );
}

/** Autopilot's overview: connecting ad accounts through OAuth, the kill switch, text commands and the charts. */
export function AutopilotPage() {
  return (
    <AutopilotFrame title="Autopilot" description="A guarded media buyer that connects to your ad accounts as a partner app, with only the access you give it.">
      {(workspace, answer) => <Overview workspace={workspace} answer={answer} />}
    </AutopilotFrame>
  );
}
