import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import type { Executor } from "../../store/database.ts";
import type { Page, PageRequest } from "../../store/paging.ts";
import { authorizeGuardedWrite, authorizeGuardedWrites } from "../access/guardrails.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps } from "../hubCommand.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import { findAd, lockAd } from "./ad.repository.ts";
import { authorizeOnAccount, readAdAccount, requireAdAccount, unknownAdObject, type AdAccountScope } from "./adAccountScope.ts";
import {
  attachLabels,
  deleteLabel,
  detachLabels,
  findLabel,
  insertLabel,
  labelsOfObjects,
  labelsWithIds,
  labelsWithNames,
  listLabels,
  objectsCarrying,
  renameLabel,
  type AdLabelRow,
} from "./adLabel.repository.ts";
import { keysetPage, mapPage } from "./adPaging.ts";
import { parseParams, params } from "./adParams.ts";
import { pageRequest } from "./adRules.ts";
import { findAdSet, lockAdSet } from "./adSet.repository.ts";
import { formatGraphTime } from "./adTime.ts";
import { findCampaign, lockCampaign } from "./campaign.repository.ts";

/**
 * Ad labels, as Meta's Marketing API has them (https://developers.facebook.com/docs/marketing-api/reference/ad-label/):
 * names an ad account's campaigns, ad sets and ads carry, to group them. A label is created with
 * `POST act_<id>/adlabels` (name), read, renamed (`POST /<label id>` with name) and deleted
 * (`DELETE /<label id>`, which takes it off every object); objects get labels with `adlabels` when
 * created or updated, or through `POST`/`DELETE /<object id>/adlabels`. Labels follow the access of
 * their account: reading needs what reading the ad objects needs, changing what editing them needs.
 */

/** Meta's AdLabel fields: id, name, account, created_time, updated_time. */
export interface AdLabelView {
  id: string;
  name: string;
  account: { id: string };
  created_time: string;
  updated_time: string;
}

/** A label as a write names it in messages and audit entries. */
export interface LabelRef {
  id: string;
  name: string;
}

/** Meta: "Maximum number of ad labels specified in the spec (to be associated with an ad object): 50". */
export const MAX_LABELS_PER_SPEC = 50;

const nameSchema = z.object({ name: params.name() });

export type AdObjectType = "campaign" | "adset" | "ad";

/** How a label spec changes an object's labels: the whole set (create, update), or adding or taking off some (the `adlabels` edge). */
export type LabelMode = "replace" | "add" | "remove";

/** What a write does to one object's labels, worked out before it is judged and made. */
export interface LabelPlan {
  before: LabelRef[];
  after: LabelRef[];
  /** Labels added or taken off. */
  changes: LabelRef[];
  /** Labels named by a name the account has none of, created with the write. */
  create: AdLabelRow[];
}

/**
 * An `adlabels` spec: a list of `{"id": "<label id>"}` or `{"name": "<label name>"}` (JSON text or
 * a list), as Meta's create and update calls take it (the Campaign, AdSet and Ad specs list
 * `adlabels` as `list<Object>`).
 */
export function parseLabelSpec(value: unknown): ({ id: string } | { name: string })[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value) as unknown;
    } catch {
      throw errors.invalidParameter(`Invalid adlabels: must be a list such as [{"name": "Brand"}] or [{"id": "<label id>"}].`);
    }
  }
  if (!Array.isArray(list)) throw errors.invalidParameter(`Invalid adlabels: must be a list such as [{"name": "Brand"}] or [{"id": "<label id>"}].`);
  if (list.length > MAX_LABELS_PER_SPEC) throw errors.invalidParameter(`Invalid adlabels: ${list.length} labels, at most ${MAX_LABELS_PER_SPEC} in one spec.`);
  return list.map((item: unknown) => {
    const entry = item && typeof item === "object" && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
    const id = entry?.id;
    if (typeof id === "string" || typeof id === "number") {
      const text = String(id).trim();
      if (!/^\d{1,30}$/.test(text)) throw errors.invalidParameter(`Invalid adlabels: ${JSON.stringify(id)} is not the id of an ad label.`);
      return { id: text };
    }
    if (typeof entry?.name === "string") return { name: parseParams(nameSchema, { name: entry.name }).name };
    throw errors.invalidParameter(`Invalid adlabels: ${JSON.stringify(item)} must be {"id": "<label id>"} or {"name": "<label name>"}.`);
  });
}

const ref = (row: { id: string; name: string }): LabelRef => ({ id: row.id, name: row.name });

/**
 * Works out what `spec` does to the labels of `objectId` (null for an object being created): ids
 * must be labels of the account; a name the account has no label of is created when labels are
 * added (taking one off needs an existing label).
 */
export async function planLabels(db: Executor, account: AdAccountScope, objectId: string | null, spec: unknown, mode: LabelMode, now: number): Promise<LabelPlan> {
  const items = parseLabelSpec(spec);
  const ids = items.flatMap((item) => ("id" in item ? [item.id] : []));
  const names = items.flatMap((item) => ("name" in item ? [item.name] : []));
  const byId = new Map((await labelsWithIds(db, account.id, ids)).map((row) => [row.id, row]));
  const byName = new Map((await labelsWithNames(db, account.id, names)).map((row) => [row.name, row]));
  const unknownId = ids.find((id) => !byId.has(id));
  if (unknownId !== undefined) throw errors.invalidParameter(`Invalid adlabels: ad account act_${account.id} has no ad label ${unknownId}.`);
  const create: AdLabelRow[] = [];
  for (const name of new Set(names)) {
    if (byName.has(name)) continue;
    if (mode === "remove") throw errors.invalidParameter(`Invalid adlabels: ad account act_${account.id} has no ad label named ${JSON.stringify(name)}.`);
    const row: AdLabelRow = { id: newId(), account_id: account.id, name, created_at: now, updated_at: now };
    create.push(row);
    byName.set(name, row);
  }
  const named = new Map<string, LabelRef>();
  for (const item of items) {
    const row = "id" in item ? byId.get(item.id)! : byName.get(item.name)!;
    named.set(row.id, ref(row));
  }
  const before = objectId === null ? [] : (await labelsOfObjects(db, [objectId])).map(ref);
  const had = new Set(before.map((label) => label.id));
  let after: LabelRef[];
  if (mode === "replace") after = [...named.values()];
  else if (mode === "add") after = [...before, ...[...named.values()].filter((label) => !had.has(label.id))];
  else after = before.filter((label) => !named.has(label.id));
  const has = new Set(after.map((label) => label.id));
  const changes = [...before.filter((label) => !has.has(label.id)), ...after.filter((label) => !had.has(label.id))];
  const sort = (list: LabelRef[]) => list.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { before: sort(before), after: sort(after), changes, create };
}

/** Makes a planned change of an object's labels, in the write's transaction. */
export async function applyLabels(db: Executor, plan: LabelPlan, object: { id: string; type: AdObjectType; accountId: string }, now: number): Promise<void> {
  for (const row of plan.create) await insertLabel(db, row);
  const after = new Set(plan.after.map((label) => label.id));
  await detachLabels(
    db,
    object.id,
    plan.before.filter((label) => !after.has(label.id)).map((label) => label.id),
  );
  const had = new Set(plan.before.map((label) => label.id));
  await attachLabels(
    db,
    plan.after.filter((label) => !had.has(label.id)).map((label) => ({ object_id: object.id, label_id: label.id, account_id: object.accountId, object_type: object.type, created_at: now })),
  );
}

/** The labels as the audit log records them. */
export const auditLabels = (labels: readonly LabelRef[]) => labels.map((label) => `${label.name} (${label.id})`);

export function presentAdLabel(row: AdLabelRow, timezoneName: string): AdLabelView {
  return {
    id: row.id,
    name: row.name,
    account: { id: adAccountGraphId(row.account_id) },
    created_time: formatGraphTime(row.created_at, timezoneName),
    updated_time: formatGraphTime(row.updated_at, timezoneName),
  };
}

export class AdLabelService {
  constructor(private readonly deps: HubDeps) {}

  /** `POST act_<id>/adlabels`: a new label; its name must be new in the account. */
  async createLabel(ctx: RequestContext, accountId: string, input: { name?: unknown }): Promise<AdLabelView> {
    return runCommand(this.deps, ctx, { action: "adlabel.create", targetType: "adlabel" }, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      const { name } = parseParams(nameSchema, input);
      await requireNewName(tx.trx, account, name);
      const row: AdLabelRow = { id: newId(), account_id: account.id, name, created_at: tx.now, updated_at: tx.now };
      await insertLabel(tx.trx, row);
      await tx.audit({ action: "adlabel.create", businessId: account.ownerBusinessId, targetType: "adlabel", targetId: row.id, after: { name } });
      return presentAdLabel(row, account.timezoneName);
    });
  }

  /** `GET act_<id>/adlabels`, newest first. */
  async listLabels(ctx: RequestContext, accountId: string, page: PageRequest): Promise<Page<AdLabelView>> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const rows = await keysetPage(pageRequest(page), (window) => listLabels(this.deps.db, account.id, window));
    return mapPage(rows, (row) => presentAdLabel(row, account.timezoneName));
  }

  async getLabel(ctx: RequestContext, labelId: string): Promise<AdLabelView> {
    const row = await findLabel(this.deps.db, labelId);
    if (!row) throw unknownAdObject(labelId);
    const account = await readAdAccount(this.deps, row.account_id);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    return presentAdLabel(row, account.timezoneName);
  }

  /** `POST /<label id>` with `name` (Meta's AdLabel update takes only the name). */
  async renameLabel(ctx: RequestContext, labelId: string, input: { name?: unknown }): Promise<AdLabelView> {
    return runCommand(this.deps, ctx, { action: "adlabel.update", targetType: "adlabel", targetId: labelId }, async (tx) => {
      const { row, account } = await this.requireLabel(tx.trx, ctx, labelId);
      const { name } = parseParams(nameSchema, input);
      if (name === row.name) return presentAdLabel(row, account.timezoneName);
      await requireNewName(tx.trx, account, name);
      await authorizeGuardedWrite(this.deps.engine, ctx, tx.trx, { account, label: `Ad label ${row.name}`, objectId: null, parents: [], labelChanges: [row.id] }, tx.now);
      await renameLabel(tx.trx, row.id, name, tx.now);
      await tx.audit({ action: "adlabel.update", businessId: account.ownerBusinessId, targetType: "adlabel", targetId: row.id, before: { name: row.name }, after: { name } });
      return presentAdLabel({ ...row, name, updated_at: tx.now }, account.timezoneName);
    });
  }

  /**
   * `DELETE /<label id>`: the label goes, and with it from every object that carried it; to a
   * partner's guardrails that is taking it off each of them, so an object the partner may not touch
   * keeps its label.
   */
  async deleteLabel(ctx: RequestContext, labelId: string): Promise<void> {
    await runCommand(this.deps, ctx, { action: "adlabel.delete", targetType: "adlabel", targetId: labelId }, async (tx) => {
      const { row, account } = await this.requireLabel(tx.trx, ctx, labelId);
      await authorizeGuardedWrite(this.deps.engine, ctx, tx.trx, { account, label: `Ad label ${row.name}`, objectId: null, parents: [], labelChanges: [row.id] }, tx.now);
      await authorizeGuardedWrites(
        this.deps.engine,
        ctx,
        tx.trx,
        account.id,
        async () => {
          const writes = [];
          for (const carrier of await objectsCarrying(tx.trx, row.id)) {
            const object = await this.findObject(tx.trx, carrier.object_id);
            writes.push({ account, label: `${OBJECT_LABELS[object.type]} ${object.name}`, objectId: carrier.object_id, parents: object.parents, labelChanges: [row.id] });
          }
          return writes;
        },
        tx.now,
      );
      await deleteLabel(tx.trx, row.id);
      await tx.audit({ action: "adlabel.delete", businessId: account.ownerBusinessId, targetType: "adlabel", targetId: row.id, before: { name: row.name } });
    });
  }

  /**
   * `POST /<object id>/adlabels` (add) and `DELETE /<object id>/adlabels` (take off) on a campaign,
   * ad set or ad: an edit of the object, authorized and guarded as one.
   */
  async changeObjectLabels(ctx: RequestContext, objectId: string, spec: unknown, mode: "add" | "remove"): Promise<void> {
    const object = await this.findObject(this.deps.db, objectId);
    const action: AuditAction = `${object.type}.update`;
    await runCommand(this.deps, ctx, { action, targetType: object.type, targetId: objectId }, async (tx) => {
      const account = await requireAdAccount(tx.trx, object.accountId);
      authorizeOnAccount(this.deps, ctx, account, "edit_campaign");
      if (spec === undefined) throw errors.invalidParameter("The parameter adlabels is required.");
      await (object.type === "campaign" ? lockCampaign : object.type === "adset" ? lockAdSet : lockAd)(tx.trx, objectId);
      const plan = await planLabels(tx.trx, account, objectId, spec, mode, tx.now);
      if (plan.changes.length === 0) return;
      await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        { account, label: `${OBJECT_LABELS[object.type]} ${object.name}`, objectId, parents: object.parents, labelChanges: plan.changes.map((label) => label.id) },
        tx.now,
      );
      await applyLabels(tx.trx, plan, { id: objectId, type: object.type, accountId: account.id }, tx.now);
      await tx.audit({ action, businessId: account.ownerBusinessId, targetType: object.type, targetId: objectId, before: { adlabels: auditLabels(plan.before) }, after: { adlabels: auditLabels(plan.after) } });
    });
  }

  /**
   * The labels of objects the caller has already been allowed to read (the `adlabels` field of
   * campaigns, ad sets and ads), by object id.
   */
  async labelsOf(objectIds: readonly string[]): Promise<Map<string, AdLabelView[]>> {
    const rows = await labelsOfObjects(this.deps.db, objectIds);
    const out = new Map<string, AdLabelView[]>();
    for (const row of rows) {
      const account = await readAdAccount(this.deps, row.account_id);
      const list = out.get(row.object_id) ?? [];
      const { object_id: _object, ...label } = row;
      list.push(presentAdLabel(label, account.timezoneName));
      out.set(row.object_id, list);
    }
    return out;
  }

  private async requireLabel(db: Executor, ctx: RequestContext, labelId: string) {
    const row = await findLabel(db, labelId);
    if (!row) throw unknownAdObject(labelId);
    const account = await requireAdAccount(db, row.account_id);
    authorizeOnAccount(this.deps, ctx, account, "edit_campaign");
    return { row, account };
  }

  private async findObject(db: Executor, id: string): Promise<{ type: AdObjectType; accountId: string; name: string; parents: string[] }> {
    const campaign = await findCampaign(db, id);
    if (campaign) return { type: "campaign", accountId: campaign.account_id, name: campaign.name, parents: [] };
    const adSet = await findAdSet(db, id);
    if (adSet) return { type: "adset", accountId: adSet.account_id, name: adSet.name, parents: [adSet.campaign_id] };
    const ad = await findAd(db, id);
    if (ad) return { type: "ad", accountId: ad.account_id, name: ad.name, parents: [ad.adset_id, ad.campaign_id] };
    throw unknownAdObject(id);
  }
}

const OBJECT_LABELS: Record<AdObjectType, string> = { campaign: "Campaign", adset: "Ad set", ad: "Ad" };

async function requireNewName(db: Executor, account: AdAccountScope, name: string): Promise<void> {
  const [taken] = await labelsWithNames(db, account.id, [name]);
  if (taken) throw errors.invalidParameter(`Invalid name: ad account act_${account.id} already has the ad label ${JSON.stringify(name)} (${taken.id}).`);
}

/** An object's audit fields with its labels, when the write names them. */
export function withLabelFields(fields: Record<string, unknown>, labels: readonly LabelRef[] | undefined): Record<string, unknown> {
  return labels === undefined ? fields : { ...fields, adlabels: auditLabels(labels) };
}
