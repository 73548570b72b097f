import { Alert, Badge, Button, Card, Code, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage, graph } from "../../shared/api.ts";
import { formatTime } from "../../shared/format.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { CopyValue } from "../../shared/CopyValue.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";

interface Channel {
  id: string;
  kind: string;
  name: string;
  destination: string;
  min_severity: string;
  quiet_hours: string | null;
  time_zone: string;
}

interface AlertRow {
  id: string;
  kind: string;
  severity: string;
  title: string;
  body?: string;
  created_time?: string;
  deliveries: { id: string; channel_id: string; status: string; held_reason: string | null; last_error: string | null }[];
}

const SEVERITY_COLORS: Record<string, string> = { info: "blue", warning: "yellow", critical: "red" };
const KINDS = [
  { value: "slack", label: "Slack" },
  { value: "email", label: "Email" },
  { value: "whatsapp", label: "WhatsApp" },
  { value: "webhook", label: "Webhook" },
];

/** The fields each kind of channel needs, as the hub's alert_channels edge names them. */
const FIELDS: Record<string, { name: string; label: string; description?: string; placeholder?: string }[]> = {
  slack: [{ name: "url", label: "Slack incoming-webhook URL", placeholder: "https://hooks.slack.com/services/…" }],
  email: [{ name: "to", label: "Email addresses", description: "Separate several with commas.", placeholder: "security@acme.example" }],
  whatsapp: [
    { name: "to", label: "Recipient's phone number", placeholder: "+33612345678" },
    { name: "phone_number_id", label: "WhatsApp phone number ID" },
    { name: "token", label: "WhatsApp Cloud API access token" },
    { name: "template", label: "Message template (optional)", description: "Needed to message people who have not written in the last 24 hours." },
  ],
  webhook: [{ name: "url", label: "Webhook URL", description: "Each call is signed; the signing secret is shown once after adding." }],
};

function AddChannel({ businessId, channelsKey }: { businessId: string; channelsKey: unknown[] }) {
  const [kind, setKind] = useState<string | null>("slack");
  const [name, setName] = useState("");
  const [minSeverity, setMinSeverity] = useState<string | null>("warning");
  const [values, setValues] = useState<Record<string, string>>({});
  const add = useGraphMutation(
    () => {
      const fields = Object.fromEntries((FIELDS[kind ?? "slack"] ?? []).map((f) => [f.name, values[f.name]?.trim() || undefined]));
      if (kind === "email" && fields.to) fields.to = JSON.stringify(fields.to.split(",").map((a) => a.trim()).filter(Boolean));
      return graph.post<{ id: string; signing_secret?: string }>(`/${businessId}/alert_channels`, { kind, name: name || undefined, min_severity: minSeverity, ...fields });
    },
    {
      invalidate: [channelsKey],
      onSuccess: () => {
        setValues({});
        setName("");
      },
    },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <Card withBorder mb="md">
      <form onSubmit={submit} aria-labelledby="add-channel-title">
        <Title order={4} size="h5" id="add-channel-title" mb="sm">
          Add a channel
        </Title>
        <Stack gap="sm">
          <Group align="flex-start" wrap="wrap">
            <Select label="Kind" data={KINDS} value={kind} onChange={(v) => { setKind(v); setValues({}); }} allowDeselect={false} w={{ base: "100%", sm: 160 }} />
            <TextInput label="Name" placeholder="Security on-call" value={name} onChange={(e) => setName(e.currentTarget.value)} w={{ base: "100%", sm: 220 }} />
            <Select
              label="Send alerts from"
              data={[
                { value: "info", label: "Info and up" },
                { value: "warning", label: "Warnings and up" },
                { value: "critical", label: "Critical only" },
              ]}
              value={minSeverity}
              onChange={setMinSeverity}
              allowDeselect={false}
              w={{ base: "100%", sm: 180 }}
            />
          </Group>
          <Group align="flex-start" wrap="wrap">
            {(FIELDS[kind ?? "slack"] ?? []).map((f) => (
              <TextInput
                key={`${kind}-${f.name}`}
                label={f.label}
                description={f.description}
                placeholder={f.placeholder}
                value={values[f.name] ?? ""}
                onChange={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
                required={!f.label.includes("optional")}
                type={f.name === "token" ? "password" : "text"}
                autoComplete="off"
                w={{ base: "100%", sm: 320 }}
              />
            ))}
          </Group>
          {add.error && (
            <Alert color="red" role="alert">
              {errorMessage(add.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={add.isPending}>
              Add channel
            </Button>
          </Group>
          {add.data?.signing_secret && (
            <Alert color="yellow" title="Copy the signing secret now" role="status">
              <Text size="sm" mb="xs">
                Your endpoint checks each call's signature with it. It is shown once.
              </Text>
              <Group wrap="nowrap" align="flex-start">
                <Code block style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
                  {add.data.signing_secret}
                </Code>
                <CopyValue value={add.data.signing_secret} label="signing secret" />
              </Group>
            </Alert>
          )}
        </Stack>
      </form>
    </Card>
  );
}

function Channels({ businessId }: { businessId: string }) {
  const key = ["alert-channels", businessId];
  const channels = useQuery({ queryKey: key, queryFn: () => graph.all<Channel>(`/${businessId}/alert_channels`) });
  const test = useGraphMutation((channel: Channel) => graph.post<{ success: boolean; status: string; error?: string }>(`/${businessId}/alert_channel_tests`, { channel_id: channel.id }), { invalidate: [] });
  return (
    <Section title="Channels">
      <AddChannel businessId={businessId} channelsKey={key} />
      {test.data && test.variables && (
        <Alert color={test.data.success ? "green" : "red"} role="status" mb="md" title={test.data.success ? `Test message sent to ${test.variables.name}` : `The test to ${test.variables.name} failed`} data-testid="channel-test-result">
          {test.data.success ? `Delivered (${test.data.status}).` : `${test.data.status}: ${test.data.error ?? "no answer"}`}
        </Alert>
      )}
      <ErrorText error={test.error} />
      <QueryState query={channels} label="alert channels" empty="No channel yet: alerts are only listed here." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label="Alert channels"
            rows={rows}
            rowKey={(c) => c.id}
            columns={[
              { header: "Name", cell: (c) => c.name },
              { header: "Kind", cell: (c) => KINDS.find((k) => k.value === c.kind)?.label ?? c.kind },
              { header: "Sends to", cell: (c) => <Text size="sm" style={{ wordBreak: "break-all" }}>{c.destination}</Text> },
              { header: "From severity", cell: (c) => c.min_severity },
              {
                header: "Actions",
                cell: (c) => (
                  <Group gap="xs" wrap="nowrap">
                    <Button size="xs" variant="light" onClick={() => test.mutate(c)} loading={test.isPending && test.variables?.id === c.id} aria-label={`Send a test to ${c.name}`}>
                      Test
                    </Button>
                    <ConfirmAction
                      kind="alert-channel"
                      label="Remove"
                      ariaLabel={`Remove ${c.name}`}
                      title={`Remove the alert channel ${c.name}?`}
                      description={`Alerts stop going to ${c.destination}. They are still listed here.`}
                      confirmLabel={`Remove ${c.name}`}
                      onConfirm={() => graph.delete(`/${businessId}/alert_channels`, { channel_id: c.id })}
                      invalidate={[key]}
                    />
                  </Group>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Section>
  );
}

/** Security center → Alerts: what was raised and where it went, and the channels alerts go to. */
export function AlertsPage() {
  const { businessId } = useBusiness();
  const alerts = useQuery({ queryKey: ["alerts", businessId], queryFn: () => graph.get<{ data: AlertRow[] }>(`/${businessId}/alerts`, { fields: "id,kind,severity,title,body,created_time,deliveries", limit: 100 }) });
  return (
    <>
      <PageTitle description="Security alerts (new partners, removed admins, risky apps) and Autopilot's, and the channels that carry them.">Alerts</PageTitle>
      <Stack gap="xl">
        <Section title="Latest alerts">
          <QueryState query={alerts} label="alerts" empty="No alert yet." isEmpty={(d) => d.data.length === 0}>
            {({ data }) => (
              <DataTable
                label="Latest alerts"
                rows={data}
                rowKey={(a) => a.id}
                columns={[
                  { header: "When", cell: (a) => formatTime(a.created_time) },
                  {
                    header: "Severity",
                    cell: (a) => (
                      <Badge color={SEVERITY_COLORS[a.severity] ?? "gray"} variant="light" autoContrast>
                        {a.severity}
                      </Badge>
                    ),
                  },
                  {
                    header: "Alert",
                    cell: (a) => (
                      <>
                        <Text size="sm" fw={600}>
                          {a.title}
                        </Text>
                        {a.body && <Text size="xs">{a.body}</Text>}
                      </>
                    ),
                  },
                  { header: "Delivery", cell: (a) => <Text size="xs">{a.deliveries.map((d) => `${d.status.toLowerCase()}${d.held_reason ? ` (${d.held_reason})` : ""}${d.last_error ? ` (${d.last_error})` : ""}`).join(", ") || "not sent"}</Text> },
                ]}
              />
            )}
          </QueryState>
        </Section>
        <Channels businessId={businessId} />
      </Stack>
    </>
  );
}
