import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../graphIds.ts";
import { raiseAlert } from "./alerts.ts";
import {
  findConnection,
  findConnectionByAccount,
  findWorkspace,
  insertConnection,
  insertWorkspace,
  latestFinishedScanOfWorkspace,
  listConnections,
  updateConnection,
  updateWorkspace,
  type ConnectionRow,
  type WorkspaceRow,
} from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { GraphApiError, GraphClient, GraphTransportError } from "./graphClient.ts";
import { guardrailsSchema, hasCaps } from "./guardrails.ts";
import { listScheduleRows, type ScheduleRow } from "../store/schedule.repository.ts";
import { DEFAULT_PLANNER_GUARDRAILS, type PlannerGuardrails } from "./planner.ts";
import type { UsageReading } from "../../net/metaUsage.ts";
import type { JobOutcome, ScheduleView } from "./views.ts";

export type Mode = "semi_auto" | "autopilot";

export interface WorkspaceView {
  id: string;
  name: string;
  business_id: string | null;
  mode: Mode;
  kill_switch: boolean;
  guardrails: PlannerGuardrails;
  connections: ConnectionView[];
  schedule: ScheduleView;
}

export type { JobOutcome, ScheduleView };

export function presentSchedule(rows: ScheduleRow[], lastScan?: { status: string; rows: number; finished_at: number | null; error: string | null }): ScheduleView {
  const scan = rows.find((r) => r.job === "scan");
  const monitors = rows.find((r) => r.job === "monitors");
  const outcome = (row: ScheduleRow | undefined) => (row?.last_outcome_json ? (JSON.parse(row.last_outcome_json) as JobOutcome) : null);
  return {
    next_scan_at: scan?.next_due_at ?? null,
    last_run_at: scan?.last_run_at ?? null,
    last_outcome: outcome(scan),
    last_scan: lastScan?.finished_at != null ? { at: lastScan.finished_at, status: lastScan.status, rows: lastScan.rows, error: lastScan.error } : null,
    monitors: { next_at: monitors?.next_due_at ?? null, last_run_at: monitors?.last_run_at ?? null, last_outcome: outcome(monitors) },
  };
}

export interface ConnectionView {
  id: string;
  ad_account_id: string;
  /** The account's name as the Graph last gave it; null until known. */
  ad_account_name: string | null;
  pixel_id: string | null;
  catalog_id: string | null;
  graph_url: string;
  status: string;
  attention: unknown;
  token_expires_at: number | null;
  scopes: string[];
  usage: unknown;
}

export function presentConnection(row: ConnectionRow): ConnectionView {
  return {
    id: row.id,
    ad_account_id: adAccountGraphId(row.ad_account_id),
    ad_account_name: row.ad_account_name,
    pixel_id: row.pixel_id,
    catalog_id: row.catalog_id,
    graph_url: row.graph_url,
    status: row.status,
    attention: row.attention_json ? JSON.parse(row.attention_json) : null,
    token_expires_at: row.token_expires_at,
    scopes: JSON.parse(row.scopes_json) as string[],
    usage: row.usage_json ? JSON.parse(row.usage_json) : null,
  };
}

export function guardrailsOf(row: WorkspaceRow): PlannerGuardrails {
  return { ...DEFAULT_PLANNER_GUARDRAILS, ...(JSON.parse(row.guardrails_json) as Partial<PlannerGuardrails>) };
}

export interface ConnectInput {
  graphUrl: string;
  accessToken: string;
  adAccountId: string;
  pixelId?: string | undefined;
  catalogId?: string | undefined;
  /** When the token expires (epoch ms), if known (OAuth's expires_in, or debug_token). */
  tokenExpiresAt?: number | null | undefined;
  /** The token's scopes, if known; otherwise read from debug_token where the Graph offers it. */
  scopes?: string[] | undefined;
}

/** An ad account id without Meta's `act_` prefix, as Autopilot keeps it. */

/** Workspaces (one per advertiser), their settings and kill switch, and their connected ad accounts. */
export class WorkspaceService {
  constructor(private readonly deps: AutopilotDeps) {}

  async create(name: string, businessId?: string | null): Promise<WorkspaceView> {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 200) throw errors.invalidParameter("A workspace name must be 1 to 200 characters.");
    if (businessId !== undefined && businessId !== null && !/^\d+$/.test(businessId)) throw errors.invalidParameter("business must be a numeric Business ID.");
    if (await findWorkspace(this.deps.db, trimmed)) throw errors.duplicate(`A workspace named ${trimmed} already exists.`);
    const now = this.deps.now();
    await insertWorkspace(this.deps.db, {
      id: newId(),
      name: trimmed,
      business_id: businessId ?? null,
      mode: "semi_auto",
      killed: 0,
      guardrails_json: "{}",
      alert_channels_json: "{}",
      created_at: now,
      updated_at: now,
    });
    return this.view(trimmed);
  }

  async require(idOrName: string): Promise<WorkspaceRow> {
    const row = await findWorkspace(this.deps.db, idOrName);
    if (!row) throw errors.invalidParameter(`No Autopilot workspace is called or has the ID ${idOrName}.`);
    return row;
  }

  async view(idOrName: string): Promise<WorkspaceView> {
    const row = await this.require(idOrName);
    const connections = await listConnections(this.deps.db, row.id);
    return {
      id: row.id,
      name: row.name,
      business_id: row.business_id,
      mode: row.mode as Mode,
      kill_switch: row.killed === 1,
      guardrails: guardrailsOf(row),
      connections: connections.map(presentConnection),
      schedule: presentSchedule(await listScheduleRows(this.deps.db, row.id), await latestFinishedScanOfWorkspace(this.deps.db, row.id)),
    };
  }

  /** Replaces the guardrails the advertiser set (validated as a whole). */
  async setGuardrails(idOrName: string, input: unknown): Promise<WorkspaceView> {
    const row = await this.require(idOrName);
    const parsed = guardrailsSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw errors.invalidParameter(`Invalid guardrails: ${issue.path.join(".") || "guardrails"} ${issue.message}.`);
    }
    if (row.mode === "autopilot" && !hasCaps(parsed.data as PlannerGuardrails)) {
      throw errors.invalidParameter("Autopilot mode is on: keep a daily or monthly cap, or switch to semi-auto first.");
    }
    await updateWorkspace(this.deps.db, row.id, { guardrails_json: JSON.stringify(parsed.data), updated_at: this.deps.now() });
    return this.view(row.id);
  }

  /** Semi-auto always works; autopilot refuses to start without a daily or monthly cap. */
  async setMode(idOrName: string, mode: string): Promise<WorkspaceView> {
    const row = await this.require(idOrName);
    if (mode !== "semi_auto" && mode !== "autopilot") throw errors.invalidParameter("mode must be semi_auto or autopilot.");
    if (mode === "autopilot" && !hasCaps(guardrailsOf(row))) {
      throw errors.invalidParameter("Autopilot will not start without a spending cap: set a daily or monthly cap first (semi-auto works without one).");
    }
    await updateWorkspace(this.deps.db, row.id, { mode, updated_at: this.deps.now() });
    return this.view(row.id);
  }

  /** The kill switch: on, no automated or approved action is written until it is turned off. */
  async setKillSwitch(idOrName: string, on: boolean): Promise<WorkspaceView> {
    const row = await this.require(idOrName);
    await updateWorkspace(this.deps.db, row.id, { killed: on ? 1 : 0, updated_at: this.deps.now() });
    return this.view(row.id);
  }

  /**
   * Connects an ad account with a token the advertiser gave Autopilot (from the OAuth flow, or an
   * existing one): the token is checked against the Graph (it must read the account), then sealed.
   */
  async connect(idOrName: string, input: ConnectInput): Promise<ConnectionView> {
    const workspace = await this.require(idOrName);
    let base: URL;
    try {
      base = new URL(input.graphUrl);
    } catch {
      throw errors.invalidParameter("graph URL must be an http(s) URL.");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw errors.invalidParameter("graph URL must be an http(s) URL.");
    const accountId = assetIdFromGraph(input.adAccountId);
    if (!/^\d+$/.test(accountId)) throw errors.invalidParameter("ad account must be act_<id>.");
    const client = new GraphClient({ baseUrl: input.graphUrl, accessToken: input.accessToken, http: this.deps.http, timeoutMs: this.deps.graphTimeoutMs, sleep: this.deps.sleep });
    let accountName: string | null;
    try {
      const account = await client.get<{ name?: string }>(adAccountGraphId(accountId), { fields: "id,name,currency" });
      accountName = typeof account.name === "string" ? account.name : null;
    } catch (error) {
      if (error instanceof GraphApiError) throw errors.invalidParameter(`The token cannot read act_${accountId}: ${error.message}`);
      if (error instanceof GraphTransportError && error.reason === "refused") throw errors.invalidParameter(`graph URL: ${error.message}`);
      throw errors.invalidParameter(`The Graph at ${input.graphUrl} could not be reached to check the token.`);
    }
    let scopes = input.scopes;
    let expiresAt = input.tokenExpiresAt;
    if (!scopes || expiresAt === undefined) {
      const debug = await client.get<{ data?: { scopes?: string[]; expires_at?: number } }>("debug_token", { input_token: input.accessToken }).catch(() => undefined);
      scopes ??= debug?.data?.scopes;
      if (expiresAt === undefined && debug?.data && typeof debug.data.expires_at === "number") expiresAt = debug.data.expires_at === 0 ? null : debug.data.expires_at * 1000;
    }
    const now = this.deps.now();
    const existing = await findConnectionByAccount(this.deps.db, workspace.id, accountId);
    const id = existing?.id ?? newId();
    const values = {
      pixel_id: input.pixelId ?? existing?.pixel_id ?? null,
      catalog_id: input.catalogId ?? existing?.catalog_id ?? null,
      graph_url: input.graphUrl.replace(/\/+$/, ""),
      sealed_token: this.deps.secretBox().seal(input.accessToken, `autopilot_token:${id}`),
      token_expires_at: expiresAt ?? null,
      scopes_json: JSON.stringify(scopes ?? []),
      status: "active",
      attention_json: null,
      ad_account_name: accountName ?? existing?.ad_account_name ?? null,
      updated_at: now,
    };
    if (existing) await updateConnection(this.deps.db, id, values);
    else await insertConnection(this.deps.db, { id, workspace_id: workspace.id, ad_account_id: accountId, usage_json: null, created_at: now, ...values });
    return presentConnection((await findConnection(this.deps.db, id))!);
  }

  async connections(idOrName: string): Promise<ConnectionRow[]> {
    const workspace = await this.require(idOrName);
    return listConnections(this.deps.db, workspace.id);
  }

  async connection(id: string): Promise<ConnectionRow> {
    const row = await findConnection(this.deps.db, id);
    if (!row) throw errors.invalidParameter(`No Autopilot connection has the ID ${id}.`);
    return row;
  }

  /**
   * A Graph client for the connection, or a refusal when it needs attention: a token that lost
   * access is reported and left alone until it is reconnected, never retried into a ban.
   */
  async clientFor(connection: ConnectionRow): Promise<GraphClient> {
    if (connection.status !== "active") {
      const attention = connection.attention_json ? (JSON.parse(connection.attention_json) as { message?: string }) : {};
      throw errors.invalidParameter(`The connection to act_${connection.ad_account_id} needs attention (${attention.message ?? "reconnect it"}); reconnect before Autopilot uses it again.`);
    }
    const token = this.deps.secretBox().open(connection.sealed_token, `autopilot_token:${connection.id}`);
    let usage: unknown;
    // The connection's last reading, kept in the store: a bucket a scan found full holds the next plan, monitor or write too.
    const stored = await findConnection(this.deps.db, connection.id);
    const last = stored?.usage_json ? (JSON.parse(stored.usage_json) as UsageReading & { at?: number }) : undefined;
    return new GraphClient({
      baseUrl: connection.graph_url,
      accessToken: token,
      http: this.deps.http,
      timeoutMs: this.deps.graphTimeoutMs,
      sleep: this.deps.sleep,
      now: this.deps.now,
      ...(last && typeof last.at === "number" ? { lastUsage: { reading: last, at: last.at } } : {}),
      onUsage: (reading) => {
        if (JSON.stringify(reading) !== JSON.stringify(usage)) {
          usage = reading;
          void updateConnection(this.deps.db, connection.id, { usage_json: JSON.stringify({ ...reading, at: this.deps.now() }) }).catch(() => undefined);
        }
      },
    });
  }

  /**
   * Marks the connection as needing attention and reports it: called when the Graph answers that
   * the token lost its access (codes 10, 190, 200–299). Nothing is retried on it afterwards.
   */
  async lostPermission(connection: ConnectionRow, error: GraphApiError, during: string): Promise<void> {
    const now = this.deps.now();
    const attention = { code: error.code, error_subcode: error.subcode ?? null, message: error.userMsg ?? error.message, during, at: now };
    await updateConnection(this.deps.db, connection.id, { status: "needs_attention", attention_json: JSON.stringify(attention), updated_at: now });
    const workspace = await this.require(connection.workspace_id);
    const expired = error.code === 190;
    await raiseAlert(this.deps.db, this.deps.alerts, now, workspace, {
      kind: "lost_permission",
      severity: "critical",
      title: expired ? `Autopilot's token for act_${connection.ad_account_id} no longer works` : `Autopilot lost access to act_${connection.ad_account_id}`,
      body: `While ${during}, the Graph answered (#${error.code}${error.subcode ? `/${error.subcode}` : ""}) ${error.userMsg ?? error.message}. Autopilot stopped using this connection; reconnect it to resume.`,
      dedupKey: `lost_permission:${connection.id}`,
      details: attention,
    });
  }

  /**
   * Looks once whether each active connection's token still reaches its account (one small read,
   * `GET act_<id>?fields=id`), at most every `maxAgeMs` per connection: a person who removed
   * Autopilot's app, or the token's access, sees the connection as needing attention the next time
   * they open Autopilot, not only after the hourly monitors. A Graph that does not answer changes
   * nothing here; the monitors report it.
   */
  async recheck(workspaceId: string, maxAgeMs = 15_000): Promise<void> {
    const now = this.deps.now();
    const due = (await listConnections(this.deps.db, workspaceId)).filter((c) => c.status === "active" && now - (this.checkedAt.get(c.id) ?? -Infinity) >= maxAgeMs);
    await Promise.all(
      due.map(async (connection) => {
        this.checkedAt.set(connection.id, now);
        await this.withClient(connection, "checking the connection", (client) => client.get(adAccountGraphId(connection.ad_account_id), { fields: "id" })).catch(() => undefined);
      }),
    );
  }

  /** When each connection was last looked at by `recheck` (this process only). */
  private readonly checkedAt = new Map<string, number>();

  /**
   * Runs Graph work on a connection. A lost permission on the account marks and reports the
   * connection, then fails; with `objectLevel` (a write on one object) only an invalid token (190)
   * does, since a refusal on one object is that action's rejection, not the connection's.
   */
  async withClient<T>(connection: ConnectionRow, during: string, work: (client: GraphClient) => Promise<T>, options: { objectLevel?: boolean } = {}): Promise<T> {
    const client = await this.clientFor(connection);
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof GraphApiError && error.kind === "lost_permission" && (!options.objectLevel || error.code === 190)) {
        await this.lostPermission(connection, error, during);
      }
      throw error;
    }
  }
}
