import { useQuery } from "@tanstack/react-query";
import { ASSET_TYPES } from "../../shared/assetTypes.ts";
import { graph } from "../../shared/api.ts";
import type { Asset, AssetType } from "../../shared/wire.ts";

/** Lists several pages read: a business's assets, and the people and system users it can staff. */

export interface AssetRow {
  graphId: string;
  name: string;
  type: AssetType;
  tasks?: string[];
}

/** Every asset the business owns, of every type. */
export function useOwnedAssets(businessId: string) {
  return useQuery({
    queryKey: ["owned-assets-list", businessId],
    queryFn: async () =>
      (
        await Promise.all(
          ASSET_TYPES.map(async (t) => (await graph.all<Asset>(`/${businessId}/${t.owned}`, { fields: "id,name" })).map((a): AssetRow => ({ graphId: a.id, name: a.name, type: t.type }))),
        )
      ).flat(),
  });
}

/** Every asset other businesses share with this one, with the tasks the share permits. */
export function useSharedAssets(businessId: string) {
  return useQuery({
    queryKey: ["client-assets", businessId],
    queryFn: async () =>
      (
        await Promise.all(
          ASSET_TYPES.filter((t) => t.client).map(async (t) =>
            (await graph.all<Asset>(`/${businessId}/${t.client}`, { fields: "id,name,permitted_tasks" })).map((a): AssetRow => ({ graphId: a.id, name: a.name, type: t.type, tasks: a.permitted_tasks })),
          ),
        )
      ).flat(),
  });
}

/** The business's people and system users, as options of a picker. */
export function useStaffable(businessId: string, enabled = true) {
  return useQuery({
    queryKey: ["staffable", businessId],
    queryFn: async () => {
      const [members, systemUsers] = await Promise.all([
        graph.all<{ id: string; name: string }>(`/${businessId}/business_users`, { fields: "id,name" }),
        graph.all<{ id: string; name: string }>(`/${businessId}/system_users`, { fields: "id,name" }),
      ]);
      return [...members.map((m) => ({ value: m.id, label: m.name })), ...systemUsers.map((s) => ({ value: s.id, label: `${s.name} (system user)` }))];
    },
    enabled,
  });
}
