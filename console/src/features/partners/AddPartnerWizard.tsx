import { Stack, Stepper, Title } from "@mantine/core";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ASSET_TYPES } from "../../shared/assetTypes.ts";
import { errorMessage, graph, GraphError } from "../../shared/api.ts";
import type { Asset, Business, PermissionLevel, Share } from "../../shared/wire.ts";
import { businessIdProblem, changesBudgets, endDateProblem, endTimeOf, offeredGuardrails, shareNotes, type ChosenAsset, type SendResult } from "./addPartner.ts";
import { ChooseAssetsStep, EndDateStep, LevelsStep, PartnerLookupStep, ReviewStep, SendResults, type OfferGuard } from "./addPartnerSteps.tsx";
import { describeGuardrails, paramsOf, type AdObject, type FieldErrors, type GuardrailSet } from "./guardrails.ts";

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

/** The partner's Business ID as typed, the business it names once looked up, and why a lookup failed. */
function usePartnerLookup(businessId: string) {
  const [partnerIdInput, setPartnerIdInput] = useState("");
  const [partner, setPartner] = useState<Business | null>(null);
  const [lookupError, setLookupError] = useState<string | null>(null);
  const [lookingUp, setLookingUp] = useState(false);

  const changePartnerId = (value: string) => {
    setPartnerIdInput(value);
    setPartner(null);
  };

  const lookUp = async (event: FormEvent) => {
    event.preventDefault();
    const id = partnerIdInput.trim();
    const problem = businessIdProblem(id, businessId);
    setLookupError(problem);
    if (problem) return;
    setLookingUp(true);
    try {
      setPartner(await graph.get<Business>(`/${id}`, { fields: "id,name,verification_status" }));
    } catch (error) {
      setLookupError(error instanceof GraphError && error.isNotFound ? `No business has the ID ${id}. Check the number with your partner.` : errorMessage(error));
    } finally {
      setLookingUp(false);
    }
  };

  return { partnerIdInput, changePartnerId, partner, lookupError, lookingUp, lookUp };
}

/**
 * The optional guardrails on the offered ad accounts (`guardable`, those at a level that can change
 * budgets): the form of each, its errors, and what to send with each offer.
 */
function useOfferGuardrails(guardable: ChosenAsset[], partnerId: string | undefined) {
  const queryClient = useQueryClient();
  const [guards, setGuards] = useState<Record<string, OfferGuard>>({});
  const [guardErrors, setGuardErrors] = useState<Record<string, FieldErrors>>({});
  const currencyOf = (graphId: string) => queryClient.getQueryData<{ currency?: string }>(["account-money", graphId])?.currency ?? "USD";

  const changeGuard = (graphId: string, value: OfferGuard) => {
    setGuards((current) => ({ ...current, [graphId]: value }));
    setGuardErrors((current) => ({ ...current, [graphId]: {} }));
  };

  /** The guardrails to send with an account's offer, or undefined when none were asked for. */
  const guardrailsFor = (graphId: string) => {
    const guard = guards[graphId];
    if (!guard?.on || !guardable.some((a) => a.graphId === graphId)) return undefined;
    return offeredGuardrails(guard.draft, currencyOf(graphId));
  };

  /** An account's guardrails in words for the review, or undefined when none are sent. */
  const guardrailLinesOf = (graphId: string) => {
    const guardrails = guardrailsFor(graphId);
    if (!guardrails) return undefined;
    const objects = queryClient.getQueryData<AdObject[]>(["ad-objects", graphId]) ?? [];
    return describeGuardrails({ business: partnerId ?? "", ...(guardrails as Omit<GuardrailSet, "business">) }, currencyOf(graphId), objects, "owner");
  };

  /** Shows each account's field errors; true when every guardrail asked for can be sent. */
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

  return { guards, guardErrors, changeGuard, guardrailsFor, guardrailLinesOf, checkGuardrails };
}

/**
 * Business Settings → Partners → Add: the partner's Business ID, its name for confirmation, the
 * assets of every type (with what is already shared with that partner or pending), a permission
 * level per asset with what it allows, an optional end date, send.
 */
export function AddPartnerWizard({ businessId, onClose }: { businessId: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const { partnerIdInput, changePartnerId, partner, lookupError, lookingUp, lookUp } = usePartnerLookup(businessId);
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
  const notes = shareNotes(existing.data ?? [], businessId, partnerName);
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
  const levelOf = (graphId: string) => levelsOf(graphId)?.find((l) => l.level === levels[graphId]);
  // Ad accounts offered at a level that can change budgets: the ones guardrails mean something on.
  const guardable = chosenList.filter((a) => a.type === "ad_account" && changesBudgets(levelOf(a.graphId)));
  const { guards, guardErrors, changeGuard, guardrailsFor, guardrailLinesOf, checkGuardrails } = useOfferGuardrails(guardable, partner?.id);

  const toggle = (asset: ChosenAsset, on: boolean) => {
    setChosen((current) => {
      const next = { ...current };
      if (on) next[asset.graphId] = asset;
      else delete next[asset.graphId];
      return next;
    });
    setLevels((current) => ({ ...current, [asset.graphId]: current[asset.graphId] ?? "VIEW_ONLY" }));
  };

  const changeEndDate = (value: string) => {
    setEndDate(value);
    // The date the error was about is gone; the next check says whether the new one is right.
    setEndDateError(null);
  };

  const checkEndDate = () => {
    // An empty date is no end date: nothing to check, and an error shown for an earlier date goes.
    const problem = endDate ? endDateProblem(endDate, Date.now()) : null;
    setEndDateError(problem);
    return problem === null;
  };

  const send = async () => {
    if (!partner) return;
    setSending(true);
    const out: SendResult[] = [];
    for (const asset of chosenList) {
      try {
        const answer = await graph.post<{ access_status: string }>(`/${asset.graphId}/agencies`, {
          business: partner.id,
          permitted_tasks: levelOf(asset.graphId)?.tasks ?? [],
          end_time: endTimeOf(endDate),
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

  // The steps after the first render into a Stack written here, the same element in every step, so
  // React keeps it as the step changes: the ids Mantine derives from the order in which elements
  // first appear stay as they are.
  return (
    <Stack>
      <Title order={3} size="h4">
        Add a partner
      </Title>
      <Stepper active={step} onStepClick={(s) => s < step && step < 5 && setStep(s)} size="sm" orientation="horizontal" allowNextStepsSelect={false} wrap>
        <Stepper.Step label="Business ID" description="Who is the partner?">
          <PartnerLookupStep
            partnerIdInput={partnerIdInput}
            onPartnerIdChange={changePartnerId}
            lookupError={lookupError}
            lookingUp={lookingUp}
            partner={partner}
            activeCount={activeCount}
            pendingCount={pendingCount}
            onLookUp={lookUp}
            onConfirm={() => setStep(1)}
            onCancel={onClose}
          />
        </Stepper.Step>
        <Stepper.Step label="Assets" description="What to share">
          <Stack mt="md">
            <ChooseAssetsStep
              owned={owned}
              existing={existing}
              partnerName={partnerName}
              notes={notes}
              chosen={chosen}
              onToggle={toggle}
              canGoOn={chosenList.length > 0}
              onBack={() => setStep(0)}
              onNext={() => setStep(2)}
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Permissions" description="Level per asset">
          <Stack mt="md">
            <LevelsStep
              assets={chosenList}
              levelsOf={levelsOf}
              levels={levels}
              onLevelChange={(graphId, level) => setLevels((c) => ({ ...c, [graphId]: level }))}
              onBack={() => setStep(1)}
              onNext={() => setStep(3)}
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="End date" description="Optional">
          <Stack mt="md">
            <EndDateStep
              endDate={endDate}
              onEndDateChange={changeEndDate}
              endDateError={endDateError}
              guardable={guardable}
              partnerName={partnerName}
              guards={guards}
              guardErrors={guardErrors}
              onGuardChange={changeGuard}
              onBack={() => setStep(2)}
              onNext={() => checkEndDate() && checkGuardrails() && setStep(4)}
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Send" description="Review and send">
          <Stack mt="md">
            <ReviewStep
              partner={partner}
              endDate={endDate}
              assets={chosenList}
              levelOf={levelOf}
              guardrailLinesOf={guardrailLinesOf}
              sending={sending}
              onBack={() => setStep(3)}
              onSend={() => void send()}
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>
          <Stack mt="md" role="status" aria-live="polite">
            <SendResults results={results} onDone={onClose} />
          </Stack>
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}
