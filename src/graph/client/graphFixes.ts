import type { FindingFix } from "../../hub/review/findings.ts";
import { GraphCallError, type GraphClient } from "./graphClient.ts";

/**
 * Applies a Graph-sourced review's fix through the Graph API, then re-reads what it changed to
 * confirm it, and checks the removal from what the Graph returns: nothing of the business reaches
 * the asset any more through that path. Works against Meta and Grantline's own surface alike (on
 * Grantline each change is audited by the hub's own services, as any Graph write is).
 *
 * Meta's calls:
 * - remove an assigned user: `DELETE /{asset}/assigned_users?user=` (https://developers.facebook.com/docs/marketing-api/reference/ad-account/assigned_users/)
 * - narrow an assigned user's tasks: `POST /{asset}/assigned_users` with `user` and `tasks` (same page)
 * - remove a partner: `DELETE /{asset}/agencies?business=`; narrow its tasks: `POST /{asset}/agencies`
 *   with `business` and `permitted_tasks` (https://developers.facebook.com/docs/marketing-api/reference/ad-account/agencies/)
 * - remove a person from the business: `DELETE /{business_user_id}` (https://developers.facebook.com/docs/marketing-api/reference/business-user/)
 */

export interface AppliedGraphFix {
  action: FindingFix["action"];
  summary: string;
  /** The re-read shows the change. */
  confirmed: boolean;
  /** The removal check: every way this path let someone in that the Graph still shows. */
  removal_check: { verified: boolean; remaining: string[] };
}

const str = (params: Record<string, unknown>, key: string): string => {
  const value = params[key];
  if (typeof value !== "string" || value === "") throw new Error(`The fix is missing ${key}.`);
  return value;
};
const sameSet = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x) => b.includes(x));

async function all(client: GraphClient, path: string, params: Record<string, string>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let after: string | undefined;
  do {
    const page = await client.page(path, params, after);
    out.push(...page.data);
    after = page.after;
  } while (after);
  return out;
}

/** The business's people and system users assigned to the asset (`assigned_users`), by id. */
async function assignedTo(client: GraphClient, assetId: string, businessId: string) {
  return new Map((await all(client, `${assetId}/assigned_users`, { business: businessId, fields: "id,name,tasks" })).map((u) => [String(u.id), u]));
}

/** Everyone an ad account lets in (`/act_X/users`); other asset types have no such edge. */
async function usersOf(client: GraphClient, assetId: string): Promise<Set<string> | undefined> {
  if (!assetId.startsWith("act_")) return undefined;
  return new Set((await all(client, `${assetId}/users`, { fields: "id" })).map((u) => String(u.id)));
}

/** The business's own people and system users: they reach its assets without a partner. */
async function ownPeople(client: GraphClient, businessId: string): Promise<Set<string>> {
  const people = await all(client, `${businessId}/business_users`, { fields: "id" });
  const systemUsers = await all(client, `${businessId}/system_users`, { fields: "id" });
  return new Set([...people, ...systemUsers].map((u) => String(u.id)));
}

async function partners(client: GraphClient, assetId: string) {
  return new Map((await all(client, `${assetId}/agencies`, { fields: "id,name,permitted_tasks,access_status" })).map((a) => [String(a.id), a]));
}

export async function applyFixThroughGraph(client: GraphClient, businessId: string, fix: FindingFix): Promise<AppliedGraphFix> {
  const p = fix.params;
  switch (fix.action) {
    case "remove_assignment": {
      const [assetId, userId] = [str(p, "asset_id"), str(p, "principal_id")];
      await client.request("DELETE", `${assetId}/assigned_users`, { user: userId });
      const after = await assignedTo(client, assetId, businessId);
      const confirmed = !after.has(userId);
      // Through the business's own assignment: the person may still reach the account as an
      // admin of the business, which is not this path, so only the assignment is checked.
      return { action: fix.action, summary: `Removed ${userId}'s assignment to ${assetId}.`, confirmed, removal_check: { verified: confirmed, remaining: confirmed ? [] : [`${userId} is still assigned to ${assetId}`] } };
    }
    case "downgrade": {
      const assetId = str(p, "asset_id");
      const tasks = Array.isArray(p.tasks) ? p.tasks.map(String) : [];
      if (tasks.length === 0) throw new Error("The fix has no tasks to narrow to.");
      if (typeof p.partner_business_id === "string") {
        await client.request("POST", `${assetId}/agencies`, { business: p.partner_business_id, permitted_tasks: JSON.stringify(tasks) });
        const share = (await partners(client, assetId)).get(p.partner_business_id);
        const now = Array.isArray(share?.permitted_tasks) ? (share.permitted_tasks as string[]) : [];
        const confirmed = sameSet(now, tasks);
        const extra = now.filter((t) => !tasks.includes(t));
        return { action: fix.action, summary: `${p.partner_business_id}'s access to ${assetId} narrowed to ${tasks.join(", ")}.`, confirmed, removal_check: { verified: extra.length === 0, remaining: extra.map((t) => `the partner still has ${t}`) } };
      }
      const userId = str(p, "principal_id");
      await client.request("POST", `${assetId}/assigned_users`, { user: userId, tasks: JSON.stringify(tasks) });
      const now = (await assignedTo(client, assetId, businessId)).get(userId)?.tasks;
      const held = Array.isArray(now) ? (now as string[]) : [];
      const extra = held.filter((t) => !tasks.includes(t));
      return { action: fix.action, summary: `${userId}'s access to ${assetId} narrowed to ${tasks.join(", ")}.`, confirmed: sameSet(held, tasks), removal_check: { verified: extra.length === 0, remaining: extra.map((t) => `${userId} still has ${t}`) } };
    }
    case "revoke_share":
    case "renew_or_end_share": {
      const [assetId, partnerId] = [str(p, "asset_id"), str(p, "partner_business_id")];
      // Who came in through the partner before, so the check can say whether any of them still does.
      const before = await usersOf(client, assetId);
      const own = before ? await ownPeople(client, businessId) : new Set<string>();
      await client.request("DELETE", `${assetId}/agencies`, { business: partnerId });
      const confirmed = !(await partners(client, assetId)).has(partnerId);
      const after = await usersOf(client, assetId);
      const remaining = before && after ? [...before].filter((id) => !own.has(id) && after.has(id)).map((id) => `${id} still reaches ${assetId}`) : [];
      if (!confirmed) remaining.unshift(`${partnerId} is still a partner on ${assetId}`);
      return { action: fix.action, summary: `${partnerId} no longer has access to ${assetId}; its people and apps lost this access with it.`, confirmed, removal_check: { verified: remaining.length === 0, remaining } };
    }
    case "remove_member": {
      const personId = str(p, "person_id");
      await client.request("DELETE", personId);
      const people = await all(client, `${businessId}/business_users`, { fields: "id" });
      const confirmed = !people.some((u) => String(u.id) === personId);
      const remaining = confirmed ? [] : [`${personId} is still a person of the business`];
      // Meta ends a removed person's assignments with them: check the business's ad accounts.
      for (const account of await all(client, `${businessId}/owned_ad_accounts`, { fields: "id" })) {
        try {
          if ((await assignedTo(client, String(account.id), businessId)).has(personId)) remaining.push(`${personId} is still assigned to ${String(account.id)}`);
        } catch (error) {
          if (!(error instanceof GraphCallError)) throw error;
          remaining.push(`${String(account.id)} could not be checked: ${error.graphMessage}`);
        }
      }
      return { action: fix.action, summary: `Removed ${personId} from the business.`, confirmed, removal_check: { verified: remaining.length === 0, remaining } };
    }
    default:
      throw new Error(`${fix.action} cannot be applied through the Graph API: ${fix.description}`);
  }
}
