import { Anchor, Badge, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ASSET_TYPES, graph, type Asset, type AssetType } from "../api.ts";
import { PageTitle, QueryState, useBusiness } from "../components/common.tsx";

interface Row {
  graphId: string;
  name: string;
  type: AssetType;
  tasks?: string[];
  owner?: string;
}

function AssetTable({ rows, businessId, label, shared }: { rows: Row[]; businessId: string; label: string; shared: boolean }) {
  return (
    <div className="table-scroll" tabIndex={0}>
      <Table striped aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>ID</Table.Th>
            {shared && <Table.Th>Shared with you</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((a) => (
            <Table.Tr key={a.graphId}>
              <Table.Td>
                <Anchor component={Link} to={`/b/${businessId}/assets/${a.type}/${a.graphId}`} state={{ name: a.name }}>
                  {a.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{ASSET_TYPES.find((t) => t.type === a.type)?.label}</Table.Td>
              <Table.Td className="mono">{a.graphId}</Table.Td>
              {shared && (
                <Table.Td>
                  <Group gap={4}>
                    {(a.tasks ?? []).map((t) => (
                      <Badge key={t} variant="light" size="sm" autoContrast>
                        {t}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** Every asset the business owns, and those other businesses share with it. */
export function AssetsPage() {
  const { businessId } = useBusiness();
  const owned = useQuery({
    queryKey: ["owned-assets-list", businessId],
    queryFn: async () =>
      (
        await Promise.all(
          ASSET_TYPES.map(async (t) => (await graph.all<Asset>(`/${businessId}/${t.owned}`, { fields: "id,name" })).map((a): Row => ({ graphId: a.id, name: a.name, type: t.type }))),
        )
      ).flat(),
  });
  const shared = useQuery({
    queryKey: ["client-assets", businessId],
    queryFn: async () =>
      (
        await Promise.all(
          ASSET_TYPES.filter((t) => t.client).map(async (t) =>
            (await graph.all<Asset>(`/${businessId}/${t.client}`, { fields: "id,name,permitted_tasks" })).map((a): Row => ({ graphId: a.id, name: a.name, type: t.type, tasks: a.permitted_tasks })),
          ),
        )
      ).flat(),
  });

  return (
    <>
      <PageTitle description="Open an asset to see who can access it and how.">Assets</PageTitle>
      <Stack gap="xl">
        <section aria-labelledby="owned-heading">
          <Title order={3} size="h4" id="owned-heading" mb="xs">
            Owned by this business
          </Title>
          <QueryState query={owned} label="owned assets" empty="This business owns no assets yet." isEmpty={(d) => d.length === 0}>
            {(rows) => <AssetTable rows={rows} businessId={businessId} label="Owned by this business" shared={false} />}
          </QueryState>
        </section>
        <section aria-labelledby="shared-heading">
          <Title order={3} size="h4" id="shared-heading" mb="xs">
            Shared with this business
          </Title>
          <QueryState query={shared} label="shared assets" empty="No other business shares assets with you." isEmpty={(d) => d.length === 0}>
            {(rows) => <AssetTable rows={rows} businessId={businessId} label="Shared with this business" shared />}
          </QueryState>
          <Text size="sm" c="dimmed" mt="xs">
            Shared assets are used by the people you assign to them, never above what the owner granted.
          </Text>
        </section>
      </Stack>
    </>
  );
}
