import { Button, Checkbox, Group, NumberInput, Radio, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { graph, GraphError } from "../../shared/api.ts";
import { ErrorText, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { ACTION_KINDS } from "./words.ts";
import { AutopilotFrame, Notice } from "./AutopilotFrame.tsx";
import { workspacesKey } from "./workspaces.ts";
import type { AutopilotGuardrails, Workspace } from "./wire.ts";

type Num = number | string;
const num = (value: Num): number | undefined => (value === "" || value === undefined ? undefined : Number(value));
/** Caps are kept in minor units (cents); people type them in the account's currency. */
const toMinor = (value: Num) => (num(value) === undefined ? undefined : Math.round(num(value)! * 100));
const fromMinor = (value: number | undefined): Num => (value === undefined ? "" : value / 100);

const FIELD_OF: Record<string, string> = {
  cpaTarget: "cpaTarget",
  roasTarget: "roasTarget",
  dailyCap: "dailyCap",
  monthlyCap: "monthlyCap",
  maxStepPct: "maxStepPct",
  allowedActions: "allowedActions",
  quietHours: "quietHours",
};

/** "Invalid guardrails: maxStepPct Too small…" → the field it is about, so the message shows next to it. */
function fieldOfError(error: unknown): string | null {
  if (!(error instanceof GraphError)) return null;
  const match = /^Invalid guardrails: ([A-Za-z]+)/.exec(error.body.message);
  if (match && FIELD_OF[match[1]!]) return FIELD_OF[match[1]!]!;
  if (/daily or monthly cap/.test(error.body.message)) return "dailyCap";
  return null;
}

function GuardrailsForm({ workspace }: { workspace: Workspace }) {
  const { businessId } = useBusiness();
  const queryClient = useQueryClient();
  const g = workspace.guardrails;
  const [cpaTarget, setCpaTarget] = useState<Num>(g.cpaTarget ?? "");
  const [roasTarget, setRoasTarget] = useState<Num>(g.roasTarget ?? "");
  const [dailyCap, setDailyCap] = useState<Num>(fromMinor(g.dailyCap));
  const [monthlyCap, setMonthlyCap] = useState<Num>(fromMinor(g.monthlyCap));
  const [maxStepPct, setMaxStepPct] = useState<Num>(g.maxStepPct);
  const [allowed, setAllowed] = useState<string[]>(g.allowedActions);
  const [quiet, setQuiet] = useState(g.quietHours !== undefined);
  const [quietStart, setQuietStart] = useState<Num>(g.quietHours?.start ?? 22);
  const [quietEnd, setQuietEnd] = useState<Num>(g.quietHours?.end ?? 7);
  const save = useMutation({
    mutationFn: () => {
      const body: Partial<AutopilotGuardrails> = {
        cpaTarget: num(cpaTarget),
        roasTarget: num(roasTarget),
        dailyCap: toMinor(dailyCap),
        monthlyCap: toMinor(monthlyCap),
        maxStepPct: num(maxStepPct) ?? 20,
        maxBudgetChangesPerHour: g.maxBudgetChangesPerHour,
        cooldownMinutes: g.cooldownMinutes,
        allowedActions: allowed,
        quietHours: quiet ? { start: num(quietStart) ?? 0, end: num(quietEnd) ?? 0 } : undefined,
      };
      // The body is sent as JSON, so the nested guardrails object goes as it is.
      return graph.post<Workspace>(`/autopilot/workspaces/${workspace.id}/settings`, { guardrails: JSON.parse(JSON.stringify(body)) as never });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workspacesKey(businessId) }),
  });
  const errorField = fieldOfError(save.error);
  const errorAt = (field: string) => (errorField === field && save.error ? (save.error as Error).message : undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} aria-labelledby="guardrails-heading" noValidate>
      <Title order={3} size="h4" id="guardrails-heading" mb="xs">
        Targets and guardrails
      </Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput label="CPA target" description="Cost per purchase you aim for, in the account's currency" min={0} decimalScale={2} value={cpaTarget} onChange={setCpaTarget} error={errorAt("cpaTarget")} />
          <NumberInput label="ROAS target" description="Purchase value per unit spent, e.g. 3" min={0} decimalScale={2} value={roasTarget} onChange={setRoasTarget} error={errorAt("roasTarget")} />
          <NumberInput label="Daily cap" description="Most the account may spend a day (sum of ad set budgets)" min={0} decimalScale={2} value={dailyCap} onChange={setDailyCap} error={errorAt("dailyCap")} />
          <NumberInput label="Monthly cap" description="Most the account may spend in a calendar month" min={0} decimalScale={2} value={monthlyCap} onChange={setMonthlyCap} error={errorAt("monthlyCap")} />
          <NumberInput label="Maximum step (%)" description="Largest budget change of one ad set in one step" min={1} max={100} value={maxStepPct} onChange={setMaxStepPct} error={errorAt("maxStepPct")} />
        </SimpleGrid>
        <Checkbox.Group label="Actions Autopilot may take" value={allowed} onChange={setAllowed} error={errorAt("allowedActions")}>
          <Group mt="xs">
            {ACTION_KINDS.map((kind) => (
              <Checkbox key={kind.value} value={kind.value} label={kind.label} />
            ))}
          </Group>
        </Checkbox.Group>
        <Stack gap="xs">
          <Switch label="Quiet hours: no automatic change in these hours (UTC)" checked={quiet} onChange={(e) => setQuiet(e.currentTarget.checked)} />
          {quiet && (
            <Group>
              <NumberInput label="From hour" min={0} max={23} value={quietStart} onChange={setQuietStart} w={120} error={errorAt("quietHours")} />
              <NumberInput label="To hour" min={0} max={23} value={quietEnd} onChange={setQuietEnd} w={120} />
            </Group>
          )}
        </Stack>
        {save.error && !errorField && <ErrorText error={save.error} />}
        {save.isSuccess && !save.isPending && (
          <Text c="teal.9" role="status">
            Guardrails saved.
          </Text>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save guardrails
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ModeForm({ workspace }: { workspace: Workspace }) {
  const { businessId } = useBusiness();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<string>(workspace.mode);
  const save = useMutation({
    mutationFn: () => graph.post<Workspace>(`/autopilot/workspaces/${workspace.id}/settings`, { mode }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workspacesKey(businessId) }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} aria-labelledby="mode-heading">
      <Title order={3} size="h4" id="mode-heading" mb="xs">
        Mode
      </Title>
      <Stack>
        <Radio.Group
          label="How Autopilot acts"
          value={mode}
          onChange={(value) => {
            setMode(value);
            save.reset();
          }}
          error={save.error ? (save.error as Error).message : undefined}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="semi_auto" label="Semi-auto: Autopilot proposes, you approve each change" />
            <Radio value="autopilot" label="Autopilot: changes are applied within your guardrails (needs a daily or monthly cap)" />
          </Stack>
        </Radio.Group>
        {save.isSuccess && !save.isPending && (
          <Text c="teal.9" role="status">
            Mode saved: {save.data.mode === "autopilot" ? "autopilot" : "semi-auto"}.
          </Text>
        )}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={mode === workspace.mode && !save.isError}>
            Save mode
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface Channel {
  id: string;
  kind: string;
  name: string;
  destination?: string;
  min_severity?: string;
}

const CHANNEL_KINDS = [
  { value: "slack", label: "Slack (incoming webhook)" },
  { value: "email", label: "Email" },
  { value: "whatsapp", label: "WhatsApp (Cloud API)" },
  { value: "webhook", label: "Signed webhook" },
];

/** The business's alert channels: where Autopilot's (and the hub's security) alerts are sent. */
function Channels() {
  const { businessId } = useBusiness();
  const queryClient = useQueryClient();
  const key = ["alert-channels", businessId];
  const channels = useQuery({ queryKey: key, queryFn: () => graph.all<Channel>(`/${businessId}/alert_channels`) });
  const [kind, setKind] = useState<string | null>("slack");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [to, setTo] = useState("");
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [token, setToken] = useState("");
  const add = useMutation({
    mutationFn: () =>
      graph.post<{ id: string; signing_secret?: string }>(`/${businessId}/alert_channels`, {
        kind,
        name: name || undefined,
        url: kind === "slack" || kind === "webhook" ? url : undefined,
        to: kind === "email" || kind === "whatsapp" ? to : undefined,
        phone_number_id: kind === "whatsapp" ? phoneNumberId : undefined,
        token: kind === "whatsapp" ? token : undefined,
      }),
    onSuccess: async () => {
      setName("");
      setUrl("");
      setTo("");
      setToken("");
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const test = useMutation({ mutationFn: (id: string) => graph.post<{ success: boolean; error?: string }>(`/${businessId}/alert_channel_tests`, { channel_id: id }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section aria-labelledby="channels-heading">
      <Title order={3} size="h4" id="channels-heading" mb="xs">
        Notification channels
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Alerts (spend spikes, disapproved ads, failing landing pages, expiring tokens) go to every channel of the business, deduplicated and rate-limited.
      </Text>
      <QueryState query={channels} label="notification channels" empty="No channel yet: alerts are only shown here." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <div className="table-scroll" tabIndex={0}>
            <Table aria-label="Notification channels">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Kind</Table.Th>
                  <Table.Th scope="col">Destination</Table.Th>
                  <Table.Th scope="col">Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{c.name}</Table.Td>
                    <Table.Td>{c.kind}</Table.Td>
                    <Table.Td className="mono">{c.destination ?? "—"}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => test.mutate(c.id)} aria-label={`Send a test to ${c.name}`}>
                          Test
                        </Button>
                        <ConfirmAction
                          kind="alert-channel"
                          label="Remove"
                          ariaLabel={`Remove ${c.name}`}
                          buttonProps={{ variant: "default" }}
                          title={`Remove the alert channel ${c.name}?`}
                          description="Autopilot's alerts stop going there."
                          confirmLabel={`Remove ${c.name}`}
                          onConfirm={() => graph.delete(`/${businessId}/alert_channels`, { channel_id: c.id })}
                          invalidate={[key]}
                        />
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </QueryState>
      {test.data && (
        <Notice color={test.data.success ? "green" : "red"} mt="sm">
          {test.data.success ? "The test message was delivered." : `The test failed: ${test.data.error ?? "no answer"}`}
        </Notice>
      )}
      <ErrorText error={test.error} />
      <form onSubmit={submit} aria-label="Add a notification channel">
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="md">
          <Select label="Kind" data={CHANNEL_KINDS} value={kind} onChange={setKind} allowDeselect={false} />
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} placeholder="e.g. #ads-alerts" />
          {(kind === "slack" || kind === "webhook") && <TextInput label={kind === "slack" ? "Slack incoming-webhook URL" : "Receiver URL"} value={url} onChange={(e) => setUrl(e.currentTarget.value)} required />}
          {(kind === "email" || kind === "whatsapp") && <TextInput label={kind === "email" ? "Email addresses (comma-separated)" : "Recipient phone number"} value={to} onChange={(e) => setTo(e.currentTarget.value)} required />}
          {kind === "whatsapp" && (
            <>
              <TextInput label="Phone number ID" value={phoneNumberId} onChange={(e) => setPhoneNumberId(e.currentTarget.value)} required />
              <TextInput label="Cloud API access token" type="password" value={token} onChange={(e) => setToken(e.currentTarget.value)} required />
            </>
          )}
        </SimpleGrid>
        {add.data?.signing_secret && (
          <Notice color="blue" mt="sm" title="Signing secret (shown once)">
            <span className="mono">{add.data.signing_secret}</span>
          </Notice>
        )}
        <ErrorText error={add.error} />
        <Button type="submit" mt="sm" loading={add.isPending}>
          Add channel
        </Button>
      </form>
    </section>
  );
}

/** Targets, caps, step, allowed actions, quiet hours, the mode, and where alerts go. */
export function AutopilotSettingsPage() {
  return (
    <AutopilotFrame title="Autopilot settings" description="Autopilot never plans past a cap or a step, and autopilot mode does not start without a daily or monthly cap.">
      {(workspace) => (
        <Stack gap="xl">
          <GuardrailsForm key={workspace.id} workspace={workspace} />
          <ModeForm key={workspace.id} workspace={workspace} />
          <Channels />
        </Stack>
      )}
    </AutopilotFrame>
  );
}
