import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { raiseAlert } from "./alerts.ts";
import {
  actionsOnConnectionSince,
  claimAction,
  findAction,
  findActionByKey,
  findConnection,
  insertAction,
  listActions,
  updateAction,
  type ActionRow,
  type ConnectionRow,
  type WorkspaceRow,
} from "../store/autopilot.repository.ts";
import { describeChange, presentAction, type LogEntry } from "./actionLog.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphTransportError, RateLimitBackoff } from "./graphClient.ts";
import { partnerWindowClosed } from "../engine/partnerGuardrails.ts";
import { toEngineSnapshot } from "./engineAdapter.ts";
import { guardrailViolations } from "./guardrails.ts";
import { writeOf, type PlannerSnapshot, type PlanItem } from "./planner.ts";
import { buildSnapshot, objectFingerprint } from "./snapshot.ts";
import type { WorkspaceService } from "./workspace.service.ts";

const HOUR_MS = 3_600_000;
/** A proposal nobody decided within this time expires. */
const QUEUE_TTL_MS = 48 * HOUR_MS;

export type Source = "planner" | "text" | "monitor" | "undo";

export interface ExecutionResult {
  id: string;
  state: string;
  text: string;
}

/**
 * The guarded path every change takes, whoever proposed it: proposals (the approval queue), the
 * last guardrail check, the write with its idempotency key, reading the live value back, and the
 * action log. A write ends CONFIRMED, REJECTED or UNKNOWN; an UNKNOWN is resolved by reading the
 * live value back later, never by writing again.
 */
export class ActionService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  /**
   * Records a plan item as a proposal. The idempotency key defaults to the change and the day, so the
   * same change proposed twice the same day is one action (the first one).
   */
  async propose(
    workspace: WorkspaceRow,
    connection: ConnectionRow,
    snapshot: PlannerSnapshot,
    item: PlanItem,
    options: { source: Source; key?: string; undoOf?: string },
  ): Promise<{ row: ActionRow; duplicate: boolean }> {
    const now = this.deps.now();
    const change = item.change;
    const key =
      options.key ??
      crypto
        .createHash("sha256")
        .update(JSON.stringify([connection.id, change.objectId, change.field, change.old, change.new, new Date(now).toISOString().slice(0, 10)]))
        .digest("hex");
    const existing = await findActionByKey(this.deps.db, key);
    if (existing) return { row: existing, duplicate: true };
    const row: ActionRow = {
      id: newId(),
      workspace_id: workspace.id,
      connection_id: connection.id,
      idempotency_key: key,
      kind: item.kind,
      object_type: change.objectType,
      object_id: change.objectId,
      object_name: change.objectName,
      currency: snapshot.currency,
      field: change.field,
      old_value: change.old,
      new_value: change.new,
      reason: item.reason,
      evidence_json: JSON.stringify(item.evidence),
      expected_effect: item.expectedEffect,
      source: options.source,
      state: "pending_approval",
      fingerprint: objectFingerprint(snapshot, change.objectId),
      approved_by: null,
      outcome_json: null,
      undo_of: options.undoOf ?? null,
      created_at: now,
      updated_at: now,
      executed_at: null,
    };
    await insertAction(this.deps.db, row);
    return { row, duplicate: false };
  }

  /**
   * Proposals of the planner that waited for the owner's allowed hours (evidence `deferred_until`)
   * and that a newer proposal for the same object and field replaces (a plan of a later day): they
   * expire, so only the newer one, made on newer data, is carried out.
   */
  async supersedeDeferred(workspace: WorkspaceRow, newer: ActionRow): Promise<void> {
    const pending = await listActions(this.deps.db, workspace.id, { states: ["pending_approval"], limit: 500 });
    for (const row of pending) {
      if (row.id === newer.id || row.connection_id !== newer.connection_id || row.object_id !== newer.object_id || row.field !== newer.field || row.source !== "planner") continue;
      if ((JSON.parse(row.evidence_json) as { deferred_until?: string }).deferred_until === undefined) continue;
      await claimAction(this.deps.db, row.id, ["pending_approval"], "expired", { outcome_json: JSON.stringify({ message: "replaced by a newer proposal for the same change" }), updated_at: this.deps.now() });
    }
  }

  async require(id: string): Promise<ActionRow> {
    const row = await findAction(this.deps.db, id);
    if (!row) throw errors.invalidParameter(`No Autopilot action has the ID ${id}.`);
    return row;
  }

  /** A person approves a queued proposal: unless the data changed since, it is executed at once. */
  async approve(id: string, approvedBy: string): Promise<ExecutionResult> {
    const row = await this.require(id);
    if (row.state !== "pending_approval") throw errors.invalidParameter(`Action ${id} is ${row.state}, not waiting for approval.`);
    const stale = await this.staleness(row);
    if (stale) {
      await claimAction(this.deps.db, id, ["pending_approval"], "expired", { outcome_json: JSON.stringify({ message: stale }), updated_at: this.deps.now() });
      return this.result(id);
    }
    const closed = await this.partnerWindow(row);
    if (closed) {
      // The hub would refuse it now; it stays in the queue, to be approved when the owner allows changes.
      throw errors.invalidParameter(`Action ${id} cannot be made now: ${closed.notice} It stays in the queue; approve it then.`);
    }
    if (!(await claimAction(this.deps.db, id, ["pending_approval"], "approved", { approved_by: approvedBy, updated_at: this.deps.now() }))) {
      throw errors.invalidParameter(`Action ${id} was decided by someone else meanwhile.`);
    }
    return this.execute(id, { approvedByPerson: true });
  }

  /** When the owner's partner guardrails (allowed_hours, allowed_days) allow no change on the action's account now. */
  async partnerWindow(row: ActionRow): Promise<{ next: string | null; notice: string } | undefined> {
    const { workspace, connection } = await this.owners(row);
    const snapshot = await this.currentSnapshot(workspace, connection, this.deps.now());
    return partnerWindowClosed(toEngineSnapshot(snapshot));
  }

  async decline(id: string, declinedBy: string): Promise<ExecutionResult> {
    const row = await this.require(id);
    const ok = await claimAction(this.deps.db, id, ["pending_approval"], "declined", {
      approved_by: declinedBy,
      outcome_json: JSON.stringify({ message: `declined by ${declinedBy}` }),
      updated_at: this.deps.now(),
    });
    if (!ok) throw errors.invalidParameter(`Action ${id} is ${row.state}, not waiting for approval.`);
    return this.result(id);
  }

  /** Autopilot approves its own proposal (within the guardrails, checked at execution). */
  async approveAutomatically(id: string): Promise<ExecutionResult> {
    // Outside the hours and days the owner allows, it waits in the queue for the next window.
    const row = await this.require(id);
    if (row.state === "pending_approval" && (await this.partnerWindow(row))) return this.result(id);
    if (!(await claimAction(this.deps.db, id, ["pending_approval"], "approved", { approved_by: "autopilot", updated_at: this.deps.now() }))) return this.result(id);
    return this.execute(id, { approvedByPerson: false });
  }

  /**
   * Why a proposal no longer holds, or undefined: too old, or the object's data changed in a newer
   * scan (its state or its last 7 days of delivery), so the evidence it showed is not the evidence now.
   */
  async staleness(row: ActionRow): Promise<string | undefined> {
    const now = this.deps.now();
    if (row.created_at + QUEUE_TTL_MS < now) return "nobody decided within 48 hours";
    if (!row.fingerprint) return undefined;
    const { workspace, connection } = await this.owners(row);
    const snapshot = await buildSnapshot(this.deps.db, workspace, connection, now);
    if (objectFingerprint(snapshot, row.object_id) !== row.fingerprint) return "the data changed since it was proposed";
    return undefined;
  }

  /** The queue: proposals waiting for a decision; those whose data changed are expired first. */
  async queue(workspace: WorkspaceRow): Promise<LogEntry[]> {
    const pending = await listActions(this.deps.db, workspace.id, { states: ["pending_approval"], limit: 500 });
    const out: LogEntry[] = [];
    for (const row of pending) {
      const stale = await this.staleness(row);
      if (stale) {
        await claimAction(this.deps.db, row.id, ["pending_approval"], "expired", { outcome_json: JSON.stringify({ message: stale }), updated_at: this.deps.now() });
        continue;
      }
      out.push(presentAction(row));
    }
    return out;
  }

  async log(workspace: WorkspaceRow, limit = 100): Promise<LogEntry[]> {
    return (await listActions(this.deps.db, workspace.id, { limit })).map(presentAction);
  }

  /**
   * Writes an approved action once: kill switch and guardrails first, then the live value must
   * still be the old one, then the write, then the read-back that decides CONFIRMED or UNKNOWN.
   */
  async execute(id: string, options: { approvedByPerson: boolean; skipStepLimit?: boolean }): Promise<ExecutionResult> {
    const row = await this.require(id);
    const { workspace, connection } = await this.owners(row);
    const now = this.deps.now();
    const refuse = async (problems: string[]) => {
      await claimAction(this.deps.db, id, ["approved"], "refused", { outcome_json: JSON.stringify({ problems }), updated_at: now });
      return this.result(id);
    };
    if (workspace.killed === 1) return refuse(["the kill switch is on"]);
    if (connection.status !== "active") return refuse([`the connection to act_${connection.ad_account_id} needs attention`]);
    const capabilities = JSON.parse(connection.scopes_json) as string[];
    if (capabilities.length > 0 && !capabilities.includes("ads_management")) return refuse(["the token Autopilot was given does not allow changes (no ads_management)"]);

    const snapshot = await this.currentSnapshot(workspace, connection, now);
    const change = { objectType: row.object_type as "ad" | "adset", objectId: row.object_id, objectName: row.object_name, field: row.field as "status" | "daily_budget", old: row.old_value ?? "", new: row.new_value };
    const problems = guardrailViolations(row.kind as PlanItem["kind"], change, { snapshot, now, approvedByPerson: options.approvedByPerson, skipStepLimit: options.skipStepLimit ?? false });
    if (problems.length > 0) return refuse(problems);

    if (!(await claimAction(this.deps.db, id, ["approved"], "executing", { executed_at: now, updated_at: now }))) return this.result(id);
    const finish = async (state: "CONFIRMED" | "REJECTED" | "UNKNOWN", outcome: Record<string, unknown>) => {
      await updateAction(this.deps.db, id, { state, outcome_json: JSON.stringify(outcome), updated_at: this.deps.now() });
      const result = await this.result(id);
      if (state === "REJECTED") await this.reportRejection(workspace, row, outcome);
      return result;
    };

    try {
      return await this.workspaces.withClient(
        connection,
        `changing ${row.object_type} ${row.object_id}`,
        async (client) => {
          const before = await client.get<Record<string, unknown>>(row.object_id, { fields: row.field });
          const live = before[row.field] === undefined ? null : String(before[row.field]);
          if (live !== row.old_value) {
            return finish("REJECTED", { message: `not written: the live ${row.field} is ${live ?? "unset"}, not ${row.old_value} as when it was proposed`, live });
          }
          try {
            await client.post(row.object_id, writeOf(change));
          } catch (error) {
            if (error instanceof GraphApiError && error.guardrail) return this.refusedByOwner(id, error);
            if (error instanceof GraphApiError) return finish("REJECTED", { message: `(#${error.code}) ${error.userMsg ?? error.message}`, error: error.toJSON() });
            // A refused address was never called: the write certainly did not happen.
            if (error instanceof GraphTransportError && error.reason === "refused") return finish("REJECTED", { message: `not written: ${error.message}` });
            if (error instanceof GraphTransportError) return finish("UNKNOWN", { message: error.message, reason: error.reason });
            throw error;
          }
          return this.readBack(id, row, client, "after the write");
        },
        { objectLevel: true },
      );
    } catch (error) {
      const current = await this.require(id);
      if (current.state !== "executing") return this.result(id);
      if (error instanceof GraphApiError) return finish("REJECTED", { message: `(#${error.code}) ${error.userMsg ?? error.message}`, error: error.toJSON() });
      if (error instanceof RateLimitBackoff) return finish("REJECTED", { message: `not written: ${error.message}` });
      // Nothing was sent yet when the read before the write failed; after it, the outcome is unknown.
      return finish("UNKNOWN", { message: error instanceof Error ? error.message : "no answer" });
    }
  }

  /**
   * The hub refused the write under the owner's partner guardrail, or held it for the owner's
   * approval: the limits changed since the plan (it was made within them). The action ends refused
   * by the owner's guardrail, in words, and is not retried: the next plan is made within the limits
   * as they are now.
   */
  private async refusedByOwner(id: string, error: GraphApiError): Promise<ExecutionResult> {
    const guardrail = error.guardrail!;
    const detail = (error.userMsg ?? error.message).replace(/^\(#200\) /, "");
    const problem = guardrail.held
      ? `the owner's partner guardrail approval_above = ${guardrail.value} holds it for the owner's approval; it happens only if they approve it (${detail})`
      : `the owner's partner guardrail ${guardrail.name} = ${guardrail.value} refused it (${detail})`;
    await updateAction(this.deps.db, id, {
      state: "refused",
      outcome_json: JSON.stringify({ problems: [problem], guardrail: guardrail.name, value: guardrail.value, held: guardrail.held, error: error.toJSON() }),
      updated_at: this.deps.now(),
    });
    return this.result(id);
  }

  private async readBack(id: string, row: ActionRow, client: { get<T>(path: string, params?: Record<string, string>): Promise<T> }, when: string): Promise<ExecutionResult> {
    try {
      const after = await client.get<Record<string, unknown>>(row.object_id, { fields: row.field });
      const live = after[row.field] === undefined ? null : String(after[row.field]);
      if (live === row.new_value) {
        await updateAction(this.deps.db, id, { state: "CONFIRMED", outcome_json: JSON.stringify({ message: `read back ${when}: ${row.field} is ${live}`, live }), updated_at: this.deps.now() });
      } else if (live === row.old_value && when !== "after the write") {
        await updateAction(this.deps.db, id, { state: "REJECTED", outcome_json: JSON.stringify({ message: `the write did not take effect: read back ${when}, ${row.field} is still ${live}`, live }), updated_at: this.deps.now() });
      } else {
        await updateAction(this.deps.db, id, { state: "UNKNOWN", outcome_json: JSON.stringify({ message: `read back ${when}: ${row.field} is ${live ?? "unset"}, expected ${row.new_value}`, live }), updated_at: this.deps.now() });
      }
    } catch (error) {
      await updateAction(this.deps.db, id, { state: "UNKNOWN", outcome_json: JSON.stringify({ message: `written, but the read-back failed: ${error instanceof Error ? error.message : "no answer"}` }), updated_at: this.deps.now() });
    }
    return this.result(id);
  }

  /** Resolves an UNKNOWN by reading the live value back (never by writing again). */
  async resolve(id: string): Promise<ExecutionResult> {
    const row = await this.require(id);
    if (row.state !== "UNKNOWN") throw errors.invalidParameter(`Action ${id} is ${row.state}, not UNKNOWN.`);
    const { connection } = await this.owners(row);
    return this.workspaces.withClient(connection, `reading back ${row.object_type} ${row.object_id}`, (client) => this.readBack(id, row, client, "later"), { objectLevel: true });
  }

  /** Every UNKNOWN of the workspace, resolved where the live value now tells. */
  async resolveAll(workspace: WorkspaceRow): Promise<ExecutionResult[]> {
    const unknown = await listActions(this.deps.db, workspace.id, { states: ["UNKNOWN"], limit: 500 });
    const out: ExecutionResult[] = [];
    for (const row of unknown) {
      try {
        out.push(await this.resolve(row.id));
      } catch {
        out.push(await this.result(row.id));
      }
    }
    return out;
  }

  /** Undoes a confirmed change: the opposite change, approved by the person, through the same path. */
  async undo(id: string, by: string): Promise<ExecutionResult> {
    const row = await this.require(id);
    if (row.state !== "CONFIRMED" || row.old_value === null) throw errors.invalidParameter(`Action ${id} is ${row.state}; only a confirmed change can be undone.`);
    const { workspace, connection } = await this.owners(row);
    const snapshot = await this.currentSnapshot(workspace, connection, this.deps.now());
    const reverse: Record<string, PlanItem["kind"]> = { pause_ad: "resume_ad", resume_ad: "pause_ad", pause_adset: "resume_adset", resume_adset: "pause_adset", change_budget: "change_budget" };
    const item: PlanItem = {
      kind: reverse[row.kind]!,
      change: { objectType: row.object_type as "ad" | "adset", objectId: row.object_id, objectName: row.object_name, field: row.field as "status" | "daily_budget", old: row.new_value, new: row.old_value },
      reason: `undo of: ${describeChange(row, "done")}`,
      evidence: { undo_of: row.id },
      expectedEffect: "back to how it was before",
    };
    const { row: undo } = await this.propose(workspace, connection, snapshot, item, { source: "undo", key: `undo:${row.id}`, undoOf: row.id });
    if (undo.state !== "pending_approval") return this.result(undo.id);
    await claimAction(this.deps.db, undo.id, ["pending_approval"], "approved", { approved_by: by, updated_at: this.deps.now() });
    // Restoring a value the account already had is not a new step, so the step limit does not apply; caps do.
    return this.execute(undo.id, { approvedByPerson: true, skipStepLimit: true });
  }

  /** The latest scan with every change confirmed since applied, so caps see today's budgets. */
  async currentSnapshot(workspace: WorkspaceRow, connection: ConnectionRow, now: number): Promise<PlannerSnapshot> {
    const snapshot = await buildSnapshot(this.deps.db, workspace, connection, now);
    const confirmed = (await actionsOnConnectionSince(this.deps.db, connection.id, 0)).filter(
      (a) => a.state === "CONFIRMED" && (a.executed_at ?? 0) >= snapshot.scanStartedAt,
    );
    for (const action of confirmed) {
      const adSet = snapshot.adSets.find((s) => s.id === action.object_id);
      if (adSet && action.field === "daily_budget") adSet.dailyBudget = Number(action.new_value);
      if (adSet && action.field === "status") adSet.status = action.new_value;
      const ad = snapshot.ads.find((a) => a.id === action.object_id);
      if (ad && action.field === "status") ad.status = action.new_value;
    }
    return snapshot;
  }

  private async reportRejection(workspace: WorkspaceRow, row: ActionRow, outcome: Record<string, unknown>): Promise<void> {
    await raiseAlert(this.deps.db, this.deps.alerts, this.deps.now(), workspace, {
      kind: "action_rejected",
      severity: "warning",
      title: `Autopilot could not ${describeChange(row, "proposed").replace(/^./, (c) => c.toLowerCase())}`,
      body: String(outcome.message ?? "The Graph refused the change."),
      dedupKey: `action_rejected:${row.id}`,
      details: { action: row.id, ...outcome },
    });
  }

  private async owners(row: ActionRow): Promise<{ workspace: WorkspaceRow; connection: ConnectionRow }> {
    const workspace = await this.workspaces.require(row.workspace_id);
    const connection = await findConnection(this.deps.db, row.connection_id);
    if (!connection) throw errors.invalidParameter(`The connection of action ${row.id} no longer exists.`);
    return { workspace, connection };
  }

  private async result(id: string): Promise<ExecutionResult> {
    const row = await this.require(id);
    return { id, state: row.state, text: presentAction(row).text };
  }
}
