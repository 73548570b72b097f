import { errors, type GrantlineError } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { Executor } from "../../store/database.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import { bindingPartners, guardrailReadScope, requireAssetVisible, rulesOf, type GuardOutcome } from "../access/guardrails.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { requireAdAccount, type AdAccountScope } from "../ads/adAccountScope.ts";
import { labelsWithIds, labelsWithNames } from "../ads/adLabel.repository.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import { principalContext, type RequestContext } from "../context.ts";
import { inOneTransaction, runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findLiveShare } from "../partners/partnerShare.repository.ts";
import { WebhookPublisher } from "../webhooks/webhookPublisher.ts";
import { BackgroundLoop } from "../../jobs/backgroundLoop.ts";
import {
  adObjectIdsOfAccount,
  decidePendingChange,
  deleteGuardrails,
  deleteNewSpendBefore,
  findGuardrails,
  findPendingChange,
  guardrailsOfPartners,
  highestDailyBudget,
  insertPendingChange,
  listGuardrailsOfAsset,
  listExpiredPendingChanges,
  listPendingChanges,
  pendingChangeParams,
  upsertGuardrails,
  type GuardrailRow,
  type PendingChangeRow,
} from "./guardrail.repository.ts";
import { describeAmount, GUARDRAIL_NAMES, listText, NO_GUARDRAILS, parseGuardrailValue, type Guardrails } from "./guardrailRules.ts";

/** One partner's guardrails on an ad account, as `GET /{ad_account_id}/partner_guardrails` lists them. */
export interface GuardrailView extends Guardrails {
  business: string;
  business_name: string;
  updated_time: number;
}

/** A change held for the owner's approval. */
export interface PendingChangeView {
  id: string;
  business: string;
  object_type: "campaign" | "adset";
  object_id: string;
  params: Record<string, unknown>;
  reason: string;
  requested_by: string;
  requested_time: number;
  expiration_time: number;
  status: string;
  decided_by: string | null;
  decided_time: number | null;
}

/** Applies a held change once approved: the same service call the partner made, as the approving admin. */
export type ApplyHeldChange = (ctx: RequestContext, objectType: "campaign" | "adset", objectId: string, params: Record<string, unknown>) => Promise<unknown>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a held change waits for the owner before it expires. */
export const PENDING_CHANGE_TTL_MS = 7 * DAY_MS;

/** Held changes expired per run of the sweep. */
const EXPIRY_BATCH = 100;

/** The serve loop: expires held changes every `intervalMs`, again at once while more are waiting. */
export function pendingChangeSweeper(service: Pick<GuardrailService, "expireDue">, ctx: RequestContext, intervalMs: number, onError: (error: unknown) => void): BackgroundLoop {
  return new BackgroundLoop(() => service.expireDue(ctx), intervalMs, onError);
}

/**
 * Partner guardrails on ad accounts: the owner's admins set, read and remove them; a partner's
 * people read their own. Enforcement is in hub/access/guardrails.ts, on every ad object write.
 */
export class GuardrailService {
  constructor(
    private readonly deps: HubDeps,
    private readonly apply: ApplyHeldChange,
  ) {}

  /** Sets the given guardrails of one partner on the account (the others keep their values); "" clears one. */
  async set(ctx: RequestContext, input: { accountId: string; partnerBusinessId: string; values: Partial<Record<string, unknown>> }): Promise<GuardrailView> {
    const attempt: AuditAttempt = { action: "guardrails.set", targetType: "ad_account", targetId: input.accountId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const { account, partnerId } = await this.requireOwnerAdmin(tx, ctx, input.accountId, input.partnerBusinessId);
      const given = GUARDRAIL_NAMES.filter((name) => input.values[name] !== undefined);
      if (given.length === 0) {
        throw errors.invalidParameter(`Give at least one guardrail: ${GUARDRAIL_NAMES.join(", ")}.`);
      }
      const current = await findGuardrails(tx.trx, account.id, partnerId);
      const before = current ? rulesOf(current) : NO_GUARDRAILS;
      const after: Guardrails = { ...before };
      for (const name of given) (after as unknown as Record<string, unknown>)[name] = parseGuardrailValue(name, input.values[name]);
      if (after.max_daily_budget !== null) {
        const highest = await highestDailyBudget(tx.trx, account.id);
        if (highest && highest.amount > after.max_daily_budget) {
          throw errors.invalidParameter(
            `Invalid max_daily_budget: ${describeAmount(after.max_daily_budget, account.currency)} is below the current daily budget of ${highest.name} (${highest.id}), ${describeAmount(highest.amount, account.currency)}. Lower that budget first or choose a higher limit. Nothing was saved.`,
          );
        }
      }
      if (after.approval_above !== null && after.max_daily_budget !== null && after.approval_above >= after.max_daily_budget) {
        throw errors.invalidParameter(
          `Invalid approval_above: ${after.approval_above} is not below max_daily_budget ${after.max_daily_budget}, so no change could ever need approval. Nothing was saved.`,
        );
      }
      if (after.protected_objects !== null && input.values.protected_objects !== undefined) {
        const found = await adObjectIdsOfAccount(tx.trx, account.id, after.protected_objects);
        const unknown = after.protected_objects.filter((id) => !found.has(id));
        if (unknown.length > 0) {
          throw errors.invalidParameter(
            `Invalid protected_objects: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a campaign, ad set or ad" : "are not campaigns, ad sets or ads"} of ${account.name} (act_${account.id}). Nothing was saved.`,
          );
        }
      }
      if (after.protected_labels !== null && input.values.protected_labels !== undefined) {
        after.protected_labels = await resolveLabels(tx.trx, account, after.protected_labels);
      }
      const row: GuardrailRow = {
        asset_id: account.id,
        partner_business_id: partnerId,
        ...after,
        allowed_days: listText(after.allowed_days),
        protected_objects: listText(after.protected_objects),
        protected_labels: listText(after.protected_labels),
        created_at: current?.created_at ?? tx.now,
        updated_at: tx.now,
      };
      await upsertGuardrails(tx.trx, row);
      await tx.audit({ action: "guardrails.set", businessId: account.ownerBusinessId, targetType: "ad_account", targetId: account.id, before: { business: partnerId, ...before }, after: { business: partnerId, ...after } });
      return this.present(row);
    });
  }

  /** Removes every guardrail of the partner on the account. */
  async remove(ctx: RequestContext, input: { accountId: string; partnerBusinessId: string }): Promise<void> {
    const attempt: AuditAttempt = { action: "guardrails.remove", targetType: "ad_account", targetId: input.accountId };
    await runCommand(this.deps, ctx, attempt, async (tx) => {
      const { account, partnerId } = await this.requireOwnerAdmin(tx, ctx, input.accountId, input.partnerBusinessId, false);
      const current = await findGuardrails(tx.trx, account.id, partnerId);
      if (!current) throw errors.notPending(`${this.name(partnerId)} has no guardrails on ${account.name} to remove.`);
      await deleteGuardrails(tx.trx, account.id, partnerId);
      await tx.audit({ action: "guardrails.remove", businessId: account.ownerBusinessId, targetType: "ad_account", targetId: account.id, before: { business: partnerId, ...rulesOf(current) } });
    });
  }

  /** The guardrails the caller may see: every partner's to the owner's people, their own to a partner's. */
  async list(ctx: RequestContext, accountId: string, partnerBusinessId?: string): Promise<GuardrailView[]> {
    const account = await this.account(ctx, accountId);
    const scope = guardrailReadScope(this.deps.engine, ctx, account.id, accountId);
    const rows = await listGuardrailsOfAsset(this.deps.db, account.id);
    return rows
      .filter((row) => ("all" in scope || scope.partners.includes(row.partner_business_id)) && (partnerBusinessId === undefined || row.partner_business_id === partnerBusinessId))
      .map((row) => this.present(row));
  }

  /**
   * The guardrails that bind a principal's writes on an ad account (none for the owner's own), for
   * `explain`: a write the tasks allow can still be refused by them.
   */
  async bindingOn(principalId: string, accountId: string): Promise<GuardrailView[]> {
    const principal = this.deps.engine.index.principals.get(principalId);
    if (!principal) return [];
    const partners = bindingPartners(this.deps.engine, principalContext(principal.type, principalId), assetIdFromGraph(accountId));
    const rows = await guardrailsOfPartners(this.deps.db, assetIdFromGraph(accountId), partners);
    return rows.map((row) => this.present(row));
  }

  /** Changes held on the account: all of them to the owner's people, a partner's own to its people. */
  async listPending(ctx: RequestContext, accountId: string, statuses: PendingChangeRow["status"][] = ["pending"]): Promise<PendingChangeView[]> {
    const account = await this.account(ctx, accountId);
    const scope = guardrailReadScope(this.deps.engine, ctx, account.id, accountId);
    const now = this.deps.now();
    const rows = await listPendingChanges(this.deps.db, account.id, ["pending", "approved", "rejected", "expired"]);
    return rows
      .map((row) => (row.status === "pending" && row.expires_at <= now ? { ...row, status: "expired" } : row))
      .filter((row) => statuses.includes(row.status) && ("all" in scope || scope.partners.includes(row.partner_business_id)))
      .map(presentPending);
  }

  /** The owner's admin approves (the change is applied now, as that admin) or rejects a held change. */
  async decide(ctx: RequestContext, input: { accountId: string; pendingId: string; approve: boolean }): Promise<PendingChangeView> {
    const attempt: AuditAttempt = { action: input.approve ? "guardrails.approve" : "guardrails.reject", targetType: "pending_change", targetId: input.pendingId };
    // The approval and the change it applies commit together, or neither does.
    return inOneTransaction(this.deps, () => runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, input.accountId);
      requireAssetVisible(this.deps.engine, ctx, account.id, input.accountId);
      authorizeBusinessAdmin(this.deps.engine, ctx, account.ownerBusinessId, "deciding partner changes");
      const row = await findPendingChange(tx.trx, input.pendingId);
      if (!row || row.account_id !== account.id) throw errors.unknownRequest(input.pendingId);
      if (row.status !== "pending") throw errors.notPending(`Pending change ${row.id} was already ${row.status}.`);
      const decidedBy = "id" in ctx.actor ? ctx.actor.id : ctx.actor.type;
      if (row.expires_at <= tx.now) {
        throw errors.offerExpired(`Pending change ${row.id} expired on ${new Date(row.expires_at).toISOString()}; the partner can make the change again.`);
      }
      const outcome = input.approve ? "approved" : "rejected";
      if (!(await decidePendingChange(tx.trx, row.id, outcome, decidedBy, tx.now))) throw errors.notPending(`Pending change ${row.id} was already decided.`);
      if (input.approve) await this.apply(ctx, row.object_type as "campaign" | "adset", row.object_id, pendingChangeParams.decode(row.params));
      await announce(this.deps, tx, row, outcome);
      await tx.audit({ action: `guardrails.${outcome === "approved" ? "approve" : "reject"}`, businessId: account.ownerBusinessId, targetType: row.object_type, targetId: row.object_id, after: { pending_change: row.id, business: row.partner_business_id, params: pendingChangeParams.decode(row.params) } });
      return presentPending({ ...row, status: outcome, decided_by: decidedBy, decided_at: tx.now });
    }));
  }

  /**
   * Expires held changes whose time ran out (up to `limit` per call), telling the owner's and the
   * partner's subscribed apps (`partner_pending_change`, status `expired`), and forgets new spend
   * older than a day. Safe on several instances at once: a change is expired only while still
   * pending, and announced only by the instance that expired it. True when more may be waiting.
   */
  async expireDue(ctx: RequestContext, limit = EXPIRY_BATCH): Promise<boolean> {
    return (await this.expireBatch(ctx, limit)).listed === limit;
  }

  /** Expires every held change past its time, batch after batch (what `grantline guardrails expire` runs); how many it expired. */
  async expireAllDue(ctx: RequestContext): Promise<number> {
    let total = 0;
    for (;;) {
      const { listed, expired } = await this.expireBatch(ctx, EXPIRY_BATCH);
      total += expired;
      if (listed < EXPIRY_BATCH) return total;
    }
  }

  private async expireBatch(ctx: RequestContext, limit: number): Promise<{ listed: number; expired: number }> {
    return runCommand(this.deps, ctx, { action: "guardrails.expire" }, async (tx) => {
      const due = await listExpiredPendingChanges(tx.trx, tx.now, limit);
      let expired = 0;
      for (const row of due) {
        if (!(await decidePendingChange(tx.trx, row.id, "expired", "system", tx.now))) continue;
        expired++;
        await announce(this.deps, tx, row, "expired");
        await tx.audit({
          action: "guardrails.expire",
          businessId: this.deps.engine.asset(row.account_id)?.ownerId ?? null,
          targetType: row.object_type,
          targetId: row.object_id,
          after: { pending_change: row.id, business: row.partner_business_id, params: pendingChangeParams.decode(row.params) },
          reason: `Not decided within ${PENDING_CHANGE_TTL_MS / DAY_MS} days`,
        });
      }
      await deleteNewSpendBefore(tx.trx, tx.now - DAY_MS);
      return { listed: due.length, expired };
    });
  }

  private async account(ctx: RequestContext, accountId: string): Promise<AdAccountScope> {
    try {
      return await requireAdAccount(this.deps.db, accountId);
    } catch (error) {
      requireAssetVisible(this.deps.engine, ctx, accountId, accountId);
      throw error;
    }
  }

  private async requireOwnerAdmin(tx: CommandTx, ctx: RequestContext, accountId: string, partnerBusinessId: string, needShare = true) {
    const account = await requireAdAccount(tx.trx, accountId);
    requireAssetVisible(this.deps.engine, ctx, account.id, accountId);
    authorizeBusinessAdmin(this.deps.engine, ctx, account.ownerBusinessId, "setting partner guardrails");
    const partner = await findBusiness(tx.trx, partnerBusinessId);
    if (!partner) throw errors.unknownBusiness(partnerBusinessId);
    if (needShare && !(await findLiveShare(tx.trx, account.id, partner.id))) {
      throw errors.notPending(`${partner.name} has no share of ${account.name}: offer one with POST /act_${account.id}/agencies first, then set its guardrails.`);
    }
    return { account, partnerId: partner.id };
  }

  private name(businessId: string): string {
    return this.deps.engine.index.businesses.get(businessId) ?? `Business ${businessId}`;
  }

  private present(row: GuardrailRow): GuardrailView {
    return { business: row.partner_business_id, business_name: this.name(row.partner_business_id), ...rulesOf(row), updated_time: row.updated_at };
  }
}

/**
 * protected_labels as given (ids or names) as the ids of the account's labels: a reference is an id
 * of one of its labels, or else the name of one. Any other is refused, naming it, and nothing is saved.
 */
async function resolveLabels(db: Executor, account: AdAccountScope, refs: readonly string[]): Promise<string[]> {
  const byId = new Set((await labelsWithIds(db, account.id, refs.filter((r) => /^\d+$/.test(r)))).map((row) => row.id));
  const byName = new Map((await labelsWithNames(db, account.id, refs.filter((r) => !byId.has(r)))).map((row) => [row.name, row.id]));
  const unknown = refs.filter((r) => !byId.has(r) && !byName.has(r));
  if (unknown.length > 0) {
    throw errors.invalidParameter(
      `Invalid protected_labels: ${unknown.map((r) => JSON.stringify(r)).join(", ")} ${unknown.length === 1 ? "is not the id or name of an ad label" : "are not the ids or names of ad labels"} of ${account.name} (act_${account.id}); create it with POST /act_${account.id}/adlabels first. Nothing was saved.`,
    );
  }
  return [...new Set(refs.map((r) => (byId.has(r) ? r : byName.get(r)!)))].sort();
}

/** Tells the subscribed apps of the owner and of the partner that a change was held, approved or rejected. */
async function announce(deps: Pick<HubDeps, "engine">, tx: CommandTx, row: PendingChangeRow, status: "pending" | "approved" | "rejected" | "expired"): Promise<void> {
  await new WebhookPublisher(deps).publish(tx, {
    objectId: row.account_id,
    field: "partner_pending_change",
    value: {
      pending_change_id: row.id,
      partner_business_id: row.partner_business_id,
      object_type: row.object_type as "campaign" | "adset",
      object_id: row.object_id,
      status,
      reason: row.reason,
    },
  });
}

function presentPending(row: PendingChangeRow): PendingChangeView {
  return {
    id: row.id,
    business: row.partner_business_id,
    object_type: row.object_type as "campaign" | "adset",
    object_id: row.object_id,
    params: pendingChangeParams.decode(row.params),
    reason: row.reason,
    requested_by: row.requested_by,
    requested_time: row.requested_at,
    expiration_time: row.expires_at,
    status: row.status,
    decided_by: row.decided_by,
    decided_time: row.decided_at,
  };
}

/**
 * Holds a partner's change that needs the owner's approval: stores it as pending in the write's
 * transaction (instead of the write) and audits it. Returns the error the write answers once that
 * transaction has committed.
 */
export async function holdChange(
  deps: Pick<HubDeps, "engine">,
  tx: CommandTx,
  ctx: RequestContext,
  held: Extract<GuardOutcome, { kind: "held" }>,
  change: { account: AdAccountScope; objectType: "campaign" | "adset"; objectId: string; params: Record<string, unknown> },
): Promise<GrantlineError> {
  const row: PendingChangeRow = {
    id: newId(),
    account_id: change.account.id,
    partner_business_id: held.partnerBusinessId,
    object_type: change.objectType,
    object_id: change.objectId,
    params: pendingChangeParams.encode(change.params),
    reason: held.detail,
    requested_by: "id" in ctx.actor ? ctx.actor.id : ctx.actor.type,
    requested_at: tx.now,
    expires_at: tx.now + PENDING_CHANGE_TTL_MS,
    status: "pending",
    decided_by: null,
    decided_at: null,
  };
  await insertPendingChange(tx.trx, row);
  await announce(deps, tx, row, "pending");
  await tx.audit({
    action: `${change.objectType}.update`,
    businessId: change.account.ownerBusinessId,
    targetType: change.objectType,
    targetId: change.objectId,
    after: { pending_change: row.id, params: change.params },
    outcome: "denied",
    reason: `Held for the owner's approval (approval_above = ${held.value}): ${held.detail}`,
  });
  return errors.changeNeedsApproval(held.value, held.detail, `the owner of ${change.account.name}`, row.id);
}
