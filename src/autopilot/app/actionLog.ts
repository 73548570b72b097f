import { minorDigits } from "../../inputLimits.ts";
import type { ActionRow } from "../store/autopilot.repository.ts";
import type { LogEntry } from "./views.ts";

/**
 * Minor units as the account's currency writes them, every decimal shown: 5000 USD → "$50.00",
 * 5000 JPY → "¥5,000". The engine's `money` (its plans' reasons) is shorter: "$50".
 */
export function exactMoney(minor: number | string | null, currency: string): string {
  const value = Number(minor ?? 0);
  // Meta's offsets say how many decimals an amount has (TWD none, BHD two), not ISO 4217.
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value / 10 ** digits);
  } catch {
    return `${(value / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

const OBJECT_LABEL: Record<string, string> = { ad: "ad", adset: "ad set", campaign: "campaign" };
const RULE_ACTION: Record<string, string> = {
  pause_ad: "PAUSE",
  pause_adset: "PAUSE",
  resume_ad: "UNPAUSE",
  resume_adset: "UNPAUSE",
  change_budget: "CHANGE_BUDGET",
};

/** The change in plain words, in the imperative ("Raise …") or past tense ("Raised …"). */
export function describeChange(row: Pick<ActionRow, "kind" | "object_type" | "object_name" | "old_value" | "new_value" | "currency">, tense: "proposed" | "done"): string {
  const name = `'${row.object_name}'`;
  const label = OBJECT_LABEL[row.object_type] ?? row.object_type;
  if (row.kind === "change_budget") {
    const up = Number(row.new_value) >= Number(row.old_value ?? 0);
    const verb = tense === "done" ? (up ? "Raised" : "Lowered") : up ? "Raise" : "Lower";
    return `${verb} ${name} daily budget from ${exactMoney(row.old_value, row.currency)} to ${exactMoney(row.new_value, row.currency)}`;
  }
  const pause = row.kind.startsWith("pause");
  const verb = tense === "done" ? (pause ? "Paused" : "Turned on") : pause ? "Pause" : "Turn on";
  return `${verb} ${label} ${name}`;
}

export type { LogEntry };

export function canUndo(row: ActionRow): boolean {
  return row.state === "CONFIRMED" && row.old_value !== null;
}

export function presentAction(row: ActionRow): LogEntry {
  const outcome = row.outcome_json ? (JSON.parse(row.outcome_json) as { message?: string; problems?: string[] }) : null;
  const reason = row.reason;
  let text: string;
  switch (row.state) {
    case "CONFIRMED":
      text = `${describeChange(row, "done")}: ${reason}`;
      break;
    case "REJECTED":
      text = `Could not ${describeChange(row, "proposed").replace(/^./, (c) => c.toLowerCase())}: ${outcome?.message ?? "the Graph refused it"}`;
      break;
    case "UNKNOWN":
      text = `${describeChange(row, "proposed")} — sent, but not confirmed yet (${outcome?.message ?? "no answer"}); it will be checked by reading the live value back, not sent again`;
      break;
    case "refused":
      text = `Held back: ${describeChange(row, "proposed").replace(/^./, (c) => c.toLowerCase())}, because ${(outcome?.problems ?? [outcome?.message ?? "a guardrail"]).join("; ")}`;
      break;
    case "expired":
      text = `Expired: ${describeChange(row, "proposed").replace(/^./, (c) => c.toLowerCase())} (${outcome?.message ?? "the data changed"})`;
      break;
    case "declined":
      text = `Declined: ${describeChange(row, "proposed").replace(/^./, (c) => c.toLowerCase())}`;
      break;
    default:
      text = `${describeChange(row, "proposed")}: ${reason}`;
  }
  return {
    id: row.id,
    time: row.executed_at ?? row.updated_at,
    state: row.state,
    text,
    reason,
    expected_effect: row.expected_effect,
    evidence: JSON.parse(row.evidence_json) as Record<string, unknown>,
    source: row.source,
    approved_by: row.approved_by,
    idempotency_key: row.idempotency_key,
    outcome,
    undo_of: row.undo_of,
    can_undo: canUndo(row),
    rule_history: {
      timestamp: new Date(row.executed_at ?? row.updated_at).toISOString(),
      is_manual: row.approved_by !== null && row.approved_by !== "autopilot",
      results: [
        {
          object_id: row.object_id,
          object_type: row.object_type.toUpperCase(),
          actions: [{ action: RULE_ACTION[row.kind] ?? row.kind.toUpperCase(), field: row.field, old_value: row.old_value, new_value: row.new_value }],
        },
      ],
    },
  };
}
