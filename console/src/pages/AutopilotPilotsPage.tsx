import { Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { downloadFile, graph } from "../api.ts";
import { ErrorText, QueryState, useGraphMutation } from "../components/common.tsx";
import { AutopilotFrame, Notice, type Workspace } from "./AutopilotCommon.tsx";

/** A pilot as `GET /autopilot/workspaces/{id}/pilots` lists it. */
interface Pilot {
  id: string;
  status: "running" | "stopped" | "finished";
  accounts: string[];
  holdout: string[];
  start_date: string;
  end_date: string;
  days: number;
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

function Pilots({ workspace }: { workspace: Workspace }) {
  const pilots = useQuery({ queryKey: ["autopilot", workspace.id, "pilots"], queryFn: () => graph.get<{ data: Pilot[] }>(`/autopilot/workspaces/${workspace.id}/pilots`) });
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <QueryState query={pilots} label="pilots" empty="No pilots yet: start one with `grantline autopilot pilot start`." isEmpty={(d) => d.data.length === 0}>
      {(answer) => {
        const selected = answer.data.find((p) => p.id === chosen) ?? answer.data[0]!;
        return (
          <Stack gap="xl">
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
                        <Badge color={STATUS_COLOR[p.status]} variant="light" autoContrast>
                          {p.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td className="mono">{p.accounts.join(", ")}</Table.Td>
                      <Table.Td className="mono">{p.holdout.join(", ") || "—"}</Table.Td>
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
