import { List, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { graph } from "../../shared/api.ts";
import { plural } from "../../shared/format.ts";
import { QueryState } from "../../shared/page.tsx";

interface Day {
  date: string;
  spend: number;
  conversions: number;
  revenue: number;
  cpa: number | null;
  roas: number | null;
}

interface Marker {
  date: string;
  action_id: string;
  text: string;
  approved_by: string | null;
}

interface Performance {
  connection: string;
  ad_account_id: string;
  ad_account_name: string | null;
  currency: string | null;
  days: Day[];
  changes: Marker[];
  error: string | null;
}

const METRICS = [
  { key: "spend", label: "Spend", color: "#364fc7", format: (v: number) => v.toFixed(2) },
  { key: "conversions", label: "Purchases", color: "#087f5b", format: (v: number) => String(Math.round(v)) },
  { key: "cpa", label: "CPA", color: "#c92a2a", format: (v: number) => v.toFixed(2) },
  { key: "roas", label: "ROAS", color: "#862e9c", format: (v: number) => v.toFixed(2) },
] as const;

function MetricChart({ account, metric, days, changes }: { account: string; metric: (typeof METRICS)[number]; days: Day[]; changes: Marker[] }) {
  const values = days.map((d) => d[metric.key]).filter((v): v is number => v !== null);
  const latest = values.at(-1);
  // Days with a change but no results yet (today) still get a place on the axis, so every change is marked.
  const dates = [...new Set([...days.map((d) => d.date), ...changes.map((c) => c.date)])].sort();
  const byDate = new Map(days.map((d) => [d.date, d[metric.key]]));
  const data = dates.map((date) => ({ day: date.slice(5), value: byDate.get(date) ?? null }));
  const changeDays = [...new Set(changes.map((c) => c.date.slice(5)))];
  return (
    <figure style={{ margin: 0 }}>
      <Text component="figcaption" fw={600} size="sm">
        {metric.label}
      </Text>
      <div
        style={{ width: "100%", height: 180 }}
        role="img"
        aria-label={`${metric.label} of ${account} per day over ${plural(days.length, "day")}${latest !== undefined ? `, latest ${metric.format(latest)}` : ""}; ${plural(changeDays.length, "day")} with Autopilot changes marked.`}
      >
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" fontSize={11} />
            <YAxis fontSize={11} width={44} />
            <Tooltip formatter={(v) => (typeof v === "number" ? metric.format(v) : String(v))} />
            <Line type="monotone" dataKey="value" name={metric.label} stroke={metric.color} dot={false} connectNulls isAnimationActive={false} />
            {changeDays.map((day) => (
              <ReferenceLine key={day} x={day} stroke="#e8590c" strokeDasharray="4 2" label={{ value: "▲", position: "insideTop", fill: "#e8590c" }} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Spend, purchases, CPA and ROAS per day of each connected account, with Autopilot's changes marked (Recharts; loaded on demand). */
export default function AutopilotCharts({ workspaceId }: { workspaceId: string }) {
  const performance = useQuery({
    queryKey: ["autopilot", workspaceId, "performance"],
    queryFn: () => graph.get<{ data: Performance[] }>(`/autopilot/workspaces/${workspaceId}/performance`, { days: 30 }),
  });
  return (
    <section aria-labelledby="charts-heading">
      <Title order={3} size="h4" id="charts-heading" mb="xs">
        Results, last 30 days
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Orange dashed lines (▲) mark days on which Autopilot changed something; the changes are listed under each account.
      </Text>
      <QueryState query={performance} label="results" empty="No connected account yet." isEmpty={(d) => d.data.length === 0}>
        {(answer) => (
          <Stack gap="lg">
            {answer.data.map((p) => (
              <section key={p.connection} aria-label={`Results of ${p.ad_account_id}`}>
                <Title order={4} size="h5" mb="xs">
                  {p.ad_account_name ? `${p.ad_account_name} (${p.ad_account_id}${p.currency ? `, ${p.currency}` : ""})` : `${p.ad_account_id}${p.currency ? ` (${p.currency})` : ""}`}
                </Title>
                {p.error ? (
                  <Text c="red.9">{p.error}</Text>
                ) : p.days.length === 0 ? (
                  <Text c="dimmed">No delivery in the last 30 days.</Text>
                ) : (
                  <SimpleGrid cols={{ base: 1, md: 2 }}>
                    {METRICS.map((metric) => (
                      <MetricChart key={metric.key} account={p.ad_account_id} metric={metric} days={p.days} changes={p.changes} />
                    ))}
                  </SimpleGrid>
                )}
                {p.changes.length > 0 && (
                  <List size="sm" mt="xs" aria-label={`Autopilot's changes on ${p.ad_account_id}`}>
                    {p.changes.map((c) => (
                      <List.Item key={c.action_id}>
                        {c.date}: {c.text}
                      </List.Item>
                    ))}
                  </List>
                )}
              </section>
            ))}
          </Stack>
        )}
      </QueryState>
    </section>
  );
}
