import { Anchor, Button, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { graph } from "../api.ts";
import { AddPartnerWizard } from "../components/AddPartnerWizard.tsx";
import { PageTitle, QueryState, useBusiness } from "../components/common.tsx";

/** Partners accept on their side: the lists follow without a reload. */
const LIVE_MS = 5_000;

interface Counterpart {
  id: string;
  name: string;
  shared_asset_count: number;
}

function BusinessTable({ rows, label, businessId }: { rows: Counterpart[]; label: string; businessId: string }) {
  return (
    <div className="table-scroll" tabIndex={0}>
      <Table striped aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Business</Table.Th>
            <Table.Th>Business ID</Table.Th>
            <Table.Th>Assets shared</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((b) => (
            <Table.Tr key={b.id}>
              <Table.Td>
                <Anchor component={Link} to={`/b/${businessId}/partners/${b.id}`}>
                  {b.name}
                </Anchor>
              </Table.Td>
              <Table.Td className="mono">{b.id}</Table.Td>
              <Table.Td>{b.shared_asset_count}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
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
