import { z } from "zod";
import { errors } from "../../errors.ts";
import type { ActionName } from "../catalogue/actions.ts";
import { DEFAULT_PAGE_SIZE, type PageRequest } from "../../store/paging.ts";
import { EFFECTIVE_STATUSES } from "./adEnums.ts";
import { parseParams, params } from "./adParams.ts";

/** Rules every ad object follows: what a deleted or archived object still allows, list filters, audit diffs. */

/**
 * Deleted objects (or objects under a deleted parent) take no changes; archived ones can only be
 * renamed or deleted, as on Meta.
 */
export function assertEditable(label: string, effectiveStatus: string, changes: Record<string, unknown>): void {
  if (effectiveStatus === "DELETED") {
    throw errors.invalidParameter(`${label} is deleted; a deleted object cannot be changed.`);
  }
  if (effectiveStatus === "ARCHIVED") {
    const other = Object.keys(changes).filter((key) => key !== "name" && !(key === "status" && changes.status === "DELETED"));
    if (other.length > 0) {
      throw errors.invalidParameter(`${label} is archived; an archived object can only be renamed or deleted (not ${other.join(", ")}).`);
    }
  }
}

/** A parent new objects can go under: not deleted and not archived. */
export function assertOpenParent(label: string, effectiveStatus: string): void {
  if (effectiveStatus === "DELETED" || effectiveStatus === "ARCHIVED") {
    throw errors.invalidParameter(`${label} is ${effectiveStatus.toLowerCase()}; nothing new can be added under it.`);
  }
}

export interface ListOptions {
  /** Meta's `effective_status` filter; by default everything except DELETED. */
  effectiveStatus?: readonly string[] | string;
  page?: PageRequest;
}

const DEFAULT_STATUSES = EFFECTIVE_STATUSES.filter((status) => status !== "DELETED");

const filterSchema = z.object({ effective_status: params.list(params.oneOf(EFFECTIVE_STATUSES), '["ACTIVE","PAUSED"]') });

/** The statuses a list keeps; an empty or absent filter means everything except DELETED. */
export function effectiveStatusFilter(value: ListOptions["effectiveStatus"]): readonly string[] {
  if (value === undefined) return DEFAULT_STATUSES;
  const statuses = parseParams(filterSchema, { effective_status: value }).effective_status;
  return statuses.length > 0 ? [...new Set(statuses)] : DEFAULT_STATUSES;
}

export function pageRequest(page: PageRequest | undefined): PageRequest {
  return page ?? { limit: DEFAULT_PAGE_SIZE };
}

/** The fields whose values differ, as `{ before, after }` for the audit log; undefined when nothing changed. */
export function auditDiff<T extends Record<string, unknown>>(before: T, after: T): { before: Partial<T>; after: Partial<T> } | undefined {
  const was: Partial<T> = {};
  const now: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      was[key] = before[key];
      now[key] = after[key];
    }
  }
  return Object.keys(now).length > 0 ? { before: was, after: now } : undefined;
}

/** The input's known keys that carry a value (clients may send more, such as the SDK's `id`). */
export function definedKeys(input: object, known: object): string[] {
  return Object.entries(input)
    .filter(([key, value]) => value !== undefined && Object.hasOwn(known, key))
    .map(([key]) => key);
}

/** Budget fields need change_budget; every other change (and a change of nothing) needs edit_campaign. */
export function updateActions(given: readonly string[], budgetFields: readonly string[]): ActionName[] {
  const budget = given.some((key) => budgetFields.includes(key));
  const other = given.some((key) => !budgetFields.includes(key));
  const actions: ActionName[] = [];
  if (budget) actions.push("change_budget");
  if (other || !budget) actions.push("edit_campaign");
  return actions;
}
