/**
 * The Add partner wizard's steps, one component each: the partner's Business ID, the assets to share,
 * a permission level per asset, the end date with optional guardrails, the review, and what was sent.
 * AddPartnerWizard holds their state and the Graph calls; these only show it and report input. The
 * steps after the first render their content into a Stack of the wizard's (see AddPartnerWizard).
 */
import { Alert, Button, Checkbox, Group, List, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { ASSET_TYPES } from "../../shared/assetTypes.ts";
import { errorMessage } from "../../shared/api.ts";
import type { Business, PermissionLevel, Share } from "../../shared/wire.ts";
import { plural, type ChosenAsset, type SendResult, type ShareNote } from "./addPartner.ts";
import type { FieldErrors, GuardrailDraft } from "./guardrailWords.ts";
import { OfferGuardrails } from "./LazyGuardrails.tsx";

/** An ad account's guardrails as the wizard's form holds them: asked for or not, and the draft. */
export type OfferGuard = { on: boolean; draft: GuardrailDraft };

/** Who is the partner: their Business ID, then their name to confirm, with what is already shared with them. */
export function PartnerLookupStep({
  partnerIdInput,
  onPartnerIdChange,
  lookupError,
  lookingUp,
  partner,
  activeCount,
  pendingCount,
  onLookUp,
  onConfirm,
  onCancel,
}: {
  partnerIdInput: string;
  onPartnerIdChange: (value: string) => void;
  lookupError: string | null;
  lookingUp: boolean;
  partner: Business | null;
  activeCount: number;
  pendingCount: number;
  onLookUp: (event: FormEvent) => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <form onSubmit={onLookUp} aria-label="Partner's Business ID">
      <Stack mt="md">
        <TextInput
          label="Partner's Business ID"
          description="Your partner finds it in their Business Settings → Business info."
          value={partnerIdInput}
          onChange={(e) => onPartnerIdChange(e.currentTarget.value)}
          error={lookupError}
          inputMode="numeric"
          required
          data-autofocus
        />
        {partner ? (
          <Alert color="blue" title="Is this your partner?" role="status" data-testid="partner-confirmation">
            <Text>
              <strong>{partner.name}</strong> (Business ID <span className="mono">{partner.id}</span>
              {partner.verification_status === "verified" ? ", verified" : ""})
            </Text>
            {activeCount + pendingCount > 0 && (
              <Text size="sm" data-testid="partner-existing">
                {[activeCount > 0 && `${plural(activeCount, "asset")} already shared with them`, pendingCount > 0 && `${plural(pendingCount, "offer or request", "offers or requests")} pending`]
                  .filter(Boolean)
                  .join(" and ")}
                ; the next step shows which.
              </Text>
            )}
          </Alert>
        ) : null}
        <Group>
          {!partner && (
            <Button type="submit" loading={lookingUp}>
              Find business
            </Button>
          )}
          {partner && (
            <Button type="button" onClick={onConfirm}>
              Yes, share with {partner.name}
            </Button>
          )}
          <Button variant="default" type="button" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** What to share: the business's assets by type, those already shared or pending with the partner marked. */
export function ChooseAssetsStep({
  owned,
  existing,
  partnerName,
  notes,
  chosen,
  onToggle,
  canGoOn,
  onBack,
  onNext,
}: {
  owned: UseQueryResult<ChosenAsset[]>;
  existing: UseQueryResult<Share[]>;
  partnerName: string;
  notes: Map<string, ShareNote>;
  chosen: Record<string, ChosenAsset>;
  onToggle: (asset: ChosenAsset, on: boolean) => void;
  canGoOn: boolean;
  onBack: () => void;
  onNext: () => void;
}) {
  return (
    <>
      {(owned.isPending || existing.isPending) && <Text>Loading your assets…</Text>}
      {owned.isError && <Alert color="red">{errorMessage(owned.error)}</Alert>}
      {existing.isError && (
        <Alert color="yellow" role="alert">
          Could not check what you already share with {partnerName}: {errorMessage(existing.error)}
        </Alert>
      )}
      {owned.data &&
        !existing.isPending &&
        ASSET_TYPES.map((t) => {
          const ofType = owned.data.filter((a) => a.type === t.type);
          return (
            <fieldset key={t.type} style={{ border: 0, padding: 0, margin: 0 }}>
              <legend>
                <Text fw={600}>{t.plural}</Text>
              </legend>
              {ofType.length === 0 ? (
                <Text size="sm" c="dimmed">
                  None in this business.
                </Text>
              ) : (
                <Stack gap={6} mt={4}>
                  {ofType.map((a) => {
                    const note = notes.get(a.graphId);
                    return (
                      <Checkbox
                        key={a.graphId}
                        label={a.name}
                        description={note?.text}
                        checked={note?.blocked ? note.share.status === "ACTIVE" : Boolean(chosen[a.graphId])}
                        disabled={note?.blocked}
                        onChange={(e) => onToggle(a, e.currentTarget.checked)}
                        data-testid={note ? `existing-${note.share.status === "ACTIVE" ? "shared" : note.blocked ? "offered" : "requested"}` : undefined}
                      />
                    );
                  })}
                </Stack>
              )}
            </fieldset>
          );
        })}
      <Group>
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
        <Button onClick={onNext} disabled={!canGoOn}>
          Next: permissions
        </Button>
      </Group>
    </>
  );
}

/** A permission level for each chosen asset, with what the level allows. */
export function LevelsStep({
  assets,
  levelsOf,
  levels,
  onLevelChange,
  onBack,
  onNext,
}: {
  assets: ChosenAsset[];
  levelsOf: (graphId: string) => PermissionLevel[] | undefined;
  levels: Record<string, string>;
  onLevelChange: (graphId: string, level: string) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  return (
    <>
      {assets.map((a) => {
        const options = levelsOf(a.graphId);
        const selected = options?.find((l) => l.level === levels[a.graphId]);
        return (
          <Stack key={a.graphId} gap={4}>
            <Select
              label={`Permission for ${a.name}`}
              data={(options ?? []).map((l) => ({ value: l.level, label: l.label }))}
              value={levels[a.graphId] ?? null}
              onChange={(value) => value && onLevelChange(a.graphId, value)}
              allowDeselect={false}
              disabled={!options}
              w={{ base: "100%", sm: 320 }}
            />
            <Text size="sm" c="dimmed" data-testid={`level-description-${a.graphId}`}>
              {selected ? `${selected.description}. Tasks: ${selected.tasks.join(", ")}.` : "Loading levels…"}
            </Text>
          </Stack>
        );
      })}
      <Group>
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
        <Button onClick={onNext}>Next: end date</Button>
      </Group>
    </>
  );
}

/** An optional end date, and optional guardrails on each ad account offered at a level that can change budgets. */
export function EndDateStep({
  endDate,
  onEndDateChange,
  endDateError,
  guardable,
  partnerName,
  guards,
  guardErrors,
  onGuardChange,
  onBack,
  onNext,
}: {
  endDate: string;
  onEndDateChange: (value: string) => void;
  endDateError: string | null;
  guardable: ChosenAsset[];
  partnerName: string;
  guards: Record<string, OfferGuard>;
  guardErrors: Record<string, FieldErrors>;
  onGuardChange: (graphId: string, value: OfferGuard) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  return (
    <>
      <TextInput
        type="date"
        label="End access on (optional)"
        description="Access ends by itself at the end of this day (UTC). Leave empty to keep it until you remove it."
        value={endDate}
        onChange={(e) => onEndDateChange(e.currentTarget.value)}
        error={endDateError}
        w={{ base: "100%", sm: 260 }}
      />
      {guardable.length > 0 && (
        <Stack gap="sm">
          <Title order={4} size="h5">
            Guardrails (optional)
          </Title>
          {guardable.map((a) => (
            <OfferGuardrails
              key={a.graphId}
              accountGraphId={a.graphId}
              accountName={a.name}
              partnerName={partnerName}
              value={guards[a.graphId]}
              onChange={(value) => onGuardChange(a.graphId, value)}
              errors={guardErrors[a.graphId] ?? {}}
            />
          ))}
        </Stack>
      )}
      <Group>
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
        <Button onClick={onNext}>Next: review</Button>
      </Group>
    </>
  );
}

/** The offer as it will be sent: the partner, the end date, each asset at its level with its guardrails in words. */
export function ReviewStep({
  partner,
  endDate,
  assets,
  levelOf,
  guardrailLinesOf,
  sending,
  onBack,
  onSend,
}: {
  partner: Business | null;
  endDate: string;
  assets: ChosenAsset[];
  levelOf: (graphId: string) => PermissionLevel | undefined;
  guardrailLinesOf: (graphId: string) => string[] | undefined;
  sending: boolean;
  onBack: () => void;
  onSend: () => void;
}) {
  return (
    <>
      <Text>
        Share with <strong>{partner?.name}</strong>
        {endDate ? ` until ${endDate}` : " with no end date"}:
      </Text>
      <List>
        {assets.map((a) => {
          const guardrailLines = guardrailLinesOf(a.graphId);
          return (
            <List.Item key={a.graphId}>
              {a.name} — {levelOf(a.graphId)?.label}
              {guardrailLines && (
                <List size="sm" data-testid={`offer-guardrails-${a.graphId}`}>
                  {guardrailLines.map((line) => (
                    <List.Item key={line}>{line}</List.Item>
                  ))}
                </List>
              )}
            </List.Item>
          );
        })}
      </List>
      <Text size="sm" c="dimmed">
        {partner?.name} sees the request in their Requests tab and must accept it before they get access.
      </Text>
      <Group>
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
        <Button onClick={onSend} loading={sending}>
          Send request
        </Button>
      </Group>
    </>
  );
}

/** What came of each offer, announced as it appears. */
export function SendResults({ results, onDone }: { results: SendResult[] | null; onDone: () => void }) {
  return (
    <>
      <Title order={4} size="h5">
        {results?.every((r) => r.ok) ? "Request sent" : "Some assets were not shared"}
      </Title>
      <Table aria-label="What was sent">
        <Table.Tbody>
          {(results ?? []).map((r) => (
            <Table.Tr key={r.asset.graphId}>
              <Table.Td>{r.asset.name}</Table.Td>
              <Table.Td c={r.ok ? undefined : "red.8"}>{r.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button onClick={onDone}>Done</Button>
      </Group>
    </>
  );
}
