import { Badge, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useId, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { graph, graphStream } from "../../shared/api.ts";
import { ErrorText } from "../../shared/page.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { deferred } from "../../shared/LazyPage.tsx";
import { AutopilotFrame, Notice } from "./AutopilotFrame.tsx";
import { formatWhen } from "./words.ts";
import { workspacesKey } from "./workspaces.ts";
import type { Connection, JobOutcome, LogEntry, Workspace, WorkspacesAnswer } from "./wire.ts";

const AutopilotCharts = lazy(() => import("./AutopilotCharts.tsx"));
const LaunchWizard = deferred(async () => (await import("./AutopilotLaunch.tsx")).LaunchWizard, "the launch wizard");

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
              <Table.Td>
                <span className={c.ad_account_name ? undefined : "mono"}>{c.ad_account_name ?? c.ad_account_id}</span>
                {c.ad_account_name && (
                  <Text size="xs" c="dimmed" className="mono">
                    {c.ad_account_id}
                  </Text>
                )}
              </Table.Td>
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

interface ScanProgress {
  phase: "objects" | "insights" | "storing" | "planning";
  ad_account_id?: string;
  account: number;
  accounts: number;
  done?: number;
  total?: number;
  rows?: number;
  /** 0..1 across every account. */
  fraction: number;
}

interface ScanReport {
  days: number;
  scans: { ad_account_id: string; rows: number }[];
  plans: { ad_account_id: string; proposed: LogEntry[]; notes: string[] }[];
  notes: string[];
}

const SCAN_PHASES: Record<Exclude<ScanProgress["phase"], "planning">, string> = {
  objects: "reading campaigns, ad sets and ads",
  insights: "reading daily results",
  storing: "saving the results",
};

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

function scanLabel(p: ScanProgress | null): string {
  if (!p) return "Starting the scan";
  if (p.phase === "planning") return `Planning proposals from ${plural(p.accounts, "account")}`;
  return `Scanning ${p.ad_account_id} (account ${p.account} of ${p.accounts}): ${SCAN_PHASES[p.phase]}${p.rows ? `, ${plural(p.rows, "row")}` : ""}`;
}

function scanSummary(report: ScanReport): string {
  const rows = report.scans.reduce((n, s) => n + s.rows, 0);
  const proposed = report.plans.reduce((n, p) => n + p.proposed.length, 0);
  return `Scanned ${plural(report.scans.length, "account")}: ${plural(rows, "daily row")}; ${plural(proposed, "proposal")} queued.`;
}

/** Scans every connected account now, with the hub's progress, and queues Autopilot's proposals for approval. */
function ScanNow({ workspace }: { workspace: Workspace }) {
  const { businessId } = useBusiness();
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<ScanProgress | null>(null);
  const helpId = useId();
  const scan = useMutation({
    mutationFn: () => {
      setProgress(null);
      return graphStream<ScanProgress, ScanReport>(`/autopilot/workspaces/${workspace.id}/scan`, {}, setProgress, "POST");
    },
    // A scan may also find that an account needs attention, so the connections are read again either way.
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: ["autopilot", workspace.id] }), queryClient.invalidateQueries({ queryKey: workspacesKey(businessId) })]),
  });
  const scanning = progress && progress.phase !== "planning" ? progress : undefined;
  const notes = scan.data ? [...scan.data.notes, ...scan.data.plans.flatMap((p) => p.notes)] : [];
  return (
    <Stack gap={4} align="stretch">
      <Group>
        <Button variant="default" onClick={() => scan.mutate()} disabled={scan.isPending} aria-describedby={helpId}>
          Scan and plan now
        </Button>
      </Group>
      <Text size="sm" c="dimmed" id={helpId}>
        Reads the last 90 days of every connected account through the Graph, then queues Autopilot's proposals for your approval. Nothing changes until you approve.
      </Text>
      <OperationProgress running={scan.isPending} label={scanLabel(progress)} done={scanning?.done} total={scanning?.total} />
      {scan.data && !scan.isPending && (
        <Notice color="green" role="status" data-testid="scan-result">
          <Text>{scanSummary(scan.data)}</Text>
          {notes.map((note) => (
            <Text size="sm" key={note}>
              {note}
            </Text>
          ))}
        </Notice>
      )}
      <ErrorText error={scan.isPending ? null : scan.error} />
    </Stack>
  );
}

/** What each count of a scheduled job means, singular and plural. */
const COUNT_WORDS: Record<string, [string, string]> = {
  scanned: ["account scanned", "accounts scanned"],
  rows: ["daily row", "daily rows"],
  proposed: ["proposal queued", "proposals queued"],
  resolved: ["unknown write settled", "unknown writes settled"],
  applied: ["change applied", "changes applied"],
  not_applied: ["change not applied", "changes not applied"],
  connections: ["account checked", "accounts checked"],
  alerts: ["alert", "alerts"],
  paused: ["ad paused", "ads paused"],
  queued: ["pause queued", "pauses queued"],
};

/** One job's last outcome in words: what it did, or why it failed. */
function outcomeText(outcome: JobOutcome | null): string {
  if (!outcome) return "not run yet";
  if (!outcome.ok) return `failed: ${outcome.error ?? "no reason given"}`;
  const counts = Object.entries(outcome.counts).map(([what, n]) => {
    const [one, many] = COUNT_WORDS[what] ?? [what.replace(/_/g, " "), what.replace(/_/g, " ")];
    return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  });
  return counts.length > 0 ? `done (${counts.join(", ")})` : "done";
}

/** When the server's built-in schedule next scans and checks, and how its last runs went. */
function ScheduleStatus({ workspace }: { workspace: Workspace }) {
  const { schedule } = workspace;
  const when = (ms: number | null) => (ms === null ? "not scheduled yet" : formatWhen(ms));
  // A scan a person started counts as the job's last run when it is the later one.
  const scan = schedule.last_scan;
  const manualLater = scan !== null && (schedule.last_run_at === null || scan.at > schedule.last_run_at);
  const scanOutcome = manualLater ? (scan.status === "failed" ? `scan failed${scan.error ? `: ${scan.error}` : ""}` : `scanned by hand (${scan.rows.toLocaleString("en-US")} ${scan.rows === 1 ? "row" : "rows"} read)`) : outcomeText(schedule.last_outcome);
  const rows = [
    {
      job: workspace.mode === "autopilot" ? "Scan and apply" : "Scan and propose",
      next: when(schedule.next_scan_at),
      last: manualLater ? formatWhen(scan.at) : schedule.last_run_at === null ? "never" : formatWhen(schedule.last_run_at),
      outcomeText: scanOutcome,
      failed: manualLater ? scan.status === "failed" : schedule.last_outcome !== null && !schedule.last_outcome.ok,
    },
    {
      job: "Monitors",
      next: when(schedule.monitors.next_at),
      last: schedule.monitors.last_run_at === null ? "never" : formatWhen(schedule.monitors.last_run_at),
      outcomeText: outcomeText(schedule.monitors.last_outcome),
      failed: schedule.monitors.last_outcome !== null && !schedule.monitors.last_outcome.ok,
    },
  ];
  return (
    <section aria-labelledby="schedule-heading">
      <Title order={3} size="h4" id="schedule-heading" mb="xs">
        Schedule
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        The server scans every connected account once a day, then {workspace.mode === "autopilot" ? "applies changes within your guardrails" : "queues proposals for your approval"}; monitors check spend, ads and landing pages every hour.
      </Text>
      <div style={{ overflowX: "auto" }}>
        <Table aria-labelledby="schedule-heading">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Job</Table.Th>
              <Table.Th scope="col">Next</Table.Th>
              <Table.Th scope="col">Last run</Table.Th>
              <Table.Th scope="col">Outcome</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.job}>
                <Table.Th scope="row">{r.job}</Table.Th>
                <Table.Td>{r.next}</Table.Td>
                <Table.Td>{r.last}</Table.Td>
                <Table.Td c={r.failed ? "red.8" : undefined}>{r.outcomeText}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </section>
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

/** "Launch ads": the bulk launch wizard, opened in place. */
function LaunchAds({ workspace }: { workspace: Workspace }) {
  const [open, setOpen] = useState(false);
  if (open) return <LaunchWizard workspace={workspace} onClose={() => setOpen(false)} />;
  return (
    <section aria-labelledby="launch-heading">
      <Title order={3} size="h4" id="launch-heading" mb="xs">
        Launch ads
      </Title>
      <Text size="sm" mb="sm">
        Create a campaign with an ad set for every audience and placement and an ad for every creative: checked first, shown as a plan, then created all or nothing.
      </Text>
      <Button onClick={() => setOpen(true)} disabled={workspace.kill_switch}>
        Launch ads
      </Button>
      {workspace.kill_switch && (
        <Text size="sm" c="dimmed" mt={4}>
          The kill switch is on: Autopilot launches nothing until it is turned off.
        </Text>
      )}
    </section>
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
          {workspace.connections.length > 0 && <ScanNow workspace={workspace} />}
          <ConnectButton workspace={workspace} configured={answer.oauth_client.configured} />
        </Stack>
      </section>
      {workspace.connections.some((c) => c.status === "active") && <LaunchAds workspace={workspace} />}
      {workspace.connections.length > 0 && <ScheduleStatus workspace={workspace} />}
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

/** Autopilot's overview: connecting ad accounts through OAuth, scanning them, the kill switch, text commands and the charts. */
export function AutopilotPage() {
  return (
    <AutopilotFrame title="Autopilot" description="A guarded media buyer that connects to your ad accounts as a partner app, with only the access you give it.">
      {(workspace, answer) => <Overview workspace={workspace} answer={answer} />}
    </AutopilotFrame>
  );
}
