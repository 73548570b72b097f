import type { RequestContext } from "../context.ts";

/** Campaigns and ad sets: the parents a nested read goes on from. */
export type ListedKind = "campaign" | "adset";

interface Listed {
  readonly id: string;
  readonly account_id: string;
}

/** A kind's lists as returned, and an index of those already looked through. */
interface Kept {
  pending: (readonly Listed[])[];
  accounts: Map<string, string>;
}

/**
 * The campaigns and ad sets a request has listed, kept with the request's context (weakly: gone
 * with the request). An object's ad account never changes, so a later read in the same request
 * that only needs to know which account an object it just listed is in (a nested expansion such as
 * `campaigns{adsets{insights}}`: each campaign's ad sets, then each ad set's insights) finds it here
 * instead of reading the object from the store again. Lists are kept as returned and indexed only
 * when first looked up, so a request that lists and looks nothing up pays only for keeping them.
 */
const listedByRequest = new WeakMap<RequestContext, Partial<Record<ListedKind, Kept>>>();

/** Records a page of campaigns or ad sets the request has read (after its authorization). */
export function noteListed(ctx: RequestContext, kind: ListedKind, items: readonly Listed[]): void {
  if (items.length === 0) return;
  let listed = listedByRequest.get(ctx);
  if (!listed) listedByRequest.set(ctx, (listed = {}));
  let kept = listed[kind];
  if (!kept) listed[kind] = kept = { pending: [], accounts: new Map() };
  kept.pending.push(items);
}

/** The ad account of a campaign or ad set this request has listed; undefined when it has not. */
export function listedAccountOf(ctx: RequestContext, kind: ListedKind, id: string): string | undefined {
  const kept = listedByRequest.get(ctx)?.[kind];
  if (!kept) return undefined;
  for (const items of kept.pending) for (const item of items) kept.accounts.set(item.id, item.account_id);
  kept.pending.length = 0;
  return kept.accounts.get(id);
}
