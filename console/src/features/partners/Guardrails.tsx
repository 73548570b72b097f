import { Alert, Anchor, Button, Card, Checkbox, Group, List, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { errorMessage, graph } from "../../shared/api.ts";
import { formatTime } from "../../shared/format.ts";
import {
  describeGuardrails,
  describeParams,
  draftOf,
  fieldOfError,
  hourLabel,
  paramsOf,
  PERCENTS,
  useAccountMoney,
  useAdObjects,
  WEEK,
  type AdObject,
  type AmountName,
  type FieldErrors,
  type GuardrailDraft,
  type GuardrailSet,
  type PendingChange,
  type PercentName,
} from "./guardrails.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { EmptyState, ErrorText, QueryState } from "../../shared/page.tsx";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";

/**
 * Partner guardrails in the console (docs/guardrails.md): the limits an ad account's owner sets on
 * one partner, shown in words, an editor for the owner's admins, and the changes the hub holds for
 * the owner's approval. Pages load this module on demand (LazyGuardrails.tsx), so it stays out of
 * the first load.
 */

const AMOUNT_LABELS: Record<AmountName, { label: string; description: string }> = {
  max_daily_budget: { label: "Most daily budget", description: "Of any campaign or ad set; a lifetime budget may be this much per day of its schedule." },
  max_increase_amount: { label: "Most raise in one change", description: "How much one change may add to a budget." },
  max_daily_increase_amount: { label: "Most raise within 24 hours", description: "How much a budget may rise over what it was 24 hours before." },
  max_daily_new_spend: { label: "Most new daily spend within 24 hours", description: "Budget raises plus the budgets of new campaigns and ad sets, added up." },
  approval_above: { label: "Ask for approval above", description: "A budget raised above this waits for an admin's approval. Must be below the most daily budget." },
};

const PERCENT_LABELS: Record<PercentName, { label: string; description: string }> = {
  max_increase_percent: { label: "Most raise in one change (%)", description: "In percent of the budget before the change." },
  max_daily_increase_percent: { label: "Most raise within 24 hours (%)", description: "In percent of the budget 24 hours before." },
};

/** Side by side on a wide screen: a limit in money beside the same limit in percent. */
const FIELD_ORDER: readonly (AmountName | PercentName)[] = [
  "max_daily_budget",
  "approval_above",
  "max_increase_amount",
  "max_increase_percent",
  "max_daily_increase_amount",
  "max_daily_increase_percent",
  "max_daily_new_spend",
];

const FROM_HOURS = Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: hourLabel(h) }));
const TO_HOURS = Array.from({ length: 24 }, (_, h) => ({ value: String(h + 1), label: hourLabel(h + 1) }));

/** Every guardrail as a field; `idPrefix` keeps labels unique when several forms share a page. */
export function GuardrailFields({
  draft,
  onChange,
  currency,
  timezone,
  objects,
  errors,
  accountName,
}: {
  draft: GuardrailDraft;
  onChange: (draft: GuardrailDraft) => void;
  currency: string;
  timezone?: string;
  objects: readonly AdObject[];
  errors: FieldErrors;
  accountName: string;
}) {
  const set = (patch: Partial<GuardrailDraft>) => onChange({ ...draft, ...patch });
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Amounts in {currency}. Leave a field empty for no limit.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        {FIELD_ORDER.map((name) =>
          (PERCENTS as readonly string[]).includes(name) ? (
            <TextInput
              key={name}
              label={PERCENT_LABELS[name as PercentName].label}
              description={PERCENT_LABELS[name as PercentName].description}
              inputMode="numeric"
              value={draft.percents[name as PercentName]}
              onChange={(e) => set({ percents: { ...draft.percents, [name]: e.currentTarget.value } })}
              error={errors[name]}
              maxLength={6}
            />
          ) : (
            <TextInput
              key={name}
              label={`${AMOUNT_LABELS[name as AmountName].label} (${currency})`}
              description={AMOUNT_LABELS[name as AmountName].description}
              inputMode="decimal"
              value={draft.amounts[name as AmountName]}
              onChange={(e) => set({ amounts: { ...draft.amounts, [name]: e.currentTarget.value } })}
              error={errors[name]}
              maxLength={20}
            />
          ),
        )}
      </SimpleGrid>
      <fieldset className="plain-fieldset">
        <legend>
          <Text size="sm" fw={500}>
            Hours when changes are allowed
          </Text>
        </legend>
        <Text size="xs" c="dimmed">
          In the account's time zone{timezone ? ` (${timezone})` : ""}; from 22:00 to 06:00 runs across midnight. Leave both empty for any time.
        </Text>
        <Group gap="sm" mt={4} wrap="wrap" align="flex-start">
          <Select label="Allowed from" data={FROM_HOURS} value={draft.hoursFrom} onChange={(v) => set({ hoursFrom: v })} clearable placeholder="Any time" w={140} />
          <Select label="Allowed until" data={TO_HOURS} value={draft.hoursTo} onChange={(v) => set({ hoursTo: v })} clearable placeholder="Any time" w={140} />
        </Group>
        {errors.allowed_hours && (
          <Text size="sm" c="red.8" mt={4} role="alert" data-testid="error-allowed_hours">
            {errors.allowed_hours}
          </Text>
        )}
      </fieldset>
      <Checkbox.Group
        label="Days when changes are allowed"
        description="Leave all unticked for every day."
        value={draft.days}
        onChange={(days) => set({ days })}
        error={errors.allowed_days}
      >
        <Group gap="sm" mt={6} wrap="wrap">
          {WEEK.map((d) => (
            <Checkbox key={d.value} value={d.value} label={d.label} />
          ))}
        </Group>
      </Checkbox.Group>
      <ProtectedObjects
        objects={objects.filter((o) => o.kind !== "Ad label")}
        value={draft.protectedObjects}
        onChange={(protectedObjects) => set({ protectedObjects })}
        error={errors.protected_objects}
        accountName={accountName}
      />
      <Checkbox.Group
        label="Protected ad labels"
        description={`The partner may not change what carries these labels (nor anything in it), nor add, remove, rename or delete them.`}
        value={draft.protectedLabels}
        onChange={(protectedLabels) => set({ protectedLabels })}
        error={errors.protected_labels}
      >
        <div className="object-picker">
          {objects.filter((o) => o.kind === "Ad label").length === 0 && draft.protectedLabels.length === 0 && (
            <Text size="sm" c="dimmed">
              {accountName} has no ad labels yet.
            </Text>
          )}
          {objects
            .filter((o) => o.kind === "Ad label")
            .map((o) => (
              <Checkbox key={o.id} value={o.id} label={o.name} aria-label={`Ad label ${o.name}`} mt={4} />
            ))}
          {draft.protectedLabels
            .filter((id) => !objects.some((o) => o.id === id))
            .map((id) => (
              <Checkbox key={id} value={id} label={`Label ${id}`} mt={4} />
            ))}
        </div>
      </Checkbox.Group>
    </Stack>
  );
}

/**
 * The protected campaigns and ad sets, ticked by name under their kind, with a filter for a long
 * list. (Checkboxes rather than a multi-select: they need nothing more in the first load.)
 */
function ProtectedObjects({
  objects,
  value,
  onChange,
  error,
  accountName,
}: {
  objects: readonly AdObject[];
  value: string[];
  onChange: (value: string[]) => void;
  error: string | undefined;
  accountName: string;
}) {
  const [filter, setFilter] = useState("");
  const wanted = filter.trim().toLowerCase();
  const shown = objects.filter((o) => !wanted || o.name.toLowerCase().includes(wanted) || value.includes(o.id));
  // Protected ids the list does not know (an ad, say) stay ticked and show as their ids.
  const unknown = value.filter((id) => !objects.some((o) => o.id === id));
  return (
    <Stack gap={6}>
      {objects.length > 8 && <TextInput label="Find a campaign or ad set" size="xs" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} w={{ base: "100%", sm: 320 }} />}
      <Checkbox.Group
        label="Protected campaigns and ad sets"
        description={`The partner may not change these campaigns and ad sets of ${accountName}, nor anything in them.`}
        value={value}
        onChange={onChange}
        error={error}
      >
        <div className="object-picker">
          {objects.length === 0 && unknown.length === 0 && (
            <Text size="sm" c="dimmed">
              {accountName} has no campaigns or ad sets yet.
            </Text>
          )}
          {(["Campaign", "Ad set"] as const).map((kind) => {
            const ofKind = shown.filter((o) => o.kind === kind);
            return (
              ofKind.length > 0 && (
                <Stack key={kind} gap={4} mt={6}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                    {kind === "Campaign" ? "Campaigns" : "Ad sets"}
                  </Text>
                  {ofKind.map((o) => (
                    <Checkbox key={o.id} value={o.id} label={o.name} aria-label={`${kind} ${o.name}`} />
                  ))}
                </Stack>
              )
            );
          })}
          {unknown.map((id) => (
            <Checkbox key={id} value={id} label={`Object ${id}`} mt={6} />
          ))}
        </div>
      </Checkbox.Group>
    </Stack>
  );
}

// ---- one partner's guardrails on one account ---------------------------------------------------

/**
 * One partner's guardrails on one ad account: in words for everyone who may read them (the owner's
 * people, the partner's own), with an editor and "Remove guardrails" for the owner's admins.
 */
export function PartnerGuardrails({
  accountGraphId,
  accountName,
  partnerId,
  partnerName,
  side,
  canEdit,
}: {
  accountGraphId: string;
  accountName: string;
  partnerId: string;
  partnerName: string;
  side: "owner" | "partner";
  canEdit: boolean;
}) {
  const key = ["partner-guardrails", accountGraphId, partnerId];
  const guardrails = useQuery({ queryKey: key, queryFn: async () => (await graph.get<{ data: GuardrailSet[] }>(`/${accountGraphId}/partner_guardrails`, { business: partnerId })).data[0] ?? null });
  const money = useAccountMoney(accountGraphId);
  const objects = useAdObjects(accountGraphId);
  const currency = money.data?.currency ?? "USD";
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<GuardrailDraft | null>(null);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const save = useGraphMutation((params: Record<string, unknown>) => graph.post(`/${accountGraphId}/partner_guardrails`, { business: partnerId, ...params } as Record<string, string>), {
    invalidate: [key],
    onSuccess: () => {
      setEditing(false);
      setSaved(true);
    },
  });
  const submit = useSubmitOnce(save, () => paramsOf(draft!, currency).params);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    const { errors, any } = paramsOf(draft, currency);
    if (!any && !guardrails.data) errors.max_daily_budget ??= "Set at least one limit.";
    setClientErrors(errors);
    if (Object.keys(errors).length > 0) return;
    if (!any) {
      setClientErrors({ max_daily_budget: "Every field is empty: use Remove guardrails to take them all away." });
      return;
    }
    submit();
  };
  const serverField = fieldOfError(save.error);
  const errors: FieldErrors = { ...clientErrors, ...(serverField && save.error ? { [serverField]: errorMessage(save.error) } : {}) };
  const headingId = `guardrails-${accountGraphId}-${partnerId}`;
  const lines = guardrails.data ? describeGuardrails(guardrails.data, currency, objects.data ?? [], side, money.data?.timezone_name) : [];

  return (
    <Card withBorder component="section" aria-labelledby={headingId} data-testid={`guardrails-${accountGraphId}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={4} size="h5" id={headingId}>
            Guardrails on {accountName}
          </Title>
          {canEdit && !editing && (
            <Group gap="xs">
              <Button
                size="xs"
                variant="default"
                onClick={() => {
                  setDraft(draftOf(guardrails.data ?? undefined, currency));
                  setClientErrors({});
                  save.reset();
                  setSaved(false);
                  setEditing(true);
                }}
                disabled={!guardrails.isSuccess || !money.isSuccess}
              >
                {guardrails.data ? "Edit guardrails" : "Set guardrails"}
              </Button>
              {guardrails.data && (
                <ConfirmAction
                  kind="guardrails"
                  label="Remove guardrails"
                  ariaLabel={`Remove guardrails of ${partnerName} on ${accountName}`}
                  title={`Remove ${partnerName}'s guardrails on ${accountName}?`}
                  description={`${partnerName} could then change budgets on ${accountName} as far as its permission allows, at any hour and on any day, with nothing waiting for your approval. Changes already waiting stay until you decide them.`}
                  confirmLabel="Remove guardrails"
                  invalidate={[key]}
                  onConfirm={() => graph.delete(`/${accountGraphId}/partner_guardrails`, { business: partnerId })}
                  onDone={() => setSaved(false)}
                />
              )}
            </Group>
          )}
        </Group>
        <QueryState query={guardrails} label={`guardrails on ${accountName}`}>
          {(data) =>
            data ? (
              <List size="sm" spacing={2} data-testid="guardrail-words">
                {lines.map((line) => (
                  <List.Item key={line}>{line}</List.Item>
                ))}
              </List>
            ) : (
              <Text size="sm" c="dimmed" data-testid="guardrail-words">
                {side === "owner"
                  ? `No guardrails: ${partnerName} may change budgets as far as its permission allows, at any time.`
                  : `No guardrails: you may work on ${accountName} as far as your permission allows.`}
              </Text>
            )
          }
        </QueryState>
        {saved && !editing && (
          <Text size="sm" role="status">
            Guardrails saved.
          </Text>
        )}
        {editing && draft && (
          <form onSubmit={onSubmit} aria-label={`Guardrails of ${partnerName} on ${accountName}`} noValidate>
            <Stack gap="md">
              <GuardrailFields
                draft={draft}
                onChange={(next) => {
                  setDraft(next);
                  setClientErrors({});
                }}
                currency={currency} timezone={money.data?.timezone_name} objects={objects.data ?? []} errors={errors} accountName={accountName} />
              {save.error && !serverField && <ErrorText error={save.error} />}
              {save.error && serverField && (
                <Alert color="red" role="alert" data-testid="guardrails-not-saved">
                  Nothing was saved: the hub refused one value, marked above.
                </Alert>
              )}
              <Group>
                <Button type="submit" loading={save.isPending} disabled={save.isPending}>
                  Save guardrails
                </Button>
                <Button variant="default" onClick={() => setEditing(false)} disabled={save.isPending}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        <HeldChanges accountGraphId={accountGraphId} accountName={accountName} partnerId={partnerId} canDecide={canEdit} hideWhenEmpty />
      </Stack>
    </Card>
  );
}

// ---- held changes -------------------------------------------------------------------------------

/**
 * The changes held on an ad account for the owner's approval (one partner's when `partnerId` is
 * given): what, by whom, what it would change, when it expires; Approve (confirmed: it spends money)
 * and Reject for the owner's admins.
 */
export function HeldChanges({
  accountGraphId,
  accountName,
  partnerId,
  canDecide,
  hideWhenEmpty = false,
}: {
  accountGraphId: string;
  accountName: string;
  partnerId?: string;
  canDecide: boolean;
  hideWhenEmpty?: boolean;
}) {
  const changes = useQuery({
    queryKey: ["pending-changes", accountGraphId],
    queryFn: async () => (await graph.get<{ data: PendingChange[] }>(`/${accountGraphId}/pending_changes`)).data,
    refetchInterval: 15_000,
  });
  const rows = (changes.data ?? []).filter((c) => partnerId === undefined || c.business === partnerId);
  const money = useAccountMoney(accountGraphId);
  const objects = useAdObjects(accountGraphId, rows.length > 0);
  // Who asked: the people and system users who reach the account, and the partners it is shared with.
  const people = useQuery({
    queryKey: ["account-users", accountGraphId],
    queryFn: () => graph.all<{ id: string; name: string }>(`/${accountGraphId}/users`, { fields: "id,name" }),
    enabled: rows.length > 0,
  });
  const partners = useQuery({
    queryKey: ["asset-agencies-names", accountGraphId],
    queryFn: () => graph.all<{ id: string; name: string }>(`/${accountGraphId}/agencies`, { fields: "id,name" }),
    enabled: rows.length > 0 && canDecide,
  });
  const currency = money.data?.currency ?? "USD";
  const reject = useGraphMutation((id: string) => graph.post(`/${accountGraphId}/pending_changes`, { id, decision: "REJECT" }), { invalidate: [["pending-changes", accountGraphId], ["pending-count"]] });
  const [deciding, setDeciding] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // Once a decision was made here, the section stays to say so.
  if (hideWhenEmpty && rows.length === 0 && !changes.isError && !done) return null;
  const objectName = (c: PendingChange) => {
    const found = objects.data?.find((o) => o.id === c.object_id);
    return `${c.object_type === "campaign" ? "Campaign" : "Ad set"} ${found?.name ?? c.object_id}`;
  };
  const who = (c: PendingChange) => {
    const person = people.data?.find((p) => p.id === c.requested_by)?.name ?? "Someone";
    const business = partners.data?.find((p) => p.id === c.business)?.name;
    return business ? `${person} (${business})` : person;
  };

  return (
    <section aria-label={`Changes waiting for approval on ${accountName}`}>
      <Title order={5} size="h6" mb={4}>
        Waiting for approval on {accountName}
      </Title>
      <QueryState query={changes} label={`changes waiting on ${accountName}`}>
        {() =>
          rows.length === 0 ? (
            <EmptyState label={`held changes ${accountGraphId}`}>No change is waiting for approval.</EmptyState>
          ) : (
            <DataTable
              label={`Changes waiting for approval on ${accountName}`}
              rows={rows}
              rowKey={(c) => c.id}
              rowTestId={(c) => `held-${c.id}`}
              fz="sm"
              columns={[
                {
                  header: "Change",
                  cell: (c) => (
                    <>
                      <Text size="sm" fw={500}>
                        {objectName(c)}: {describeParams(c.params, currency)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {c.reason}
                      </Text>
                    </>
                  ),
                },
                { header: "Asked by", cell: (c) => who(c) },
                { header: "Asked", cell: (c) => formatTime(c.requested_time) },
                { header: "Expires", cell: (c) => formatTime(c.expiration_time) },
                {
                  header: "Decision",
                  hidden: !canDecide,
                  cell: (c) => (
                    <Group gap="xs" wrap="nowrap">
                      <ConfirmAction
                        kind="approve-change"
                        label="Approve"
                        ariaLabel={`Approve ${objectName(c)}: ${describeParams(c.params, currency)}`}
                        buttonProps={{ variant: "filled", color: "indigo" }}
                        title={`Approve this change to ${objectName(c)}?`}
                        description={`It is made at once, in your name: ${describeParams(c.params, currency)}. This can spend more of ${accountName}'s money. Asked by ${who(c)}.`}
                        confirmLabel="Approve and apply"
                        invalidate={[["pending-changes", accountGraphId], ["ad-objects", accountGraphId], ["campaigns", accountGraphId], ["pending-count"]]}
                        onConfirm={() => graph.post(`/${accountGraphId}/pending_changes`, { id: c.id, decision: "APPROVE" })}
                        onDone={() => setDone(`Approved: ${objectName(c)}, ${describeParams(c.params, currency)}.`)}
                      />
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Reject ${objectName(c)}: ${describeParams(c.params, currency)}`}
                        loading={reject.isPending && deciding === c.id}
                        disabled={reject.isPending}
                        onClick={() => {
                          if (reject.isPending) return;
                          setDeciding(c.id);
                          reject.mutate(c.id, { onSuccess: () => setDone(`Rejected: ${objectName(c)}. Nothing changed.`) });
                        }}
                      >
                        Reject
                      </Button>
                    </Group>
                  ),
                },
              ]}
            />
          )
        }
      </QueryState>
      {done && (
        <Text size="sm" role="status" mt={4} data-testid="held-decision">
          {done}
        </Text>
      )}
      <ErrorText error={reject.error} />
    </section>
  );
}

/** A link to where the owner edits a partner's guardrails. */
export function EditOnPartnerPage({ businessId, partnerId, partnerName }: { businessId: string; partnerId: string; partnerName: string }) {
  return (
    <Anchor component={Link} to={`/b/${businessId}/partners/${partnerId}`} size="sm">
      Edit on {partnerName}'s page
    </Anchor>
  );
}

/**
 * The ad account's page: every partner's guardrails in words (the owner's people see all, a
 * partner's its own), each with a link to the partner's page where the owner's admins edit them,
 * and the changes waiting for approval on the account.
 */
export function AccountGuardrails({ accountGraphId, accountName, businessId, weOwn, isAdmin }: { accountGraphId: string; accountName: string; businessId: string; weOwn: boolean; isAdmin: boolean }) {
  const sets = useQuery({ queryKey: ["partner-guardrails", accountGraphId], queryFn: async () => (await graph.get<{ data: GuardrailSet[] }>(`/${accountGraphId}/partner_guardrails`)).data });
  const partners = useQuery({ queryKey: ["asset-agencies-names", accountGraphId], queryFn: () => graph.all<{ id: string; name: string }>(`/${accountGraphId}/agencies`, { fields: "id,name" }), enabled: weOwn });
  const money = useAccountMoney(accountGraphId);
  const objects = useAdObjects(accountGraphId, (sets.data?.length ?? 0) > 0);
  const currency = money.data?.currency ?? "USD";
  const partnerName = (id: string) => partners.data?.find((p) => p.id === id)?.name ?? `Business ${id}`;
  return (
    <section aria-labelledby="account-guardrails-heading">
      <Title order={3} size="h4" id="account-guardrails-heading" mb="xs">
        Partner guardrails
      </Title>
      <QueryState
        query={sets}
        label="partner guardrails"
        empty={weOwn ? "No partner has guardrails on this account. Set them on a partner's page (Partners → the partner)." : "Your business has no guardrails on this account."}
        isEmpty={(d) => d.length === 0}
      >
        {(data) => (
          <Stack gap="sm">
            {data.map((g) => (
              <Card withBorder key={g.business} data-testid={`account-guardrails-${g.business}`}>
                <Group justify="space-between" wrap="wrap" mb={4}>
                  <Text fw={600}>{weOwn ? partnerName(g.business) : "Your business"}</Text>
                  {weOwn && isAdmin && <EditOnPartnerPage businessId={businessId} partnerId={g.business} partnerName={partnerName(g.business)} />}
                </Group>
                <List size="sm" spacing={2}>
                  {describeGuardrails(g, currency, objects.data ?? [], weOwn ? "owner" : "partner", money.data?.timezone_name).map((line) => (
                    <List.Item key={line}>{line}</List.Item>
                  ))}
                </List>
              </Card>
            ))}
          </Stack>
        )}
      </QueryState>
      <Stack mt="md">
        <HeldChanges accountGraphId={accountGraphId} accountName={accountName} canDecide={weOwn && isAdmin} />
      </Stack>
    </section>
  );
}

/**
 * The add-partner wizard's optional guardrails for one ad account offered at a level that can change
 * budgets: a switch, then the same fields as the partner's page. The wizard sends them with the offer.
 */
export function OfferGuardrails({
  accountGraphId,
  accountName,
  partnerName,
  value,
  onChange,
  errors,
}: {
  accountGraphId: string;
  accountName: string;
  partnerName: string;
  value: { on: boolean; draft: GuardrailDraft } | undefined;
  onChange: (value: { on: boolean; draft: GuardrailDraft }) => void;
  errors: FieldErrors;
}) {
  const money = useAccountMoney(accountGraphId);
  const objects = useAdObjects(accountGraphId, value?.on === true);
  const currency = money.data?.currency ?? "USD";
  const current = value ?? { on: false, draft: draftOf(undefined, currency) };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Checkbox
          label={`Set guardrails for ${partnerName} on ${accountName} (optional)`}
          description="Bound the budgets they may set and when they may work. You can also set or change them later on the partner's page."
          checked={current.on}
          onChange={(e) => onChange({ ...current, on: e.currentTarget.checked })}
          disabled={!money.isSuccess}
        />
        {current.on && (
          <GuardrailFields
            draft={current.draft}
            onChange={(draft) => onChange({ ...current, draft })}
            currency={currency}
            timezone={money.data?.timezone_name}
            objects={objects.data ?? []}
            errors={errors}
            accountName={accountName}
          />
        )}
      </Stack>
    </Card>
  );
}
