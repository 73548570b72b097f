import { Alert, Anchor, Button, Card, Group, List, Select, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { assetTypeLabel } from "../../shared/assetTypes.ts";
import { formatTime } from "../../shared/format.ts";
import { graph } from "../../shared/api.ts";
import type { Business, PermissionLevel, RemovalVerification, Share } from "../../shared/wire.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { StatusBadge } from "../../shared/StatusBadge.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";
import { PartnerGuardrails } from "./LazyGuardrails.tsx";

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

/** What `DELETE /{asset}/agencies` answered, with the share as it was, so it can be offered again. */
interface ShareRemoval {
  share: Share;
  removed: { shares: number; assignments: number; appGrants: number };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The result of removing a partner from one asset. For the owner, "Undo" offers the same share
 * again (same tasks, and the end date if it is still ahead) with `POST /{asset}/agencies`, the
 * call the wizard sends: like Meta's, the partner must accept it again and assign its people again,
 * so the result says so rather than promising the old state back.
 */
function ShareRemovalResult({ removal, partnerName, ownerSide }: { removal: ShareRemoval; partnerName: string; ownerSide: boolean }) {
  const { share, removed } = removal;
  const endsAt = share.end_time ? Date.parse(share.end_time.replace(/\+0000$/, "Z")) : NaN;
  const stillAhead = Number.isFinite(endsAt) && endsAt > Date.now();
  const offerAgain = useGraphMutation(() =>
    graph.post<{ access_status: string }>(`/${share.asset.id}/agencies`, {
      business: share.partner.id,
      permitted_tasks: share.permitted_tasks,
      end_time: stillAhead ? String(Math.floor(endsAt / 1000)) : undefined,
    }),
  );
  const whose = ownerSide ? "their" : "your";
  const ended = [plural(removed.assignments, `assignment of ${whose} people`, `assignments of ${whose} people`), plural(removed.appGrants, "app connection", "app connections")];
  return (
    <Alert color="blue" title={ownerSide ? `${partnerName} no longer has access to ${share.asset.name}` : `You no longer have access to ${share.asset.name}`} role="status" data-testid="share-removal-result" mb="md">
      <Stack gap="xs">
        <Text size="sm">
          The share ended with {ended.join(" and ")} on {share.asset.name}. Everything else shared between you and {partnerName} is unchanged.
        </Text>
        {ownerSide && !offerAgain.isSuccess && (
          <Group gap="xs" wrap="wrap">
            <Button size="xs" variant="default" onClick={() => offerAgain.mutate()} loading={offerAgain.isPending} aria-label={`Undo: offer ${share.asset.name} to ${partnerName} again`}>
              Undo
            </Button>
            <Text size="xs" c="dimmed">
              Offers {share.asset.name} again at {share.access_level}
              {stillAhead ? ` until ${formatTime(share.end_time!)}` : ""}; {partnerName} must accept it and assign their people again.
            </Text>
          </Group>
        )}
        {offerAgain.isSuccess && (
          <Text size="sm" data-testid="share-offered-again">
            {offerAgain.data.access_status === "CONFIRMED" ? `${share.asset.name} is shared with ${partnerName} again.` : `Offered again. ${partnerName} must accept it in their Requests.`}
          </Text>
        )}
        <ErrorText error={offerAgain.error} />
      </Stack>
    </Alert>
  );
}

/** One partner (or client): the assets shared either way, their levels, changing them, and verified removal. */
export function PartnerDetailPage() {
  const { businessId, isAdmin } = useBusiness();
  const { partnerId = "" } = useParams();
  const partner = useQuery({ queryKey: ["business", partnerId, "public"], queryFn: () => graph.get<Business>(`/${partnerId}`, { fields: "id,name,verification_status" }) });
  const shares = useQuery({ queryKey: ["partner-shares", businessId, partnerId], queryFn: () => graph.all<Share>(`/${businessId}/partner_shares`, { partner: partnerId }) });
  const [verification, setVerification] = useState<RemovalVerification | null>(null);
  const [shareRemoval, setShareRemoval] = useState<ShareRemoval | null>(null);
  const name = partner.data?.name ?? "Partner";
  const ownerSide = (s: Share) => s.owner.id === businessId;

  return (
    <>
      <Anchor component={Link} to={`/b/${businessId}/partners`} size="sm">
        ← Partners
      </Anchor>
      <PageTitle description={`Business ID ${partnerId}`}>{name}</PageTitle>
      {shareRemoval && <ShareRemovalResult key={shareRemoval.share.id} removal={shareRemoval} partnerName={name} ownerSide={ownerSide(shareRemoval.share)} />}
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
                      label={ownerSide(s) ? "Remove from this asset" : "Give up access"}
                      // The visible words stay at the start of the name (WCAG 2.5.3), then which asset and whom.
                      ariaLabel={ownerSide(s) ? `Remove from this asset: ${s.asset.name}, ${name}` : `Give up access to ${s.asset.name}`}
                      title={ownerSide(s) ? `Remove ${name} from ${s.asset.name}?` : `Give up access to ${s.asset.name}?`}
                      impact={{ node: businessId, params: { change: "share", asset: s.asset.id, partner: s.partner.id } }}
                      description={ownerSide(s) ? `Only ${s.asset.name} is affected: ${name} keeps the other assets you share with them.` : undefined}
                      confirmLabel={ownerSide(s) ? `Remove from ${s.asset.name}` : "Give up access"}
                      // One asset, one partner, as Meta's DELETE /{ad-account-id}/agencies?business=ID
                      // (developers.facebook.com/documentation/ads-commerce/marketing-api/reference/ad-account/agencies).
                      onConfirm={() => graph.delete<{ removed: ShareRemoval["removed"] }>(`/${s.asset.id}/agencies`, { business: s.partner.id })}
                      onDone={(answer) => {
                        setShareRemoval({ share: s, removed: (answer as { removed: ShareRemoval["removed"] }).removed });
                      }}
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
                  onDone={(answer) => {
                    setShareRemoval(null);
                    setVerification((answer as { verification: RemovalVerification }).verification);
                  }}
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
