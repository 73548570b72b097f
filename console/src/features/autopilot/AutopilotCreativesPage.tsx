import { Badge, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { graph } from "../../shared/api.ts";
import { EmptyState, QueryState } from "../../shared/page.tsx";
import type { CreativeReport, CreativeView, RateView } from "../../../../src/autopilot/app/views.ts";
import { AutopilotFrame } from "./AutopilotFrame.tsx";
import type { Workspace } from "./wire.ts";

const percent = (x: number, digits = 0) => `${(x * 100).toFixed(digits)}%`;

/** A rate with its 80% interval, to two decimals: click-through and purchases per click are small numbers. */
function rateText(r: RateView): string {
  return `${percent(r.mean, 2)} (${percent(r.low, 2)}–${percent(r.high, 2)})`;
}

/** The chance of being the ad set's best ad, as a percentage and in words. */
function chanceText(chance: number | null): string {
  if (chance === null) return "not weighed (not running)";
  const shown = chance < 0.005 ? "under 1%" : chance > 0.995 ? "over 99%" : percent(chance);
  const words = chance >= 0.8 ? "very likely the best" : chance >= 0.5 ? "likely the best" : chance >= 0.2 ? "in the running" : "unlikely to be the best";
  return `${shown}: ${words}`;
}

const STATUS_COLOR: Record<string, string> = { ACTIVE: "green", PAUSED: "gray" };

function AdSetTable({ adSet }: { adSet: CreativeReport["ad_sets"][number] }) {
  return (
    <Stack gap={4}>
      <Title order={4} size="h5">
        {adSet.name}
      </Title>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`Creatives of ${adSet.name}`}>
        {/* Wide enough that names and intervals keep their lines; a phone scrolls the table instead. */}
        <Table aria-label={`Creatives of ${adSet.name}`} verticalSpacing="xs" miw={820}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Ad</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Share of 7-day spend</Table.Th>
              <Table.Th scope="col">Click-through (80% interval)</Table.Th>
              <Table.Th scope="col">Purchases per click (80% interval)</Table.Th>
              <Table.Th scope="col">Chance of being the best</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {adSet.ads.map((ad: CreativeView) => (
              <Table.Tr key={ad.id}>
                <Table.Th scope="row" fw={500}>
                  <Group gap={6} wrap="nowrap">
                    <span>{ad.name}</span>
                    {ad.in_test && (
                      <Badge color="blue" variant="light" autoContrast size="sm" title="A new creative earning its test's evidence: Autopilot does not pause it as a loser meanwhile">
                        In test
                      </Badge>
                    )}
                  </Group>
                </Table.Th>
                <Table.Td>
                  <Badge color={STATUS_COLOR[ad.status] ?? "yellow"} variant="light" autoContrast>
                    {ad.status.toLowerCase().replace(/_/g, " ")}
                  </Badge>
                </Table.Td>
                <Table.Td>{percent(ad.spend_share_7d)}</Table.Td>
                <Table.Td style={{ whiteSpace: "nowrap" }}>{rateText(ad.ctr)}</Table.Td>
                <Table.Td style={{ whiteSpace: "nowrap" }}>{rateText(ad.cvr)}</Table.Td>
                <Table.Td>{chanceText(ad.chance_of_best)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </Stack>
  );
}

/** One connected account's standings, or why it has none. */
function AccountStandings({ report, name }: { report: CreativeReport; name: string }) {
  const headingId = `creatives-${report.connection}`;
  const delivered = report.ad_sets.some((s) => s.ads.some((a) => a.spend_share_7d > 0));
  return (
    <section aria-labelledby={headingId}>
      <Title order={3} size="h4" id={headingId}>
        {name}
      </Title>
      {report.through === null ? (
        <EmptyState label="creative standings">Not scanned yet: standings come from Autopilot&apos;s latest scan. Run &ldquo;Scan and plan now&rdquo; on the Overview.</EmptyState>
      ) : !delivered ? (
        <EmptyState label="creative standings">No ads have delivered yet: standings need at least a day of delivery in the 7 days before the scan of {report.through}.</EmptyState>
      ) : (
        <Stack gap="md" mt="xs">
          <Text size="sm" c="dimmed">
            From the scan through {report.through}. Intervals hold the true rate with 80% probability; a new creative marked &ldquo;In test&rdquo; runs until it has its evidence.
          </Text>
          {report.ad_sets
            .filter((s) => s.ads.length > 0)
            .map((s) => (
              <AdSetTable key={s.id} adSet={s} />
            ))}
        </Stack>
      )}
    </section>
  );
}

function Standings({ workspace }: { workspace: Workspace }) {
  const standings = useQuery({
    queryKey: ["autopilot", workspace.id, "creatives"],
    queryFn: () => graph.get<{ data: CreativeReport[] }>(`/autopilot/workspaces/${workspace.id}/creatives`),
  });
  // Accounts by the names they were connected with; the id only when the hub gave none.
  const nameOf = (report: CreativeReport) => workspace.connections.find((c) => c.id === report.connection)?.ad_account_name ?? report.ad_account_id;
  return (
    <QueryState query={standings} label="creative standings" empty="No ad account is connected: connect one on the Overview to see its creatives." isEmpty={(d) => d.data.length === 0}>
      {(answer) => (
        <Stack gap="xl">
          {answer.data.map((report) => (
            <AccountStandings key={report.connection} report={report} name={nameOf(report)} />
          ))}
        </Stack>
      )}
    </QueryState>
  );
}

/** Each ad set's creatives as Autopilot weighs them: which are in test, their rates with intervals, and which is likely the best. */
export function AutopilotCreativesPage() {
  return (
    <AutopilotFrame title="Autopilot creatives" description="How each ad set's creatives compare on the latest scan, as Autopilot weighs them before pausing or keeping an ad.">
      {(workspace) => <Standings workspace={workspace} />}
    </AutopilotFrame>
  );
}
