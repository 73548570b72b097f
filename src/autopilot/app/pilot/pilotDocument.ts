import PDFDocument from "pdfkit";
import { exactMoney } from "../actionLog.ts";
import type { PeriodTotals, PilotAction, PilotReport } from "./pilotReport.ts";
import { METRICS, type Comparison, type Estimate } from "./pilotStats.ts";

/**
 * A pilot's report as people read it: the same sections in the CLI's text, the console's HTML page
 * and the PDF, built from one outline so the three never disagree.
 */

interface Section {
  title: string;
  lines: string[];
}

const pct = (x: number | null) => (x === null ? "–" : `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x * 100))}%`);

function metricValue(e: Estimate, value: number | null, currency: string): string {
  if (value === null) return "–";
  if (e.metric === "cpa" || e.metric === "spend") return exactMoney(Math.round(value), currency);
  if (e.metric === "roas") return value.toFixed(2);
  return value.toFixed(value >= 100 ? 0 : 1);
}

function totalsLine(t: PeriodTotals, currency: string): string {
  return `spend ${exactMoney(Math.round(t.spend), currency)}, ${t.conversions.toFixed(1)} conversions, revenue ${exactMoney(Math.round(t.revenue), currency)}, CPA ${t.cpa === null ? "–" : exactMoney(Math.round(t.cpa), currency)}, ROAS ${t.roas === null ? "–" : t.roas.toFixed(2)}`;
}

function comparisonLines(c: Comparison & { label: string }, currency: string): string[] {
  return METRICS.map((m) => {
    const e = c.estimates[m];
    const interval = e.low === null || e.high === null ? "no interval" : `95% interval ${pct(e.low)} to ${pct(e.high)}`;
    return `${m.toUpperCase()}: ${metricValue(e, e.pilot, currency)} vs ${metricValue(e, e.without, currency)} without Autopilot, ${pct(e.change)} (${interval}). ${e.verdict}`;
  });
}

function actionLine(a: PilotAction, currency: string): string {
  const when = new Date(a.time).toISOString().slice(0, 16).replace("T", " ");
  const head = `${when} ${a.ad_account_id} ${a.state}: ${a.text}`;
  if (!a.effect) return `${head} — effect: ${a.effect_note ?? "not measurable"}`;
  const side = (t: PeriodTotals) => `CPA ${t.cpa === null ? "–" : exactMoney(Math.round(t.cpa), currency)} (n = ${t.conversions} conversions, ${exactMoney(Math.round(t.spend), currency)})`;
  return `${head} — ${a.effect.days} days before: ${side(a.effect.before)}; after: ${side(a.effect.after)}${a.effect.cpa_change === null ? "" : `; CPA ${pct(a.effect.cpa_change)}`}`;
}

/** The report's title, verdict and sections, shared by the text, HTML and PDF forms. */
export function reportOutline(r: PilotReport): { title: string; verdict: string; sections: Section[] } {
  const p = r.pilot;
  const currency = p.currency;
  return {
    title: `Autopilot pilot ${p.id}: ${p.accounts.join(", ")}`,
    verdict: r.verdict,
    sections: [
      {
        title: "Pilot",
        lines: [
          `Workspace ${p.workspace}; ${p.status}; ${p.start_date} to ${p.end_date} (${p.days} days); ${r.period.days} day${r.period.days === 1 ? "" : "s"} scanned so far (to ${r.period.to}).`,
          `Accounts: ${p.accounts.join(", ")}; holdout: ${p.holdout.length > 0 ? p.holdout.join(", ") : "none"}.`,
          `Settings at the start: mode ${p.settings.mode}, kill switch ${p.settings.kill_switch ? "on" : "off"}, guardrails ${JSON.stringify(p.settings.guardrails)}.`,
          `Baseline ${r.baseline.from} to ${r.baseline.to} (${r.baseline.days} days), per day: ${totalsLine(r.baseline.per_day, currency)}.`,
          `Pilot period: ${totalsLine(r.pilot_totals, currency)}.`,
        ],
      },
      ...r.comparisons.map((c) => ({ title: `${c.method === r.lead ? "Leading comparison" : "Also"}: against ${c.label}`, lines: comparisonLines(c, currency) })),
      { title: "Autopilot's actions during the pilot", lines: r.actions.length === 0 ? ["None."] : r.actions.map((a) => actionLine(a, currency)) },
      ...(r.notes.length > 0 ? [{ title: "Notes", lines: r.notes }] : []),
      {
        title: "How this is measured",
        lines: [
          "Each change is the pilot period against an estimate of the same days without Autopilot; intervals are 95%, from a seeded block bootstrap over days (blocks of a week from 28 days on, else n^(1/3) days rounded up, since neighbouring days are correlated) with Student's t on the number of blocks.",
          "The verdict states a change only when its whole interval is on one side of no change.",
        ],
      },
    ],
  };
}

/** The report as the CLI prints it. */
export function reportText(r: PilotReport): string {
  const o = reportOutline(r);
  return [o.title, `Verdict: ${o.verdict}`, ...o.sections.flatMap((s) => ["", `${s.title}:`, ...s.lines.map((l) => `  ${l}`)])].join("\n");
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained HTML page of the report, for saving or printing. It carries no style or script:
 * the hub's Content-Security-Policy allows neither inline, and the console shows the same report
 * styled (its Pilots page).
 */
export function reportHtml(r: PilotReport): string {
  const o = reportOutline(r);
  const sections = o.sections.map((s) => `<section><h2>${escape(s.title)}</h2><ul>${s.lines.map((l) => `<li>${escape(l)}</li>`).join("")}</ul></section>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(o.title)}</title>
</head><body><main>
<h1>${escape(o.title)}</h1>
<p id="verdict"><strong>${escape(o.verdict)}</strong></p>
${sections}
</main></body></html>
`;
}

/** The same report as a PDF (A4). */
export async function reportPdf(r: PilotReport, options: { compress?: boolean } = {}): Promise<Buffer> {
  const o = reportOutline(r);
  const doc = new PDFDocument({ size: "A4", margin: 48, compress: options.compress ?? true, info: { Title: o.title } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  // The standard PDF fonts have no minus sign (U+2212): a hyphen reads the same.
  const plain = (text: string) => text.replace(/−/g, "-");
  doc.font("Helvetica-Bold").fontSize(15).text(plain(o.title));
  doc.moveDown(0.5).fontSize(12).text(plain(o.verdict));
  for (const section of o.sections) {
    doc.moveDown().font("Helvetica-Bold").fontSize(11).text(plain(section.title));
    doc.font("Helvetica").fontSize(9);
    for (const line of section.lines) doc.text(plain(line), { paragraphGap: 2 });
  }
  doc.end();
  return done;
}
