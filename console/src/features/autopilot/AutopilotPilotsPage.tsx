import { Alert, Badge, Button, Checkbox, Group, List, NumberInput, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { downloadFile, errorMessage, graph } from "../../shared/api.ts";
import { EmptyState, ErrorText, QueryState } from "../../shared/page.tsx";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import type { PilotTerms, PilotView } from "../../../../src/autopilot/app/views.ts";
import { ACTION_KINDS } from "./words.ts";
import { AutopilotFrame, Notice } from "./AutopilotFrame.tsx";
import type { AutopilotGuardrails, Workspace } from "./wire.ts";

/** What this page reads of a pilot as `GET /autopilot/workspaces/{id}/pilots` lists it. */
type Pilot = Pick<PilotView, "id" | "status" | "accounts" | "holdout" | "start_date" | "end_date" | "days">;

interface PilotsAnswer {
  data: Pilot[];
  terms: PilotTerms;
}

interface Estimate {
  metric: string;
  change: number | null;
  low: number | null;
  high: number | null;
  supports: "better" | "worse" | "changed" | "none";
  verdict: string;
}

interface PilotReport {
  pilot: Pilot;
  period: { from: string; to: string; days: number };
  verdict: string;
  lead: string | null;
  comparisons: { method: string; label: string; estimates: Record<string, Estimate> }[];
  actions: { id: string; ad_account_id: string; state: string; text: string; effect: { cpa_change: number | null; before: { conversions: number }; after: { conversions: number } } | null; effect_note: string | null }[];
  notes: string[];
}

const STATUS_COLOR: Record<Pilot["status"], string> = { running: "blue", stopped: "gray", finished: "green" };
const SUPPORT_COLOR: Record<Estimate["supports"], string> = { better: "green", worse: "red", changed: "blue", none: "gray" };
const pct = (x: number | null) => (x === null ? "—" : `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x * 100))}%`);

function Report({ workspace, pilot }: { workspace: Workspace; pilot: Pilot }) {
  const base = `/autopilot/workspaces/${workspace.id}/pilots/${pilot.id}`;
  const report = useQuery({ queryKey: ["autopilot", workspace.id, "pilot", pilot.id], queryFn: () => graph.get<PilotReport>(`${base}/report`) });
  const pdf = useGraphMutation(() => downloadFile(`${base}/report.pdf`, `pilot-${pilot.id}.pdf`));
  return (
    <section aria-labelledby="pilot-report-heading">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="pilot-report-heading">
          Report: {pilot.start_date} to {pilot.end_date}
        </Title>
        <Button size="xs" variant="default" onClick={() => pdf.mutate()} loading={pdf.isPending}>
          Download PDF
        </Button>
      </Group>
      <ErrorText error={pdf.error} />
      <QueryState query={report} label="pilot report">
        {(r) => (
          <Stack gap="md">
            <Notice color="blue" title="Verdict" data-testid="pilot-verdict">
              {r.verdict}
            </Notice>
            <Text size="sm">
              {r.period.days} of {pilot.days} pilot days scanned so far. A change is stated only when its whole 95% interval is on one side of no change.
            </Text>
            {r.comparisons.map((c) => (
              <div key={c.method} className="table-scroll" tabIndex={0}>
                <Table aria-label={`Against ${c.label}`} verticalSpacing="xs">
                  <Table.Caption>
                    {c.method === r.lead ? "Leading comparison" : "Also"}: against {c.label}
                  </Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Metric</Table.Th>
                      <Table.Th scope="col">Change</Table.Th>
                      <Table.Th scope="col">95% interval</Table.Th>
                      <Table.Th scope="col">Verdict</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {Object.values(c.estimates).map((e) => (
                      <Table.Tr key={e.metric}>
                        <Table.Td>{e.metric.toUpperCase()}</Table.Td>
                        <Table.Td>{pct(e.change)}</Table.Td>
                        <Table.Td>{e.low === null ? "—" : `${pct(e.low)} to ${pct(e.high)}`}</Table.Td>
                        <Table.Td>
                          <Badge color={SUPPORT_COLOR[e.supports]} variant="light" autoContrast mr="xs">
                            {e.supports === "none" ? "no measurable change" : e.supports}
                          </Badge>
                          <Text size="sm" component="span">
                            {e.verdict}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            ))}
            <Title order={4} size="h5">
              Autopilot&apos;s actions during the pilot
            </Title>
            {r.actions.length === 0 ? (
              <Text size="sm">None.</Text>
            ) : (
              <ul aria-label="Actions during the pilot">
                {r.actions.map((a) => (
                  <li key={a.id}>
                    <Text size="sm">
                      {a.ad_account_id}: {a.text} —{" "}
                      {a.effect ? `CPA ${pct(a.effect.cpa_change)} over 7 days after (n = ${a.effect.before.conversions} before, ${a.effect.after.conversions} after)` : (a.effect_note ?? "not measurable")}
                    </Text>
                  </li>
                ))}
              </ul>
            )}
            {r.notes.map((n) => (
              <Text key={n} size="sm" c="dimmed">
                {n}
              </Text>
            ))}
          </Stack>
        )}
      </QueryState>
    </section>
  );
}

const pilotsKey = (workspace: Workspace) => ["autopilot", workspace.id, "pilots"];

/** Connected accounts by name, the id when the hub gave none. */
function useAccountNames(workspace: Workspace): (id: string) => string {
  return (id) => workspace.connections.find((c) => c.ad_account_id === id)?.ad_account_name ?? id;
}

const money = (minor: number) => (minor / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const hour = (h: number) => `${String(h).padStart(2, "0")}:00`;

/** The workspace's guardrails in words, as a pilot fixes them at its start. */
function guardrailLines(g: AutopilotGuardrails): string[] {
  const actions = ACTION_KINDS.filter((k) => g.allowedActions.includes(k.value)).map((k) => k.label.toLowerCase());
  return [
    g.cpaTarget !== undefined ? `CPA target ${g.cpaTarget}` : null,
    g.roasTarget !== undefined ? `ROAS target ${g.roasTarget}` : null,
    g.dailyCap !== undefined ? `Daily cap ${money(g.dailyCap)}` : null,
    g.monthlyCap !== undefined ? `Monthly cap ${money(g.monthlyCap)}` : null,
    `Budget steps of at most ${g.maxStepPct}%, at most ${g.maxBudgetChangesPerHour} budget changes an hour`,
    g.cooldownMinutes !== undefined ? `${g.cooldownMinutes} minutes between changes of the same ad set` : null,
    actions.length > 0 ? `May ${actions.join(", ")}` : "May take no action",
    g.quietHours ? `No automatic change from ${hour(g.quietHours.start)} to ${hour(g.quietHours.end)} UTC` : null,
  ].filter((line): line is string => line !== null);
}

/**
 * "Start a pilot": accounts, length and holdout, then a plan that names everything the pilot fixes
 * at its start, and only then the request (sent once, however often the button is pressed).
 */
function StartPilot({ workspace, terms, running, onStarted }: { workspace: Workspace; terms: PilotTerms; running: Pilot | undefined; onStarted: (pilot: Pilot) => void }) {
  const nameOf = useAccountNames(workspace);
  const active = workspace.connections.filter((c) => c.status === "active");
  const [open, setOpen] = useState(false);
  const [step, setStep] = useState<"choose" | "plan">("choose");
  const [accounts, setAccounts] = useState<string[]>([]);
  const [holdout, setHoldout] = useState<string[]>([]);
  const [days, setDays] = useState<number | string>(terms.default_days);
  const [tried, setTried] = useState(false);
  const start = useGraphMutation(() => graph.post<Pilot>(`/autopilot/workspaces/${workspace.id}/pilots`, { accounts, holdout, days: Number(days) }), {
    invalidate: [pilotsKey(workspace)],
    onSuccess: (pilot) => {
      setOpen(false);
      setStep("choose");
      setAccounts([]);
      setHoldout([]);
      setDays(terms.default_days);
      setTried(false);
      onStarted(pilot);
    },
  });
  const submit = useSubmitOnce(start);

  const dayCount = typeof days === "number" ? days : Number.NaN;
  const problems = {
    accounts: accounts.length === 0 ? "Choose at least one account for Autopilot to run." : undefined,
    days: !Number.isInteger(dayCount) || dayCount < terms.min_days || dayCount > terms.max_days ? `A pilot lasts from ${terms.min_days} to ${terms.max_days} days.` : undefined,
  };
  const endDate = Number.isInteger(dayCount) ? new Date(Date.parse(`${terms.start_date}T00:00:00Z`) + (dayCount - 1) * 86_400_000).toISOString().slice(0, 10) : null;
  const review = () => {
    setTried(true);
    if (!problems.accounts && !problems.days) setStep("plan");
  };

  if (!open) {
    return (
      <Stack gap={4} align="flex-start">
        <Button onClick={() => setOpen(true)} disabled={active.length === 0}>
          Start a pilot
        </Button>
        {active.length === 0 && (
          <Text size="sm" c="dimmed">
            Connect an ad account on the Overview first: a pilot runs connected accounts.
          </Text>
        )}
        {running && (
          <Text size="sm" c="dimmed">
            A pilot is running until {running.end_date}; the hub starts another only once it is stopped or over.
          </Text>
        )}
      </Stack>
    );
  }
  return (
    <section aria-labelledby="start-pilot-heading">
      <Title order={3} size="h4" id="start-pilot-heading" mb="xs">
        Start a pilot
      </Title>
      {step === "choose" ? (
        <Stack gap="md" data-testid="pilot-form">
          <Checkbox.Group label="Accounts Autopilot runs" description="It acts on these during the pilot, with the settings in force when it starts." value={accounts} onChange={setAccounts} error={tried ? problems.accounts : undefined}>
            <Stack gap={6} mt="xs">
              {active.map((c) => (
                <Checkbox key={c.id} value={c.ad_account_id} label={nameOf(c.ad_account_id)} description={holdout.includes(c.ad_account_id) ? "In the holdout" : undefined} disabled={holdout.includes(c.ad_account_id)} />
              ))}
            </Stack>
          </Checkbox.Group>
          <NumberInput
            label="Days"
            description={`From ${terms.min_days} to ${terms.max_days} days, starting today (${terms.start_date}).`}
            min={terms.min_days}
            max={terms.max_days}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            value={days}
            onChange={setDays}
            error={tried ? problems.days : undefined}
            w={{ base: "100%", sm: 240 }}
          />
          <Checkbox.Group label="Holdout accounts (optional)" description="Autopilot leaves these alone meanwhile, as the comparison. An account cannot be both." value={holdout} onChange={setHoldout}>
            <Stack gap={6} mt="xs">
              {active.map((c) => (
                <Checkbox key={c.id} value={c.ad_account_id} label={nameOf(c.ad_account_id)} description={accounts.includes(c.ad_account_id) ? "Run by Autopilot in this pilot" : undefined} disabled={accounts.includes(c.ad_account_id)} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group>
            <Button onClick={review}>Review the plan</Button>
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} data-testid="pilot-plan">
          <Stack gap="sm">
            <Text>The pilot fixes these at its start; changing the settings later does not change what it is measured against.</Text>
            <Table aria-label="What the pilot fixes" verticalSpacing="xs" variant="vertical" layout="fixed">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th scope="row" w={{ base: 110, sm: 200 }}>
                    Accounts
                  </Table.Th>
                  <Table.Td>{accounts.map(nameOf).join(", ")}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Holdout</Table.Th>
                  <Table.Td>{holdout.length > 0 ? holdout.map(nameOf).join(", ") : "None: the report compares with the baseline trend and, on the simulator, the same market with no changes"}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Dates</Table.Th>
                  <Table.Td>
                    {terms.start_date} to {endDate} ({dayCount} {dayCount === 1 ? "day" : "days"})
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Mode</Table.Th>
                  <Table.Td>{workspace.mode === "autopilot" ? "Autopilot: changes are applied within the guardrails" : "Semi-auto: Autopilot proposes, you approve each change"}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Guardrails</Table.Th>
                  <Table.Td>
                    <List size="sm" spacing={2}>
                      {guardrailLines(workspace.guardrails).map((line) => (
                        <List.Item key={line}>{line}</List.Item>
                      ))}
                    </List>
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Baseline</Table.Th>
                  <Table.Td>
                    The {terms.baseline.days} days before it, {terms.baseline.from} to {terms.baseline.to}, from the latest scan
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            {start.isError && (
              <Alert color="red" role="alert" title="The pilot was not started">
                {errorMessage(start.error)}
              </Alert>
            )}
            <Group>
              <Button type="submit" loading={start.isPending}>
                Start the pilot
              </Button>
              <Button variant="default" onClick={() => setStep("choose")} disabled={start.isPending}>
                Back
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </section>
  );
}

/** Stopping ends the pilot for good (its report keeps the days so far), so it asks first. */
function StopPilot({ workspace, pilot }: { workspace: Workspace; pilot: Pilot }) {
  const nameOf = useAccountNames(workspace);
  return (
    <ConfirmAction
      kind="pilot"
      label="Stop"
      ariaLabel={`Stop the pilot of ${pilot.start_date} to ${pilot.end_date}`}
      title="Stop this pilot?"
      description={`Autopilot stops running ${pilot.accounts.map(nameOf).join(", ")} as a pilot and ${pilot.holdout.length > 0 ? `stops leaving ${pilot.holdout.map(nameOf).join(", ")} alone` : "the pilot ends"}. The report keeps the days so far; a stopped pilot cannot be resumed, only a new one started.`}
      confirmLabel="Stop the pilot"
      onConfirm={() => graph.post<Pilot>(`/autopilot/workspaces/${workspace.id}/pilots/${pilot.id}/stop`, {})}
      invalidate={[["autopilot", workspace.id]]}
    />
  );
}

function Pilots({ workspace }: { workspace: Workspace }) {
  const pilots = useQuery({ queryKey: pilotsKey(workspace), queryFn: () => graph.get<PilotsAnswer>(`/autopilot/workspaces/${workspace.id}/pilots`) });
  const nameOf = useAccountNames(workspace);
  const [chosen, setChosen] = useState<string | null>(null);
  const [started, setStarted] = useState<Pilot | null>(null);
  return (
    <QueryState query={pilots} label="pilots">
      {(answer) => {
        const selected = answer.data.find((p) => p.id === chosen) ?? answer.data[0];
        return (
          <Stack gap="xl">
            {started && (
              <Notice color="green" role="status" withCloseButton closeButtonLabel="Dismiss" onClose={() => setStarted(null)} data-testid="pilot-started">
                Pilot started: {started.accounts.map(nameOf).join(", ")} from {started.start_date} to {started.end_date}.
              </Notice>
            )}
            <StartPilot
              workspace={workspace}
              terms={answer.terms}
              running={answer.data.find((p) => p.status === "running")}
              onStarted={(pilot) => {
                setStarted(pilot);
                setChosen(pilot.id);
              }}
            />
            {!selected ? (
              <EmptyState label="pilots">No pilots yet.</EmptyState>
            ) : (
              <>
                <div className="table-scroll" tabIndex={0}>
                  <Table aria-label="Pilots" data-testid="pilots" verticalSpacing="sm">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Dates</Table.Th>
                        <Table.Th scope="col">Status</Table.Th>
                        <Table.Th scope="col">Accounts</Table.Th>
                        <Table.Th scope="col">Holdout</Table.Th>
                        <Table.Th scope="col">Report</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {answer.data.map((p) => (
                        <Table.Tr key={p.id}>
                          <Table.Td style={{ whiteSpace: "nowrap" }}>
                            {p.start_date} to {p.end_date}
                          </Table.Td>
                          <Table.Td>
                            <Group gap="xs" wrap="nowrap">
                              <Badge color={STATUS_COLOR[p.status]} variant="light" autoContrast>
                                {p.status}
                              </Badge>
                              {p.status === "running" && <StopPilot workspace={workspace} pilot={p} />}
                            </Group>
                          </Table.Td>
                          <Table.Td>{p.accounts.map(nameOf).join(", ")}</Table.Td>
                          <Table.Td>{p.holdout.map(nameOf).join(", ") || "—"}</Table.Td>
                          <Table.Td>
                            <Button size="xs" variant={p.id === selected.id ? "filled" : "default"} onClick={() => setChosen(p.id)} aria-pressed={p.id === selected.id}>
                              Show report
                            </Button>
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </div>
                <Report workspace={workspace} pilot={selected} />
              </>
            )}
          </Stack>
        );
      }}
    </QueryState>
  );
}

/** The workspace's pilots and the before/after report of the one chosen (the newest at first). */
export function AutopilotPilotsPage() {
  return (
    <AutopilotFrame title="Autopilot pilots" description="Autopilot on chosen accounts for a fixed period, against what those days would have been without it.">
      {(workspace) => <Pilots workspace={workspace} />}
    </AutopilotFrame>
  );
}
