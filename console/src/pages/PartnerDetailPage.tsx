import { Alert, Anchor, Button, Card, Group, List, Select, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { assetTypeLabel, formatTime, graph, type Business, type PermissionLevel, type RemovalVerification, type Share } from "../api.ts";
import { ConfirmAction } from "../components/ConfirmAction.tsx";
import { DataTable, ErrorText, PageTitle, QueryState, Section, StatusBadge, useBusiness, useGraphMutation } from "../components/common.tsx";
import { PartnerGuardrails } from "../components/LazyGuardrails.tsx";

function ChangeLevel({ share, partnerName, businessId }: { share: Share; partnerName: string; businessId: string }) {
  const levels = useQuery({ queryKey: ["permission-levels", share.asset.id], queryFn: () => graph.all<PermissionLevel>(`/${share.asset.id}/permission_levels`), staleTime: Infinity });
  const current = levels.data?.find((l) => l.tasks.length === share.permitted_tasks.length && l.tasks.every((t) => share.permitted_tasks.includes(t)));
  const [choice, setChoice] = useState<string | null>(null);
  const selected = levels.data?.find((l) => l.level === (choice ?? current?.level));
  const save = useGraphMutation(() => graph.post(`/${share.asset.id}/agencies`, { business: share.partner.id, permitted_tasks: selected?.tasks ?? [] }), {
    onSuccess: () => setChoice(null),
  });
  const [saved, setSaved] = useState(false);
  const changed = !!choice && choice !== current?.level;
  // A level without some task the partner has now takes access away: it is confirmed like a removal.
  const narrows = changed && !!selected && share.permitted_tasks.some((t) => !selected.tasks.includes(t));
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="wrap" align="flex-end">
        <Select
          aria-label={`Permission of ${partnerName} on ${share.asset.name}`}
          data={(levels.data ?? []).map((l) => ({ value: l.level, label: l.label }))}
          value={choice ?? current?.level ?? null}
          placeholder={share.access_level}
          onChange={setChoice}
          allowDeselect={false}
          w={180}
        />
        {narrows ? (
          <ConfirmAction
            kind="share-level"
            label="Save level"
            buttonProps={{ variant: "filled", color: "blue" }}
            title={`Narrow ${partnerName}'s access to ${share.asset.name}?`}
            impact={{ node: businessId, params: { change: "share_level", asset: share.asset.id, partner: share.partner.id, tasks: selected?.tasks ?? [] } }}
            confirmLabel={`Change to ${selected?.label ?? "this level"}`}
            onConfirm={() => graph.post(`/${share.asset.id}/agencies`, { business: share.partner.id, permitted_tasks: selected?.tasks ?? [] })}
            onDone={() => {
              setChoice(null);
              setSaved(true);
            }}
          />
        ) : (
          <Button size="xs" onClick={() => save.mutate(undefined, { onSuccess: () => setSaved(true) })} disabled={!changed || save.isPending} loading={save.isPending}>
            Save level
          </Button>
        )}
      </Group>
      {selected && (
        <Text size="xs" c="dimmed">
          {selected.description}
        </Text>
      )}
      {saved && !changed && (
        <Text size="xs" role="status">
          Saved.
        </Text>
      )}
      <ErrorText error={save.error} />
    </Stack>
  );
}

/** One partner (or client): the assets shared either way, their levels, changing them, and verified removal. */
export function PartnerDetailPage() {
  const { businessId, isAdmin } = useBusiness();
  const { partnerId = "" } = useParams();
  const partner = useQuery({ queryKey: ["business", partnerId, "public"], queryFn: () => graph.get<Business>(`/${partnerId}`, { fields: "id,name,verification_status" }) });
  const shares = useQuery({ queryKey: ["partner-shares", businessId, partnerId], queryFn: () => graph.all<Share>(`/${businessId}/partner_shares`, { partner: partnerId }) });
  const [verification, setVerification] = useState<RemovalVerification | null>(null);
  const name = partner.data?.name ?? "Partner";
  const ownerSide = (s: Share) => s.owner.id === businessId;

  return (
    <>
      <Anchor component={Link} to={`/b/${businessId}/partners`} size="sm">
        ← Partners
      </Anchor>
      <PageTitle description={`Business ID ${partnerId}`}>{name}</PageTitle>
      <QueryState query={shares} label="shared assets" empty={`Nothing is shared between you and ${name}.`} isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label={`Assets shared with ${name}`}
            rows={rows}
            rowKey={(s) => s.id}
            columns={[
              {
                header: "Asset",
                cell: (s) => (
                  <>
                    <Anchor component={Link} to={`/b/${businessId}/assets/${s.asset.type}/${s.asset.id}`} state={{ name: s.asset.name }}>
                      {s.asset.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {assetTypeLabel(s.asset.type)}
                    </Text>
                  </>
                ),
              },
              { header: "Owner", cell: (s) => s.owner.name },
              { header: "Status", cell: (s) => <StatusBadge status={s.status} /> },
              { header: "Permission", cell: (s) => (isAdmin && ownerSide(s) && s.status === "ACTIVE" ? <ChangeLevel share={s} partnerName={name} businessId={businessId} /> : <Text size="sm">{s.access_level}</Text>) },
              { header: "Ends", cell: (s) => (s.end_time ? formatTime(s.end_time) : "No end date") },
              {
                header: "Actions",
                hidden: !isAdmin,
                cell: (s) =>
                  s.status === "ACTIVE" && (
                    <ConfirmAction
                      kind="share"
                      label={ownerSide(s) ? "Remove" : "Give up access"}
                      ariaLabel={ownerSide(s) ? `Remove ${name} from ${s.asset.name}` : `Give up access to ${s.asset.name}`}
                      title={ownerSide(s) ? `Remove ${name} from ${s.asset.name}?` : `Give up access to ${s.asset.name}?`}
                      impact={{ node: businessId, params: { change: "share", asset: s.asset.id, partner: s.partner.id } }}
                      confirmLabel={ownerSide(s) ? `Remove from ${s.asset.name}` : "Give up access"}
                      onConfirm={() => graph.delete(`/${s.asset.id}/agencies`, { business: s.partner.id })}
                    />
                  ),
              },
            ]}
          />
        )}
      </QueryState>
      {(shares.data ?? []).some((s) => s.asset.type === "ad_account") && (
        <Stack mt="xl">
          <Section title="Guardrails">
            <Text size="sm" c="dimmed" mb="sm">
              {shares.data!.some(ownerSide)
                ? `Limits on what ${name} may do to budgets and when, on each ad account you share with them. The hub enforces them on every change ${name}'s people, system users and apps make.`
                : `Limits ${name} set on what your business may do to budgets and when. A change above an approval threshold waits for ${name}'s approval.`}
            </Text>
            <Stack gap="md">
              {shares.data!
                .filter((s) => s.asset.type === "ad_account")
                .map((s) => (
                  <PartnerGuardrails
                    key={s.id}
                    accountGraphId={s.asset.id}
                    accountName={s.asset.name}
                    partnerId={s.partner.id}
                    partnerName={s.partner.name}
                    side={ownerSide(s) ? "owner" : "partner"}
                    canEdit={isAdmin && ownerSide(s)}
                  />
                ))}
            </Stack>
          </Section>
        </Stack>
      )}
      {isAdmin && (
        <Card withBorder mt="xl">
          <Stack gap="sm">
            <Title order={3} size="h5">
              Remove {name}
            </Title>
            <Text size="sm">
              Ends every share between you and {name} at once, with every assignment of their people and every app connected through them, then checks that nobody still reaches
              your assets that way.
            </Text>
            {!verification && (
              <Group>
                <ConfirmAction
                  kind="partner"
                  label="Remove partner"
                  buttonProps={{ variant: "filled", size: "sm" }}
                  title={`Remove ${name}?`}
                  impact={{ node: businessId, params: { change: "partner", partner: partnerId } }}
                  confirmLabel={`Remove ${name}`}
                  onConfirm={() => graph.post<{ verification: RemovalVerification }>(`/${businessId}/partner_removals`, { business: partnerId })}
                  onDone={(answer) => setVerification((answer as { verification: RemovalVerification }).verification)}
                />
              </Group>
            )}
            {verification && (
              <Alert color={verification.verified ? "green" : "red"} title={verification.verified ? "Removal verified" : "Something still has access"} role="status" data-testid="removal-result">
                <Text size="sm">{verification.summary}</Text>
                <Text size="xs" c="dimmed">
                  Checked {verification.checked_assets} asset{verification.checked_assets === 1 ? "" : "s"}.
                </Text>
                {verification.remaining.length > 0 && (
                  <List size="sm">
                    {verification.remaining.map((r, i) => (
                      <List.Item key={i}>{r.path}</List.Item>
                    ))}
                  </List>
                )}
              </Alert>
            )}
          </Stack>
        </Card>
      )}
    </>
  );
}
