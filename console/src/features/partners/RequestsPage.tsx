import { Button, Group, Stack, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useRef } from "react";
import { assetTypeLabel } from "../../shared/assetTypes.ts";
import { formatTime } from "../../shared/format.ts";
import { graph } from "../../shared/api.ts";
import type { Share } from "../../shared/wire.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { EmptyState, ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";
import { useSession } from "../../shared/session.tsx";
import { HeldChanges } from "./LazyGuardrails.tsx";
import { useHeldChangeCounts } from "./guardrails.ts";
import { taskNames } from "../../../../src/hub/catalogue/taskNames.ts";

function describe(share: Share, businessId: string): string {
  const weOwn = share.owner.id === businessId;
  if (share.initiated_by === "OWNER") return weOwn ? `You offered it to ${share.partner.name}` : `${share.owner.name} offers it to you`;
  return weOwn ? `${share.partner.name} asks for access` : `You asked ${share.owner.name} for access`;
}

function RequestTable({ rows, businessId, direction, isAdmin }: { rows: Share[]; businessId: string; direction: "INCOMING" | "OUTGOING"; isAdmin: boolean }) {
  const { refresh } = useSession();
  const answer = useGraphMutation((input: { request: string; action: "accept" | "decline" | "cancel" }) => graph.post(`/${businessId}/partner_requests`, input), {
    onSuccess: () => void refresh(),
  });
  return (
    <>
      <DataTable
        label={direction === "INCOMING" ? "Incoming requests" : "Outgoing requests"}
        rows={rows}
        rowKey={(r) => r.id}
        rowTestId={(r) => `request-${r.asset.name}`}
        columns={[
          {
            header: "Asset",
            cell: (r) => (
              <>
                {r.asset.name}
                <Text size="xs" c="dimmed">
                  {assetTypeLabel(r.asset.type)}
                </Text>
              </>
            ),
          },
          { header: "Request", cell: (r) => describe(r, businessId) },
          {
            header: "Permission",
            cell: (r) => (
              <>
                {r.access_level}
                <Text size="xs" c="dimmed">
                  {taskNames(r.asset.type, r.permitted_tasks)}
                </Text>
              </>
            ),
          },
          { header: "Expires", cell: (r) => formatTime(r.expiration_time) },
          {
            header: "Actions",
            hidden: !isAdmin,
            cell: (r) => (
              <Group gap="xs" wrap="nowrap">
                {direction === "INCOMING" ? (
                  <>
                    <Button size="xs" onClick={() => answer.mutate({ request: r.id, action: "accept" })} aria-label={`Accept ${r.asset.name}`}>
                      Accept
                    </Button>
                    <Button size="xs" variant="default" onClick={() => answer.mutate({ request: r.id, action: "decline" })} aria-label={`Decline ${r.asset.name}`}>
                      Decline
                    </Button>
                  </>
                ) : (
                  <Button size="xs" variant="default" onClick={() => answer.mutate({ request: r.id, action: "cancel" })} aria-label={`Cancel ${r.asset.name}`}>
                    Cancel
                  </Button>
                )}
              </Group>
            ),
          },
        ]}
      />
      <ErrorText error={answer.error} />
    </>
  );
}

/** The Requests tab: offers and requests waiting for this business, and those it sent; each expires. */
export function RequestsPage() {
  const { businessId, isAdmin } = useBusiness();
  const requests = useQuery({ queryKey: ["requests", businessId], queryFn: () => graph.all<Share>(`/${businessId}/partner_requests`), refetchInterval: 5_000 });
  return (
    <>
      <PageTitle description="Offers and access requests waiting for an answer. Unanswered items expire.">Requests</PageTitle>
      <QueryState query={requests} label="requests">
        {(rows) => {
          const incoming = rows.filter((r) => r.direction === "INCOMING");
          const outgoing = rows.filter((r) => r.direction === "OUTGOING");
          return (
            <Tabs defaultValue="incoming">
              <Tabs.List>
                <Tabs.Tab value="incoming">Received ({incoming.length})</Tabs.Tab>
                <Tabs.Tab value="outgoing">Sent ({outgoing.length})</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="incoming" pt="md">
                {incoming.length === 0 ? <EmptyState label="incoming requests">Nothing is waiting for you.</EmptyState> : <RequestTable rows={incoming} businessId={businessId} direction="INCOMING" isAdmin={isAdmin} />}
              </Tabs.Panel>
              <Tabs.Panel value="outgoing" pt="md">
                {outgoing.length === 0 ? <EmptyState label="outgoing requests">You have no requests waiting on others.</EmptyState> : <RequestTable rows={outgoing} businessId={businessId} direction="OUTGOING" isAdmin={isAdmin} />}
              </Tabs.Panel>
            </Tabs>
          );
        }}
      </QueryState>
      {isAdmin && <HeldChangesOfBusiness businessId={businessId} />}
    </>
  );
}

/** Partners' changes held by guardrails on the business's ad accounts, for its admins to approve or reject. */
function HeldChangesOfBusiness({ businessId }: { businessId: string }) {
  const counts = useHeldChangeCounts(businessId, true);
  // An account stays listed once shown, so the word on a decision just made stays on the page.
  const shown = useRef(new Set<string>());
  for (const a of counts.data ?? []) if (a.count > 0) shown.current.add(a.graphId);
  const waiting = (counts.data ?? []).filter((a) => shown.current.has(a.graphId));
  return (
    <section aria-labelledby="held-changes-heading">
      <Title order={3} size="h4" id="held-changes-heading" mt="xl" mb={4}>
        Changes waiting for your approval
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Budget changes partners made above the approval threshold of their guardrails. Approving makes the change at once, in your name; rejecting changes nothing. Each expires after 7 days.
      </Text>
      <QueryState query={counts} label="held changes" empty="No partner change is waiting for your approval." isEmpty={() => waiting.length === 0}>
        {() => (
          <Stack gap="lg">
            {waiting.map((a) => (
              <HeldChanges key={a.graphId} accountGraphId={a.graphId} accountName={a.name} canDecide />
            ))}
          </Stack>
        )}
      </QueryState>
    </section>
  );
}
