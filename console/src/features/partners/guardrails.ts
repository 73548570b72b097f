import { useQuery } from "@tanstack/react-query";
import { graph, GraphError } from "../../shared/api.ts";
import { AMOUNTS, PERCENTS, type AdObject, type GuardrailField } from "./guardrailWords.ts";

export * from "./guardrailWords.ts";

/** The Graph reads behind the guardrail views: the account's currency and objects, held changes. */

/** The account's campaigns, ad sets and ad labels, by name. */
export function useAdObjects(accountGraphId: string, enabled = true) {
  return useQuery({
    queryKey: ["ad-objects", accountGraphId],
    queryFn: async (): Promise<AdObject[]> => {
      const [campaigns, adSets, labels] = await Promise.all([
        graph.all<{ id: string; name: string }>(`/${accountGraphId}/campaigns`, { fields: "id,name" }),
        graph.all<{ id: string; name: string }>(`/${accountGraphId}/adsets`, { fields: "id,name" }),
        graph.all<{ id: string; name: string }>(`/${accountGraphId}/adlabels`, { fields: "id,name" }),
      ]);
      return [
        ...campaigns.map((c) => ({ id: c.id, name: c.name, kind: "Campaign" as const })),
        ...adSets.map((a) => ({ id: a.id, name: a.name, kind: "Ad set" as const })),
        ...labels.map((l) => ({ id: l.id, name: l.name, kind: "Ad label" as const })),
      ];
    },
    enabled,
  });
}

export function useAccountMoney(accountGraphId: string) {
  return useQuery({
    queryKey: ["account-money", accountGraphId],
    queryFn: () => graph.get<{ id: string; currency?: string; timezone_name?: string }>(`/${accountGraphId}`, { fields: "id,currency,timezone_name" }),
    staleTime: Infinity,
  });
}

/** The hub names the parameter it refuses ("Invalid allowed_hours: …"): the message goes under that field. */
export function fieldOfError(error: unknown): GuardrailField | undefined {
  if (!(error instanceof GraphError)) return undefined;
  const match = /Invalid (\w+):/.exec(error.body.message);
  const name = match?.[1];
  return name && ([...AMOUNTS, ...PERCENTS, "allowed_hours", "allowed_days", "protected_objects", "protected_labels"] as string[]).includes(name) ? (name as GuardrailField) : undefined;
}


/** The business's own ad accounts with the number of changes waiting for its admins' approval on each. */
export function useHeldChangeCounts(businessId: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: ["pending-count", businessId],
    queryFn: async () => {
      const accounts = await graph.all<{ id: string; name: string }>(`/${businessId}/owned_ad_accounts`, { fields: "id,name" });
      return Promise.all(
        accounts.map(async (a) => ({ graphId: a.id, name: a.name, count: (await graph.get<{ data: { id: string }[] }>(`/${a.id}/pending_changes`)).data.length })),
      );
    },
    enabled: Boolean(businessId) && enabled,
    refetchInterval: 30_000,
  });
}
