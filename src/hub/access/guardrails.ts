import { errors } from "../../errors.ts";
import type { Executor } from "../../store/database.ts";
import { offsetMinutes } from "../ads/adTime.ts";
import type { RequestContext } from "../context.ts";
import { budgetAt, guardrailsOfPartners, type GuardrailRow } from "../guardrails/guardrail.repository.ts";
import { judgeWrite, type Guardrails, type ProposedWrite } from "../guardrails/guardrailRules.ts";
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
  /** When the write sets or changes a budget amount. */
  budget?: { kind: "daily" | "lifetime"; before: number | null; after: number; days: number };
}

export type GuardOutcome = { kind: "allowed" } | { kind: "held"; partnerBusinessId: string; value: string; detail: string };

const ALLOWED: GuardOutcome = { kind: "allowed" };

export function rulesOf(row: GuardrailRow): Guardrails {
  return {
    max_daily_budget: row.max_daily_budget === null ? null : Number(row.max_daily_budget),
    max_increase_percent: row.max_increase_percent,
    max_daily_increase_percent: row.max_daily_increase_percent,
    allowed_hours: row.allowed_hours,
    approval_above: row.approval_above === null ? null : Number(row.approval_above),
  };
}

/** The hour of day (0–23) at `now` in the time zone. */
export function localHour(now: number, timeZone: string): number {
  const local = now + offsetMinutes(now, timeZone) * 60_000;
  return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
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
  if (rows.length === 0) return ALLOWED;
  let dayAgo: number | null = null;
  // Only a raise is measured against the budget 24 hours ago (lowering is always allowed).
  const raise = write.budget !== undefined && write.budget.before !== null && write.budget.after > write.budget.before;
  if (raise && write.budget && write.budget.before !== null && write.objectId !== null && rows.some((row) => row.max_daily_increase_percent !== null)) {
    const then = await budgetAt(trx, write.objectId, now - DAY);
    dayAgo = then === undefined ? write.budget.before : then;
  }
  const proposed: ProposedWrite = {
    label: write.label,
    currency: write.account.currency,
    localHour: localHour(now, write.account.timezoneName),
    ...(write.budget ? { budget: { ...write.budget, dayAgo } } : {}),
  };
  let held: GuardOutcome = ALLOWED;
  for (const row of rows) {
    const verdict = judgeWrite(rulesOf(row), proposed);
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
  return held;
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
