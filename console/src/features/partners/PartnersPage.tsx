import { Anchor, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { graph } from "../../shared/api.ts";
import { AddPartnerWizard } from "./AddPartnerWizard.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { PageTitle, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";

/** Partners accept on their side: the lists follow without a reload. */
const LIVE_MS = 5_000;

interface Counterpart {
  id: string;
  name: string;
  shared_asset_count: number;
}

function BusinessTable({ rows, label, businessId }: { rows: Counterpart[]; label: string; businessId: string }) {
  return (
    <DataTable
      label={label}
      rows={rows}
      rowKey={(b) => b.id}
      striped
      minWidth={420}
      columns={[
        {
          header: "Business",
          cell: (b) => (
            <Anchor component={Link} to={`/b/${businessId}/partners/${b.id}`}>
              {b.name}
            </Anchor>
          ),
        },
        { header: "Business ID", cell: (b) => <span className="mono">{b.id}</span> },
        { header: "Assets shared", cell: (b) => b.shared_asset_count },
      ]}
    />
  );
}

export function PartnersPage() {
  const { businessId, isAdmin } = useBusiness();
  const [adding, setAdding] = useState(false);
  const agencies = useQuery({ queryKey: ["agencies", businessId], queryFn: () => graph.all<Counterpart>(`/${businessId}/agencies`, { fields: "id,name,shared_asset_count" }), refetchInterval: LIVE_MS });
  const clients = useQuery({ queryKey: ["clients", businessId], queryFn: () => graph.all<Counterpart>(`/${businessId}/clients`, { fields: "id,name,shared_asset_count" }), refetchInterval: LIVE_MS });

  return (
    <>
      <PageTitle description="Agencies and tools you share assets with, and businesses that share theirs with you. Pending offers are under Requests.">Partners</PageTitle>
      {isAdmin && !adding && (
        <Group mb="md">
          <Button onClick={() => setAdding(true)}>Add partner</Button>
        </Group>
      )}
      {adding && (
        <Card withBorder mb="lg">
          <AddPartnerWizard businessId={businessId} onClose={() => setAdding(false)} />
        </Card>
      )}
      <Stack gap="xl">
        <section aria-labelledby="partners-heading">
          <Title order={3} size="h4" id="partners-heading" mb="xs">
            Partners with access to your assets
          </Title>
          <QueryState query={agencies} label="partners" empty="You have not shared assets with any partner yet." isEmpty={(d) => d.length === 0}>
            {(rows) => <BusinessTable rows={rows} label="Partners with access to your assets" businessId={businessId} />}
          </QueryState>
        </section>
        <section aria-labelledby="clients-heading">
          <Title order={3} size="h4" id="clients-heading" mb="xs">
            Businesses sharing assets with you
          </Title>
          <QueryState query={clients} label="clients" empty="No business shares assets with you." isEmpty={(d) => d.length === 0}>
            {(rows) => <BusinessTable rows={rows} label="Businesses sharing assets with you" businessId={businessId} />}
          </QueryState>
          <Text size="sm" c="dimmed" mt="xs">
            To get access to a client's assets, give them your Business ID (Business info).
          </Text>
        </section>
      </Stack>
    </>
  );
}
