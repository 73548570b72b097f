import { Anchor, Badge, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { assetTypeLabel } from "../../shared/assetTypes.ts";
import { useOwnedAssets, useSharedAssets, type AssetRow as Row } from "./queries.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";

function AssetTable({ rows, businessId, label, shared }: { rows: Row[]; businessId: string; label: string; shared: boolean }) {
  return (
    <DataTable
      label={label}
      rows={rows}
      rowKey={(a) => a.graphId}
      striped
      columns={[
        {
          header: "Name",
          cell: (a) => (
            <Anchor component={Link} to={`/b/${businessId}/assets/${a.type}/${a.graphId}`} state={{ name: a.name }}>
              {a.name}
            </Anchor>
          ),
        },
        { header: "Type", cell: (a) => assetTypeLabel(a.type) },
        { header: "ID", cell: (a) => <span className="mono">{a.graphId}</span> },
        {
          header: "Shared with you",
          hidden: !shared,
          cell: (a) => (
            <Group gap={4}>
              {(a.tasks ?? []).map((t) => (
                <Badge key={t} variant="light" size="sm" autoContrast>
                  {t}
                </Badge>
              ))}
            </Group>
          ),
        },
      ]}
    />
  );
}

/** Every asset the business owns, and those other businesses share with it. */
export function AssetsPage() {
  const { businessId } = useBusiness();
  const owned = useOwnedAssets(businessId);
  const shared = useSharedAssets(businessId);
  return (
    <>
      <PageTitle description="Open an asset to see who can access it and how.">Assets</PageTitle>
      <Stack gap="xl">
        <Section title="Owned by this business">
          <QueryState query={owned} label="owned assets" empty="This business owns no assets yet." isEmpty={(d) => d.length === 0}>
            {(rows) => <AssetTable rows={rows} businessId={businessId} label="Owned by this business" shared={false} />}
          </QueryState>
        </Section>
        <Section title="Shared with this business">
          <QueryState query={shared} label="shared assets" empty="No other business shares assets with you." isEmpty={(d) => d.length === 0}>
            {(rows) => <AssetTable rows={rows} businessId={businessId} label="Shared with this business" shared />}
          </QueryState>
          <Text size="sm" c="dimmed" mt="xs">
            Shared assets are used by the people you assign to them, never above what the owner granted.
          </Text>
        </Section>
      </Stack>
    </>
  );
}
