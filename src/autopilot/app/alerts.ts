import { newId } from "../../ids.ts";
import type { AutopilotDb } from "../store/database.ts";
import { findAlertSince, insertAlert, updateAlert } from "../store/autopilot.repository.ts";

export type AlertSeverity = "info" | "warning" | "critical";

/** An alert in the shape the notification service takes (src/notify). */
export interface AutopilotAlert {
  businessId: string;
  kind: string;
  severity: AlertSeverity;
  title: string;
  body: string;
  fields?: { name: string; value: string }[];
  link?: string | null;
  dedupKey: string;
  source?: string;
}

/** Delivers an alert to the advertiser's channels; returns what the notification service reported. */
export type AlertSink = (alert: AutopilotAlert) => Promise<unknown>;

/** Alerts go nowhere but Autopilot's own log (a workspace without a business, or no sink configured). */
export const logOnlySink: AlertSink = async () => ({ delivered: false, reason: "no notification service configured" });

/**
 * Raises an alert: kept in Autopilot's alert log and handed to the notification service, which
 * deduplicates, rate-limits and respects quiet hours. The same alert (dedup key) within
 * `repeatAfterMs` is logged once and sent once.
 */
export async function raiseAlert(
  db: AutopilotDb,
  sink: AlertSink,
  now: number,
  workspace: { id: string; business_id: string | null },
  alert: Omit<AutopilotAlert, "businessId" | "source"> & { details?: Record<string, unknown> },
  repeatAfterMs = 6 * 3_600_000,
): Promise<{ id: string; repeated: boolean }> {
  const existing = await findAlertSince(db, workspace.id, alert.dedupKey, now - repeatAfterMs);
  if (existing) return { id: existing.id, repeated: true };
  const id = newId();
  await insertAlert(db, {
    id,
    workspace_id: workspace.id,
    kind: alert.kind,
    dedup_key: alert.dedupKey,
    severity: alert.severity,
    title: alert.title,
    body: alert.body,
    details_json: JSON.stringify(alert.details ?? {}),
    delivery_json: null,
    created_at: now,
  });
  let delivery: unknown;
  if (workspace.business_id) {
    const { details: _d, ...rest } = alert;
    try {
      delivery = await sink({ ...rest, businessId: workspace.business_id, source: "autopilot" });
    } catch (error) {
      delivery = { delivered: false, error: error instanceof Error ? error.message : String(error) };
    }
  } else {
    delivery = { delivered: false, reason: "the workspace has no business to notify" };
  }
  await updateAlert(db, id, { delivery_json: JSON.stringify(delivery ?? null) });
  return { id, repeated: false };
}
