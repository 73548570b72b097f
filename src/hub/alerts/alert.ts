import { z } from "zod";
import { errors } from "../../errors.ts";

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Critical alerts are urgent: they go through quiet hours. */
export function isUrgent(severity: Severity): boolean {
  return severity === "critical";
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** One name/value line of an alert, shown as a field in Slack and a row in email. */
export interface AlertField {
  name: string;
  value: string;
}

/**
 * What any part of Grantline raises: the hub's security alerts, Autopilot's spend spikes,
 * disapproved ads, failing URLs and expiring tokens. `dedupKey` names "the same alert": a repeat
 * within the dedup window is counted, not sent again.
 */
export interface Alert {
  businessId: string;
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  fields?: AlertField[];
  /** Where the reader can act or see more (an http(s) URL). */
  link?: string | null;
  dedupKey: string;
  /** Audit entry sequence numbers the alert rests on. */
  evidence?: number[];
  /** Who raised it: "hub" (security alerts), "autopilot", … Default "hub". */
  source?: string;
}

/** One alert as a channel renders it. */
export interface MessageAlert {
  id: string;
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  fields: AlertField[];
  link: string | null;
  evidence: number[];
  createdAt: number;
  /** Repeats swallowed by deduplication so far. */
  repeats: number;
}

/** An alert's content in the snake_case shape both the Graph edge and the signed webhook body use. */
export function alertContent(a: Omit<MessageAlert, "createdAt">) {
  return { id: a.id, kind: a.kind, severity: a.severity, title: a.title, body: a.body, fields: a.fields, link: a.link, audit_entries: a.evidence, repeats: a.repeats };
}

const alertSchema = z.object({
  businessId: z.string().regex(/^\d+$/, "must be a numeric Business ID"),
  kind: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, "must be a lower-case name such as spend_spike"),
  severity: z.enum(SEVERITIES),
  title: z.string().trim().min(1).max(150),
  body: z.string().max(3000),
  fields: z
    .array(z.object({ name: z.string().min(1).max(100), value: z.string().max(1000) }))
    .max(20)
    .optional(),
  link: z
    .string()
    .max(2048)
    .regex(/^https?:\/\//, "must be an http or https URL")
    .nullish(),
  dedupKey: z.string().min(1).max(300),
  evidence: z.array(z.number().int().positive()).max(200).optional(),
  source: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).optional(),
});

export type ValidAlert = Required<Omit<Alert, "link">> & { link: string | null };

/** The alert checked and completed with defaults; bad input is a Graph-style invalid-parameter error. */
export function parseAlert(input: Alert): ValidAlert {
  const parsed = alertSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw errors.invalidParameter(`Invalid alert: ${issue.path.join(".") || "alert"} ${issue.message}.`);
  }
  const a = parsed.data;
  return {
    businessId: a.businessId,
    kind: a.kind,
    severity: a.severity,
    title: a.title,
    body: a.body,
    fields: a.fields ?? [],
    link: a.link ?? null,
    dedupKey: a.dedupKey,
    evidence: a.evidence ?? [],
    source: a.source ?? "hub",
  };
}
