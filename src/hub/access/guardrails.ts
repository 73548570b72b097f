import { errors } from "../../errors.ts";
import type { Executor } from "../../store/database.ts";
import { offsetMinutes } from "../ads/adTime.ts";
import type { RequestContext } from "../context.ts";
import { newId } from "../../ids.ts";
import { budgetAt, guardrailsOfPartners, insertNewSpend, lockGuardrails, newSpendSince, type GuardrailRow } from "../guardrails/guardrail.repository.ts";
import { labelsOfObjects, labelsWithIds } from "../ads/adLabel.repository.ts";
import { addedDailySpend, daysOfText, idsOfText, judgeWrite, type Guardrails, type ProposedWrite } from "../guardrails/guardrailRules.ts";
import type { AccessEngine } from "./accessEngine.ts";
import { concealedNotFound, subjectOf } from "./authorize.ts";
import { canSeeAsset } from "./visibility.ts";

/**
 * Partner guardrails as an authorization rule on writes: limits an ad account's owner sets on what
 * one partner's principals may do to its ad objects (docs/guardrails.md). The rules themselves are in
 * hub/guardrails/guardrailRules.ts; this decides whom they bind and judges a write inside its
 * transaction, after the write's own row lock, so two instances writing to one object at once are
 * judged one after the other.
 */

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * The partner businesses whose guardrails bind the actor on the asset: the partners with a share of
 * it that the actor belongs to (its people, its system users, and the apps acting for them). Anyone
 * with a role in the owning business acts as the owner's own and is never bound; so are the operator
 * and the hub itself.
 */
export function bindingPartners(engine: AccessEngine, ctx: RequestContext, assetId: string): string[] {
  const subject = subjectOf(ctx);
  if (!subject) return [];
  const asset = engine.asset(assetId);
  const roles = engine.index.principals.get(subject.principalId)?.roles;
  if (!asset || !roles || roles.has(asset.ownerId)) return [];
  const out: string[] = [];
  for (const share of engine.index.sharesOf(assetId)) if (roles.has(share.partnerId)) out.push(share.partnerId);
  return out;
}

/** A write to an ad object of an ad account, as the guardrails judge it. */
export interface GuardedWrite {
  account: { id: string; ownerBusinessId: string; timezoneName: string; currency: string };
  /** "Ad set Summer sale". */
  label: string;
  /** The object written; null while it is being created. */
  objectId: string | null;
  /** The id a new object gets (for the record of the spend it adds). */
  createdId?: string;
  /** The ad set and campaign the object is in (or goes in), for protected_objects. */
  parents: readonly string[];
  /** When the write sets or changes a budget amount. */
  budget?: { kind: "daily" | "lifetime"; before: number | null; after: number; days: number };
  /** The ad labels (ids) the write adds to or takes off the object, or renames or deletes. */
  labelChanges?: readonly string[];
}

export type GuardOutcome = { kind: "allowed" } | { kind: "held"; partnerBusinessId: string; value: string; detail: string };

const ALLOWED: GuardOutcome = { kind: "allowed" };

export function rulesOf(row: GuardrailRow): Guardrails {
  return {
    max_daily_budget: row.max_daily_budget === null ? null : Number(row.max_daily_budget),
    max_increase_percent: row.max_increase_percent,
    max_daily_increase_percent: row.max_daily_increase_percent,
    max_increase_amount: row.max_increase_amount === null ? null : Number(row.max_increase_amount),
    max_daily_increase_amount: row.max_daily_increase_amount === null ? null : Number(row.max_daily_increase_amount),
    max_daily_new_spend: row.max_daily_new_spend === null ? null : Number(row.max_daily_new_spend),
    allowed_hours: row.allowed_hours,
    allowed_days: daysOfText(row.allowed_days),
    protected_objects: idsOfText(row.protected_objects),
    protected_labels: idsOfText(row.protected_labels),
    approval_above: row.approval_above === null ? null : Number(row.approval_above),
  };
}

/** The hour of day (0–23) at `now` in the time zone. */
export function localHour(now: number, timeZone: string): number {
  const local = now + offsetMinutes(now, timeZone) * 60_000;
  return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
}

/** The day of the week (0 Sunday … 6 Saturday) at `now` in the time zone. */
export function localWeekday(now: number, timeZone: string): number {
  const local = now + offsetMinutes(now, timeZone) * 60_000;
  // 1 January 1970 was a Thursday (4).
  return (((Math.floor(local / DAY) + 4) % 7) + 7) % 7;
}

/**
 * Judges a write by a partner's principal against that partner's guardrails; call it in the write's
 * transaction once the object's row is locked. Throws `GUARDRAIL_REFUSED` (Graph code 200, naming
 * the guardrail and its value) when one refuses; answers `held` when the change needs the owner's
 * approval. A principal of several partners with a share of the account is bound by all of them.
 */
export async function authorizeGuardedWrite(engine: AccessEngine, ctx: RequestContext, trx: Executor, write: GuardedWrite, now: number): Promise<GuardOutcome> {
  const partners = bindingPartners(engine, ctx, write.account.id);
  if (partners.length === 0) return ALLOWED;
  const rows = await guardrailsOfPartners(trx, write.account.id, partners);
  const added = write.budget ? addedDailySpend(write.budget) : 0;
  let held: GuardOutcome = ALLOWED;
  if (rows.length > 0) {
    let dayAgo: number | null = null;
    // Only a raise is measured against the budget 24 hours ago (lowering is always allowed).
    const raise = write.budget !== undefined && write.budget.before !== null && write.budget.after > write.budget.before;
    const perDay = rows.some((row) => row.max_daily_increase_percent !== null || row.max_daily_increase_amount !== null);
    if (raise && write.budget && write.budget.before !== null && write.objectId !== null && perDay) {
      const then = await budgetAt(trx, write.objectId, now - DAY);
      dayAgo = then === undefined ? write.budget.before : then;
    }
    const touches = write.objectId === null ? write.parents : [write.objectId, ...write.parents];
    const labelRules = rows.some((row) => row.protected_labels !== null);
    const proposed: ProposedWrite = {
      label: write.label,
      currency: write.account.currency,
      localHour: localHour(now, write.account.timezoneName),
      localDay: localWeekday(now, write.account.timezoneName),
      touches,
      ...(write.budget ? { budget: { ...write.budget, dayAgo } } : {}),
      // Read only when some partner has protected labels: most writes bound by guardrails need none.
      ...(labelRules
        ? {
            labels: (await labelsOfObjects(trx, touches)).map((row) => ({ id: row.id, name: row.name, on: row.object_id })),
            labelChanges: write.labelChanges?.length ? (await labelsWithIds(trx, write.account.id, write.labelChanges)).map((row) => ({ id: row.id, name: row.name })) : [],
          }
        : {}),
      newSpendToday: 0,
    };
    for (const row of rows) {
      let newSpendToday = 0;
      if (added > 0 && row.max_daily_new_spend !== null) {
        // The partner's new spend is account-wide: its writes to different objects are judged one after the other.
        await lockGuardrails(trx, row.asset_id, row.partner_business_id);
        newSpendToday = await newSpendSince(trx, write.account.id, row.partner_business_id, now - DAY);
      }
      const verdict = judgeWrite(rulesOf(row), { ...proposed, newSpendToday });
      if (verdict.kind === "refused") {
        const owner = engine.index.businesses.get(write.account.ownerBusinessId) ?? "The owner";
        throw errors.guardrailRefused(verdict.guardrail, verdict.value, verdict.detail, owner);
      }
      if (verdict.kind === "held" && write.objectId === null) {
        // Only a change to an existing object can wait for approval; a new one starts within the limit.
        const owner = engine.index.businesses.get(write.account.ownerBusinessId) ?? "The owner";
        throw errors.guardrailRefused("approval_above", verdict.value, `${verdict.detail} Create it at or below that amount; a later raise can wait for approval.`, owner);
      }
      if (verdict.kind === "held" && held.kind === "allowed") held = { kind: "held", partnerBusinessId: row.partner_business_id, value: verdict.value, detail: verdict.detail };
    }
  }
  // Spend the partner adds counts against max_daily_new_spend for 24 hours, whether or not it has one
  // yet (an owner setting it now bounds the day already under way). A held change adds nothing until
  // an admin approves it, and then it is the admin's.
  if (held.kind === "allowed" && added > 0) {
    const objectId = write.objectId ?? write.createdId ?? "";
    for (const partner of partners) {
      await insertNewSpend(trx, { id: newId(), account_id: write.account.id, partner_business_id: partner, object_id: objectId, at: now, amount: added });
    }
  }
  return held;
}

/**
 * Judges several writes that one change makes (deleting an ad label takes it off every object that
 * carries it), each as `authorizeGuardedWrite` would; `writes` is worked out only when some partner's
 * guardrails bind the actor, so the owner's own changes cost nothing more. Throws at the first refusal.
 */
export async function authorizeGuardedWrites(engine: AccessEngine, ctx: RequestContext, trx: Executor, accountId: string, writes: () => Promise<GuardedWrite[]>, now: number): Promise<void> {
  if (bindingPartners(engine, ctx, accountId).length === 0) return;
  for (const write of await writes()) await authorizeGuardedWrite(engine, ctx, trx, write, now);
}

/**
 * Who may read and set an ad account's partner guardrails. Setting, removing and deciding pending
 * changes: the owner's admins (checked with `authorizeBusinessAdmin` by the caller after this).
 * Reading: the owner's people see every partner's; a partner's people see their own partner's.
 * Anyone else gets the not-found of an asset that does not exist.
 */
export function guardrailReadScope(engine: AccessEngine, ctx: RequestContext, assetId: string, shownId: string): { all: true } | { partners: string[] } {
  const subject = subjectOf(ctx);
  if (!subject) return { all: true };
  if (!canSeeAsset(engine, subject.principalId, assetId)) throw concealed(shownId);
  const asset = engine.asset(assetId)!;
  const roles = engine.index.principals.get(subject.principalId)?.roles;
  if (roles?.has(asset.ownerId)) return { all: true };
  return { partners: bindingPartners(engine, ctx, assetId) };
}

/** A stranger's attempt on an account it cannot see: exactly the answer for an id that does not exist. */
export function requireAssetVisible(engine: AccessEngine, ctx: RequestContext, assetId: string, shownId: string): void {
  const subject = subjectOf(ctx);
  if (subject && !canSeeAsset(engine, subject.principalId, assetId)) throw concealed(shownId);
}

function concealed(shownId: string) {
  return concealedNotFound(errors.unknownAsset(shownId));
}
