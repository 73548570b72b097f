import { errors } from "../../errors.ts";
import type { Executor } from "../../store/database.ts";
import { authorizeAsset } from "../access/authorize.ts";
import { ChangeSeqCache } from "../access/changeSeqCache.ts";
import type { AccessEngine } from "../access/accessEngine.ts";
import type { ActionName } from "../catalogue/actions.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import { findAdAccount, findAsset } from "../assets/asset.repository.ts";
import { assetIdFromGraph } from "../../graphIds.ts";

/** The ad account every Marketing API object belongs to: who owns it, its currency and time zone. */
export interface AdAccountScope {
  id: string;
  name: string;
  ownerBusinessId: string;
  currency: string;
  timezoneName: string;
  accountStatus: number;
}

/** Loads an ad account by `act_<id>` or `<id>`; unknown ids and other asset types are `UNKNOWN_ASSET`. */
export async function requireAdAccount(db: Executor, accountId: string): Promise<AdAccountScope> {
  const id = assetIdFromGraph(accountId);
  const asset = await findAsset(db, id);
  const account = asset?.type === "ad_account" ? await findAdAccount(db, id) : undefined;
  if (!asset || !account) throw errors.unknownAsset(accountId);
  return {
    id,
    name: asset.name,
    ownerBusinessId: asset.owner_business_id,
    currency: account.currency,
    timezoneName: account.timezone_name,
    accountStatus: account.account_status,
  };
}

const scopeCaches = new WeakMap<AccessEngine, ChangeSeqCache<AdAccountScope>>();

/**
 * `requireAdAccount` for reads outside a transaction, cached until the next access change. The
 * account's name changes only with an `asset` change; currency and time zone never change.
 * (Writes keep reading the row inside their transaction, status included.)
 */
export async function readAdAccount(deps: HubDeps, accountId: string): Promise<AdAccountScope> {
  let cache = scopeCaches.get(deps.engine);
  if (!cache) scopeCaches.set(deps.engine, (cache = new ChangeSeqCache(deps.engine)));
  const id = assetIdFromGraph(accountId);
  return (await cache.read(id, () => requireAdAccount(deps.db, id)))!;
}

/** Authorizes each action on the ad account through the access engine (no-op for operator and system). */
export function authorizeOnAccount(deps: HubDeps, ctx: RequestContext, account: AdAccountScope, ...actions: ActionName[]): void {
  for (const action of new Set(actions)) authorizeAsset(deps.engine, ctx, action, account.id);
}

const ACCOUNT_STATUS_LABELS: Record<number, string> = { 2: "disabled", 3: "unsettled", 101: "closed" };

/** New ad objects need an active account, as on Meta. */
export function requireActiveAccount(account: AdAccountScope): void {
  if (account.accountStatus === 1) return;
  const label = ACCOUNT_STATUS_LABELS[account.accountStatus] ?? `in status ${account.accountStatus}`;
  throw errors.invalidParameter(`Ad account act_${account.id} is ${label}; new campaigns, ad sets, ads and creatives need an active account.`);
}

/** Meta's not-found for an ad object id (code 100, subcode 33). */
export function unknownAdObject(id: string) {
  return errors.notFound(`Object with ID '${id}'`);
}

const ASSET_LABELS = { page: "Page", pixel: "Pixel" } as const;

/**
 * An asset an ad object uses (the Page behind a creative, the Pixel an ad set optimizes for): it
 * must exist with that type, and the actor needs `use_in_ads` on it, as Meta requires ADVERTISE.
 */
export async function requireUsableAsset(
  deps: HubDeps,
  ctx: RequestContext,
  db: Executor,
  assetId: string,
  type: keyof typeof ASSET_LABELS,
  field: string,
): Promise<void> {
  const asset = await findAsset(db, assetId);
  if (asset?.type !== type) throw errors.invalidParameter(`Invalid ${field}: no ${ASSET_LABELS[type]} has the ID ${assetId}.`);
  authorizeAsset(deps.engine, ctx, "use_in_ads", asset.id);
}
