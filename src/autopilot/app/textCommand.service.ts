import { errors } from "../../errors.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import type { ActionService } from "./action.service.ts";
import { exactMoney } from "./actionLog.ts";
import { presentAction, type LogEntry } from "./actionLog.ts";
import type { ConnectionRow, WorkspaceRow } from "../store/autopilot.repository.ts";
import type { PlannerSnapshot, PlanItem } from "./planner.ts";
import { toMinor } from "./scan.service.ts";
import { parseCommand, type Condition, type Intent, type Metric, type Period } from "./textCommands.ts";
import type { WorkspaceService } from "./workspace.service.ts";

export type CommandResult =
  | { kind: "answer"; text: string; value: number | null; metric: Metric; period: Period }
  | { kind: "proposal"; text: string; proposals: LogEntry[]; skipped: string[] };

interface InsightRow {
  ad_id?: string;
  adset_id?: string;
  ad_name?: string;
  adset_name?: string;
  spend?: string;
  ctr?: string;
  actions?: { action_type: string; value: string }[];
  action_values?: { action_type: string; value: string }[];
}

const PERIOD_WORDS: Record<Period, string> = {
  today: "today",
  yesterday: "yesterday",
  last_7d: "in the last 7 days",
  last_14d: "in the last 14 days",
  last_30d: "in the last 30 days",
  this_month: "this month",
};

const purchase = (list?: { action_type: string; value: string }[]) => list?.find((a) => a.action_type === "purchase")?.value;

/** Totals of an insights row in minor units and counts, and the metric asked for. */
function measure(row: InsightRow | undefined, metric: Metric): { value: number | null; spend: number; conversions: number; revenue: number } {
  const spend = toMinor(row?.spend, 2);
  const conversions = Number(purchase(row?.actions) ?? 0);
  const revenue = toMinor(purchase(row?.action_values), 2);
  const value =
    metric === "spend"
      ? spend
      : metric === "conversions"
        ? conversions
        : metric === "cpa"
          ? conversions > 0
            ? spend / conversions
            : null
          : metric === "roas"
            ? spend > 0
              ? revenue / spend
              : null
            : row?.ctr !== undefined
              ? Number(row.ctr)
              : null;
  return { value, spend, conversions, revenue };
}

/**
 * Carries out text commands: questions are answered from live insights through the Graph; changes
 * become proposals in the approval queue (shown for confirmation), executed only when approved,
 * through the same guarded path as the engine's.
 */
export class TextCommandService {
  constructor(
    private readonly workspaces: WorkspaceService,
    private readonly actions: ActionService,
    private readonly now: () => number,
  ) {}

  async run(workspaceIdOrName: string, text: string): Promise<CommandResult> {
    const parsed = parseCommand(text);
    if (!parsed.ok) throw errors.invalidParameter(parsed.error);
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const [connection] = (await this.workspaces.connections(workspace.id)).filter((c) => c.status === "active");
    if (!connection) throw errors.invalidParameter("The workspace has no working ad account connection.");
    const snapshot = await this.actions.currentSnapshot(workspace, connection, this.now());
    const intent = parsed.intent;
    if (intent.type === "question") return this.answer(connection, snapshot, intent);
    if (intent.type === "change_budget") return this.budget(workspace, connection, snapshot, intent, text);
    return this.status(workspace, connection, snapshot, intent, text);
  }

  /** The campaign or ad set a name points at: exact name first, then the only one containing it. */
  private resolve(snapshot: PlannerSnapshot, name: string, kinds: ("campaign" | "adset")[]): { kind: "campaign" | "adset"; id: string; name: string } {
    const candidates = [
      ...(kinds.includes("campaign") ? snapshot.campaigns.map((c) => ({ kind: "campaign" as const, id: c.id, name: c.name })) : []),
      ...(kinds.includes("adset") ? snapshot.adSets.map((s) => ({ kind: "adset" as const, id: s.id, name: s.name })) : []),
    ];
    const lower = name.toLowerCase();
    const exact = candidates.filter((c) => c.name.toLowerCase() === lower);
    if (exact.length === 1) return exact[0]!;
    const partial = candidates.filter((c) => c.name.toLowerCase().includes(lower));
    if (partial.length === 1) return partial[0]!;
    const what = kinds.map((k) => (k === "adset" ? "ad set" : k)).join(" or ");
    if (partial.length === 0) throw errors.invalidParameter(`No ${what} is called "${name}".`);
    throw errors.invalidParameter(`"${name}" could mean ${partial.map((c) => `'${c.name}'`).join(", ")}; say which.`);
  }

  private async answer(connection: ConnectionRow, snapshot: PlannerSnapshot, intent: Extract<Intent, { type: "question" }>): Promise<CommandResult> {
    const target = intent.scope ? this.resolve(snapshot, intent.scope, ["campaign", "adset"]) : undefined;
    const node = target ? target.id : adAccountGraphId(connection.ad_account_id);
    const rows = await this.workspaces.withClient(connection, "answering a question", (client) =>
      client.getAll<InsightRow>(`${node}/insights`, { date_preset: intent.period, fields: "spend,actions,action_values,ctr" }),
    );
    const { value, spend, conversions } = measure(rows[0], intent.metric);
    const where = target ? ` on '${target.name}'` : "";
    const when = PERIOD_WORDS[intent.period];
    let text: string;
    switch (intent.metric) {
      case "spend":
        text = `You spent ${exactMoney(spend, snapshot.currency)}${where} ${when}.`;
        break;
      case "conversions":
        text = `${conversions} conversion${conversions === 1 ? "" : "s"}${where} ${when} (reported so far; late conversions may still arrive).`;
        break;
      case "cpa":
        text = value === null ? `No conversions${where} ${when}, so no CPA (spend ${exactMoney(spend, snapshot.currency)}).` : `CPA${where} ${when}: ${exactMoney(Math.round(value), snapshot.currency)} (${exactMoney(spend, snapshot.currency)} for ${conversions} conversions).`;
        break;
      case "roas":
        text = value === null ? `No spend${where} ${when}, so no ROAS.` : `ROAS${where} ${when}: ${value.toFixed(2)}.`;
        break;
      case "ctr":
        text = value === null ? `No impressions${where} ${when}.` : `CTR${where} ${when}: ${value.toFixed(2)}%.`;
        break;
    }
    return { kind: "answer", text, value: intent.metric === "spend" ? spend / 100 : value === null ? null : intent.metric === "cpa" ? value / 100 : value, metric: intent.metric, period: intent.period };
  }

  private async budget(workspace: WorkspaceRow, connection: ConnectionRow, snapshot: PlannerSnapshot, intent: Extract<Intent, { type: "change_budget" }>, text: string): Promise<CommandResult> {
    const target = this.resolve(snapshot, intent.target, ["adset"]);
    const adSet = snapshot.adSets.find((s) => s.id === target.id)!;
    if (adSet.dailyBudget === null) throw errors.invalidParameter(`'${adSet.name}' has no daily budget of its own (its campaign's budget applies).`);
    const old = adSet.dailyBudget;
    const next =
      intent.mode === "percent" ? Math.round(old * (1 + (intent.direction * intent.value) / 100)) : intent.mode === "amount" ? old + intent.direction * Math.round(intent.value * 100) : Math.round(intent.value * 100);
    if (next <= 0) throw errors.invalidParameter(`That would take '${adSet.name}' to ${exactMoney(next, snapshot.currency)}; a budget must stay above zero.`);
    const item: PlanItem = {
      kind: "change_budget",
      change: { objectType: "adset", objectId: adSet.id, objectName: adSet.name, field: "daily_budget", old: String(old), new: String(next) },
      reason: `you asked: “${text.trim()}”`,
      evidence: { command: text.trim(), old_budget: old, new_budget: next },
      expectedEffect: `daily budget ${next > old ? "up" : "down"} ${exactMoney(Math.abs(next - old), snapshot.currency)}`,
    };
    return this.proposeAll(workspace, connection, snapshot, [item], [], text);
  }

  private async status(workspace: WorkspaceRow, connection: ConnectionRow, snapshot: PlannerSnapshot, intent: Extract<Intent, { type: "set_status" }>, text: string): Promise<CommandResult> {
    const scope = intent.scope ? this.resolve(snapshot, intent.scope, ["campaign", "adset"]) : undefined;
    const inScope = <T extends { campaignId: string; id: string; adSetId?: string }>(o: T) =>
      !scope || (scope.kind === "campaign" ? o.campaignId === scope.id : o.adSetId === scope.id || o.id === scope.id);
    const from = intent.status === "PAUSED" ? "ACTIVE" : "PAUSED";
    const objects =
      intent.level === "ad"
        ? snapshot.ads.filter((a) => inScope(a) && a.status === from).map((a) => ({ id: a.id, name: a.name }))
        : snapshot.adSets.filter((s) => inScope(s) && s.status === from).map((s) => ({ id: s.id, name: s.name }));
    const measured = intent.condition ? await this.measureLevel(connection, intent.level, intent.period, intent.condition, scope?.id) : undefined;
    const items: PlanItem[] = [];
    const skipped: string[] = [];
    for (const object of objects) {
      let because = "";
      if (intent.condition) {
        const m = measured!.get(object.id);
        const verdict = this.meets(m, intent.condition, snapshot.currency);
        if (!verdict.meets) {
          skipped.push(`'${object.name}': ${verdict.detail}`);
          continue;
        }
        because = `; ${verdict.detail} ${PERIOD_WORDS[intent.period]}`;
      }
      items.push({
        kind: `${intent.status === "PAUSED" ? "pause" : "resume"}_${intent.level}` as PlanItem["kind"],
        change: { objectType: intent.level, objectId: object.id, objectName: object.name, field: "status", old: from, new: intent.status },
        reason: `you asked: “${text.trim()}”${because}`,
        evidence: { command: text.trim(), ...(measured ? { metrics: measured.get(object.id) ?? null } : {}) },
        expectedEffect: intent.status === "PAUSED" ? "stops its delivery and spend" : "resumes its delivery",
      });
    }
    return this.proposeAll(workspace, connection, snapshot, items, skipped, text);
  }

  private meets(m: { value: number | null; spend: number; conversions: number } | undefined, condition: Condition, currency: string): { meets: boolean; detail: string } {
    const label = condition.metric.toUpperCase();
    const isMoney = condition.metric === "cpa" || condition.metric === "spend";
    const threshold = isMoney ? condition.value * 100 : condition.value;
    const show = (v: number) => (isMoney ? exactMoney(Math.round(v), currency) : v.toFixed(2));
    if (!m || m.spend === 0) return { meets: false, detail: "no spend, nothing to judge" };
    if (m.value === null) {
      // No conversions: a CPA "over X" holds once spend alone passed X; under never holds.
      if (condition.metric === "cpa" && condition.op === ">" && m.spend > threshold) return { meets: true, detail: `no conversions for ${exactMoney(m.spend, currency)} spent` };
      return { meets: false, detail: `no ${label} (no conversions)` };
    }
    const meets = condition.op === ">" ? m.value > threshold : m.value < threshold;
    return { meets, detail: `its ${label} ${show(m.value)} is ${meets ? "" : "not "}${condition.op === ">" ? "over" : "under"} ${show(threshold)}` };
  }

  private async measureLevel(connection: ConnectionRow, level: "ad" | "adset", period: Period, condition: Condition, scopeId?: string) {
    const node = scopeId ?? adAccountGraphId(connection.ad_account_id);
    const rows = await this.workspaces.withClient(connection, "measuring for a text command", (client) =>
      client.getAll<InsightRow>(`${node}/insights`, { level, date_preset: period, fields: "ad_id,adset_id,spend,actions,action_values,ctr", limit: 500 }),
    );
    const out = new Map<string, ReturnType<typeof measure>>();
    for (const row of rows) {
      const id = level === "ad" ? row.ad_id : row.adset_id;
      if (id) out.set(id, measure(row, condition.metric));
    }
    return out;
  }

  private async proposeAll(workspace: WorkspaceRow, connection: ConnectionRow, snapshot: PlannerSnapshot, items: PlanItem[], skipped: string[], text: string): Promise<CommandResult> {
    const proposals: LogEntry[] = [];
    for (const item of items) {
      const { row } = await this.actions.propose(workspace, connection, snapshot, item, { source: "text", key: `text:${this.now()}:${item.change.objectId}:${item.change.field}:${item.change.new}:${text.trim()}` });
      proposals.push(presentAction(row));
    }
    const summary =
      proposals.length === 0
        ? `Nothing to change for “${text.trim()}”.`
        : `${proposals.length} change${proposals.length === 1 ? "" : "s"} proposed for your confirmation:\n${proposals.map((p) => `  [${p.id}] ${p.text}`).join("\n")}`;
    return { kind: "proposal", text: summary, proposals, skipped };
  }
}
