import { Alert, Button, Checkbox, Group, List, Select, Stack, Stepper, Table, Text, TextInput, Title } from "@mantine/core";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ASSET_TYPES } from "../../shared/assetTypes.ts";
import { errorMessage, graph, GraphError } from "../../shared/api.ts";
import { formatTime } from "../../shared/format.ts";
import type { Asset, AssetType, Business, PermissionLevel, Share } from "../../shared/wire.ts";
import { describeGuardrails, paramsOf, type AdObject, type FieldErrors, type GuardrailDraft, type GuardrailSet } from "./guardrails.ts";
import { OfferGuardrails } from "./LazyGuardrails.tsx";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Ad account tasks that let a partner change budgets: a share with one of them may get guardrails. */
const BUDGET_TASKS = ["ADVERTISE", "MANAGE"];

interface ChosenAsset {
  graphId: string;
  name: string;
  type: AssetType;
}

interface SendResult {
  asset: ChosenAsset;
  ok: boolean;
  message: string;
}

function useOwnedAssets(businessId: string) {
  return useQuery({
    queryKey: ["owned-assets", businessId],
    queryFn: async () => {
      const lists = await Promise.all(
        ASSET_TYPES.map(async (t) => (await graph.all<Asset>(`/${businessId}/${t.owned}`, { fields: t.type === "instagram_account" ? "id,name,username" : "id,name" })).map((a) => ({ graphId: a.id, name: a.name, type: t.type }))),
      );
      return lists.flat();
    },
  });
}

/**
 * What the owner already shares with the partner, by asset: an active share or an offer the owner
 * sent cannot be offered again here (the hub would change its tasks without the confirmation a
 * narrowing needs; the partner's page changes levels); a request the partner sent can be approved
 * by offering it, as `POST /{asset}/agencies` does.
 */
function existingShareNote(share: Share, partnerName: string): { blocked: boolean; text: string } {
  if (share.status === "ACTIVE") {
    return { blocked: true, text: `Already shared: ${share.access_level}${share.end_time ? ` until ${formatTime(share.end_time)}` : ""}. Change it on ${partnerName}'s page.` };
  }
  if (share.initiated_by === "OWNER") {
    return { blocked: true, text: `Offer pending: ${share.access_level}, waiting for ${partnerName} to accept${share.expiration_time ? ` (expires ${formatTime(share.expiration_time)})` : ""}.` };
  }
  return { blocked: false, text: `${partnerName} asked for ${share.access_level}: sending approves their request at the level you pick.` };
}

/**
 * Business Settings → Partners → Add: the partner's Business ID, its name for confirmation, the
 * assets of every type (with what is already shared with that partner or pending), a permission
 * level per asset with what it allows, an optional end date, send.
 */
export function AddPartnerWizard({ businessId, onClose }: { businessId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [partnerIdInput, setPartnerIdInput] = useState("");
  const [partner, setPartner] = useState<Business | null>(null);
  const [lookupError, setLookupError] = useState<string | null>(null);
  const [lookingUp, setLookingUp] = useState(false);
  const [chosen, setChosen] = useState<Record<string, ChosenAsset>>({});
  const [levels, setLevels] = useState<Record<string, string>>({});
  const [endDate, setEndDate] = useState("");
  const [endDateError, setEndDateError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [results, setResults] = useState<SendResult[] | null>(null);
  const owned = useOwnedAssets(businessId);
  // The same query as the partner's page: the shares between the two businesses, either way.
  const existing = useQuery({
    queryKey: ["partner-shares", businessId, partner?.id],
    queryFn: () => graph.all<Share>(`/${businessId}/partner_shares`, { partner: partner!.id }),
    enabled: partner !== null,
  });
  const partnerName = partner?.name ?? "the partner";
  const notes = new Map((existing.data ?? []).filter((s) => s.owner.id === businessId).map((s) => [s.asset.id, { share: s, ...existingShareNote(s, partnerName) }]));
  const activeCount = [...notes.values()].filter((n) => n.share.status === "ACTIVE").length;
  const pendingCount = notes.size - activeCount;
  // Never offer twice, even if the partner changed after assets were ticked.
  const chosenList = Object.values(chosen).filter((a) => !notes.get(a.graphId)?.blocked);
  const levelQueries = useQueries({
    queries: chosenList.map((a) => ({
      queryKey: ["permission-levels", a.graphId],
      queryFn: () => graph.all<PermissionLevel>(`/${a.graphId}/permission_levels`),
      staleTime: Infinity,
    })),
  });
  const levelsOf = (graphId: string) => levelQueries[chosenList.findIndex((a) => a.graphId === graphId)]?.data;
  const [guards, setGuards] = useState<Record<string, { on: boolean; draft: GuardrailDraft }>>({});
  const [guardErrors, setGuardErrors] = useState<Record<string, FieldErrors>>({});
  const currencyOf = (graphId: string) => queryClient.getQueryData<{ currency?: string }>(["account-money", graphId])?.currency ?? "USD";
  // Ad accounts offered at a level that can change budgets: the ones guardrails mean something on.
  const guardable = chosenList.filter((a) => a.type === "ad_account" && (levelsOf(a.graphId)?.find((l) => l.level === levels[a.graphId])?.tasks ?? []).some((t) => BUDGET_TASKS.includes(t)));
  /** The guardrails to send with an account's offer, or undefined when none were asked for. */
  const guardrailsFor = (graphId: string) => {
    const guard = guards[graphId];
    if (!guard?.on || !guardable.some((a) => a.graphId === graphId)) return undefined;
    const { params, any } = paramsOf(guard.draft, currencyOf(graphId));
    if (!any) return undefined;
    // Only the limits set: "" would clear a limit, and a new share has none to clear.
    return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ""));
  };
  const checkGuardrails = () => {
    const found: Record<string, FieldErrors> = {};
    for (const a of guardable) {
      const guard = guards[a.graphId];
      if (!guard?.on) continue;
      const { errors } = paramsOf(guard.draft, currencyOf(a.graphId));
      if (Object.keys(errors).length > 0) found[a.graphId] = errors;
    }
    setGuardErrors(found);
    return Object.keys(found).length === 0;
  };

  const lookUp = async (event: FormEvent) => {
    event.preventDefault();
    const id = partnerIdInput.trim();
    setLookupError(null);
    if (!/^\d+$/.test(id)) {
      setLookupError("A Business ID is a number, like 1234567890. Ask your partner for theirs: Business Settings → Business info.");
      return;
    }
    if (id === businessId) {
      setLookupError("That is your own Business ID. Enter your partner's.");
      return;
    }
    setLookingUp(true);
    try {
      setPartner(await graph.get<Business>(`/${id}`, { fields: "id,name,verification_status" }));
    } catch (error) {
      setLookupError(error instanceof GraphError && error.isNotFound ? `No business has the ID ${id}. Check the number with your partner.` : errorMessage(error));
    } finally {
      setLookingUp(false);
    }
  };

  const toggle = (asset: ChosenAsset, on: boolean) => {
    setChosen((current) => {
      const next = { ...current };
      if (on) next[asset.graphId] = asset;
      else delete next[asset.graphId];
      return next;
    });
    setLevels((current) => ({ ...current, [asset.graphId]: current[asset.graphId] ?? "VIEW_ONLY" }));
  };

  const checkEndDate = () => {
    if (!endDate) return true;
    const at = Date.parse(`${endDate}T23:59:59Z`);
    if (!Number.isFinite(at) || at <= Date.now()) {
      setEndDateError("Pick a date in the future, or leave it empty for access with no end date.");
      return false;
    }
    setEndDateError(null);
    return true;
  };

  const send = async () => {
    if (!partner) return;
    setSending(true);
    const out: SendResult[] = [];
    for (const asset of chosenList) {
      const level = levelsOf(asset.graphId)?.find((l) => l.level === levels[asset.graphId]);
      try {
        const answer = await graph.post<{ access_status: string }>(`/${asset.graphId}/agencies`, {
          business: partner.id,
          permitted_tasks: level?.tasks ?? [],
          end_time: endDate ? String(Math.floor(Date.parse(`${endDate}T23:59:59Z`) / 1000)) : undefined,
          // The hub stores the offer and its guardrails together, or neither (docs/guardrails.md).
          guardrails: guardrailsFor(asset.graphId),
        });
        out.push({ asset, ok: true, message: answer.access_status === "CONFIRMED" ? "Shared (the partner had asked for it)." : `Sent. ${partner.name} must accept it.` });
      } catch (error) {
        out.push({ asset, ok: false, message: errorMessage(error) });
      }
    }
    setResults(out);
    setSending(false);
    setStep(5);
    void queryClient.invalidateQueries();
  };

  return (
    <Stack>
      <Title order={3} size="h4">
        Add a partner
      </Title>
      <Stepper active={step} onStepClick={(s) => s < step && step < 5 && setStep(s)} size="sm" orientation="horizontal" allowNextStepsSelect={false} wrap>
        <Stepper.Step label="Business ID" description="Who is the partner?">
          <form onSubmit={lookUp} aria-label="Partner's Business ID">
            <Stack mt="md">
              <TextInput
                label="Partner's Business ID"
                description="Your partner finds it in their Business Settings → Business info."
                value={partnerIdInput}
                onChange={(e) => {
                  setPartnerIdInput(e.currentTarget.value);
                  setPartner(null);
                }}
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
                  {notes.size > 0 && (
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
                  <Button type="button" onClick={() => setStep(1)}>
                    Yes, share with {partner.name}
                  </Button>
                )}
                <Button variant="default" type="button" onClick={onClose}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        </Stepper.Step>
        <Stepper.Step label="Assets" description="What to share">
          <Stack mt="md">
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
                              onChange={(e) => toggle(a, e.currentTarget.checked)}
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
              <Button variant="default" onClick={() => setStep(0)}>
                Back
              </Button>
              <Button onClick={() => setStep(2)} disabled={chosenList.length === 0}>
                Next: permissions
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Permissions" description="Level per asset">
          <Stack mt="md">
            {chosenList.map((a) => {
              const options = levelsOf(a.graphId);
              const selected = options?.find((l) => l.level === levels[a.graphId]);
              return (
                <Stack key={a.graphId} gap={4}>
                  <Select
                    label={`Permission for ${a.name}`}
                    data={(options ?? []).map((l) => ({ value: l.level, label: l.label }))}
                    value={levels[a.graphId] ?? null}
                    onChange={(value) => value && setLevels((c) => ({ ...c, [a.graphId]: value }))}
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
              <Button variant="default" onClick={() => setStep(1)}>
                Back
              </Button>
              <Button onClick={() => setStep(3)}>Next: end date</Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="End date" description="Optional">
          <Stack mt="md">
            <TextInput
              type="date"
              label="End access on (optional)"
              description="Access ends by itself at the end of this day (UTC). Leave empty to keep it until you remove it."
              value={endDate}
              onChange={(e) => setEndDate(e.currentTarget.value)}
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
                    partnerName={partner?.name ?? "the partner"}
                    value={guards[a.graphId]}
                    onChange={(value) => {
                      setGuards((current) => ({ ...current, [a.graphId]: value }));
                      setGuardErrors((current) => ({ ...current, [a.graphId]: {} }));
                    }}
                    errors={guardErrors[a.graphId] ?? {}}
                  />
                ))}
              </Stack>
            )}
            <Group>
              <Button variant="default" onClick={() => setStep(2)}>
                Back
              </Button>
              <Button onClick={() => checkEndDate() && checkGuardrails() && setStep(4)}>Next: review</Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Send" description="Review and send">
          <Stack mt="md">
            <Text>
              Share with <strong>{partner?.name}</strong>
              {endDate ? ` until ${endDate}` : " with no end date"}:
            </Text>
            <List>
              {chosenList.map((a) => (
                <List.Item key={a.graphId}>
                  {a.name} — {levelsOf(a.graphId)?.find((l) => l.level === levels[a.graphId])?.label}
                  {guardrailsFor(a.graphId) && (
                    <List size="sm" data-testid={`offer-guardrails-${a.graphId}`}>
                      {describeGuardrails({ business: partner?.id ?? "", ...(guardrailsFor(a.graphId) as Omit<GuardrailSet, "business">) }, currencyOf(a.graphId), queryClient.getQueryData<AdObject[]>(["ad-objects", a.graphId]) ?? [], "owner").map((line) => (
                        <List.Item key={line}>{line}</List.Item>
                      ))}
                    </List>
                  )}
                </List.Item>
              ))}
            </List>
            <Text size="sm" c="dimmed">
              {partner?.name} sees the request in their Requests tab and must accept it before they get access.
            </Text>
            <Group>
              <Button variant="default" onClick={() => setStep(3)}>
                Back
              </Button>
              <Button onClick={() => void send()} loading={sending}>
                Send request
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>
          <Stack mt="md" role="status" aria-live="polite">
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
              <Button onClick={onClose}>Done</Button>
            </Group>
          </Stack>
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}
