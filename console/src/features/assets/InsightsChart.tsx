import { Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { graph } from "../../shared/api.ts";
import { plural } from "../../shared/format.ts";
import { QueryState } from "../../shared/page.tsx";

interface InsightRow {
  date_start: string;
  spend?: string;
  clicks?: string;
  impressions?: string;
  account_currency?: string;
}

/** Days the chart shows. */
const DAYS = 30;

/**
 * Daily spend and clicks of an ad account over the last 30 days up to today (Recharts; loaded on
 * demand). Meta's `last_30d` ends yesterday, so a day just delivered (a simulated day added with
 * `grantline sim advance`, or today's rows) would not show: the chart asks for `maximum` (every day
 * up to today) and keeps the last 30.
 */
export default function InsightsChart({ graphId }: { graphId: string }) {
  const insights = useQuery({
    queryKey: ["insights", graphId],
    queryFn: async () => (await graph.all<InsightRow>(`/${graphId}/insights`, { fields: "spend,clicks,impressions,date_start,account_currency", time_increment: 1, date_preset: "maximum" })).slice(-DAYS),
  });
  return (
    <section aria-labelledby="delivery-heading">
      <Title order={3} size="h4" id="delivery-heading" mb="xs">
        Delivery, last 30 days
      </Title>
      <QueryState query={insights} label="delivery" empty="No delivery in the last 30 days." isEmpty={(d) => d.length === 0}>
        {(rows) => {
          const data = rows.map((r) => ({ day: r.date_start.slice(5), spend: Number(r.spend ?? 0), clicks: Number(r.clicks ?? 0) }));
          const total = data.reduce((sum, r) => sum + r.spend, 0);
          const currency = rows[0]?.account_currency ?? "";
          const spendLabel = currency ? `Spend (${currency})` : "Spend";
          return (
            <figure style={{ margin: 0 }}>
              <div style={{ width: "100%", height: 260 }} role="img" aria-label={`Daily spend and clicks over ${plural(data.length, "day")}; total spend ${total.toFixed(2)} ${currency}.`.replace(" .", ".")}>
                <ResponsiveContainer>
                  <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" />
                    <YAxis yAxisId="spend" label={{ value: spendLabel, angle: -90, position: "insideLeft" }} />
                    <YAxis yAxisId="clicks" orientation="right" label={{ value: "Clicks", angle: 90, position: "insideRight" }} />
                    <Tooltip />
                    <Legend />
                    <Line yAxisId="spend" type="monotone" dataKey="spend" name={spendLabel} stroke="#364fc7" dot={false} />
                    <Line yAxisId="clicks" type="monotone" dataKey="clicks" name="Clicks" stroke="#c92a2a" dot={false} />
                  </LineChart>
                </ResponsiveContainer>
              </div>
              <Text component="figcaption" size="xs" c="dimmed">
                Total spend {total.toFixed(2)} {currency} over {plural(data.length, "day")}.
              </Text>
            </figure>
          );
        }}
      </QueryState>
    </section>
  );
}
