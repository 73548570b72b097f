import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { subjectOf } from "../access/authorize.ts";
import { mayReadReportRun } from "../access/serviceAccess.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import type { InsightsQuery, InsightsRow, InsightsService } from "../ads/insights.service.ts";
import { findAccountOfAdObject, findReportRun, findReportRunRowsJson, insertReportRun, reportQuery, reportRows } from "./reportRun.repository.ts";

/** Runs whose parsed rows are kept in memory (the most recently read). */
const MAX_PARSED_RUNS = 8;

export interface ReportRunView {
  id: string;
  account_id: string;
  async_status: string;
  async_percent_completion: number;
  date_start?: string;
  date_stop?: string;
  time_ref: number;
  time_completed?: number;
}

/**
 * Async insights reports (`POST …/insights`). The hub computes a report as soon as it is asked for,
 * so a run is complete when its id is returned; its rows are kept, so they read the same later
 * (on any instance) even as new delivery data arrives. Only the principal who started a run may
 * read it, and only while it can still read the account's insights.
 */
export class ReportRunService {
  /** Rows of recently read runs, parsed once: a run's rows never change, and a client pages through them. */
  private readonly parsed = new Map<string, InsightsRow[]>();

  constructor(
    private readonly deps: HubDeps,
    private readonly insights: InsightsService,
  ) {}

  async start(ctx: RequestContext, query: InsightsQuery): Promise<{ id: string }> {
    const rows = await this.insights.insights(ctx, query);
    const subject = subjectOf(ctx);
    const accountId = rows[0]?.account_id ?? (await this.accountOf(query.objectId));
    const now = this.deps.now();
    const id = newId();
    await insertReportRun(this.deps.db, {
      id,
      account_id: accountId,
      principal_id: subject?.principalId ?? ctx.actor.type,
      query_json: reportQuery.encode(query),
      status: "Job Completed",
      rows_json: reportRows.encode(rows),
      created_at: now,
      completed_at: now,
    });
    return { id };
  }

  async find(id: string): Promise<{ id: string; accountId: string } | undefined> {
    const row = await findReportRun(this.deps.db, id);
    return row ? { id: row.id, accountId: row.account_id } : undefined;
  }

  async get(ctx: RequestContext, id: string): Promise<ReportRunView> {
    const row = await this.readable(ctx, id);
    const rows = await this.rowsOf(id);
    const view: ReportRunView = {
      id: row.id,
      account_id: row.account_id,
      async_status: row.status,
      async_percent_completion: 100,
      time_ref: Math.floor(row.created_at / 1000),
    };
    if (row.completed_at !== null) view.time_completed = Math.floor(row.completed_at / 1000);
    if (rows[0]) {
      view.date_start = rows.map((r) => r.date_start).sort()[0];
      view.date_stop = rows.map((r) => r.date_stop).sort().at(-1);
    }
    return view;
  }

  async rows(ctx: RequestContext, id: string): Promise<InsightsRow[]> {
    await this.readable(ctx, id);
    return this.rowsOf(id);
  }

  private async rowsOf(id: string): Promise<InsightsRow[]> {
    let rows = this.parsed.get(id);
    if (rows) {
      this.parsed.delete(id);
    } else {
      rows = reportRows.decode((await findReportRunRowsJson(this.deps.db, id)) ?? "[]");
    }
    this.parsed.set(id, rows);
    while (this.parsed.size > MAX_PARSED_RUNS) this.parsed.delete(this.parsed.keys().next().value!);
    return rows;
  }

  private async readable(ctx: RequestContext, id: string) {
    const row = await findReportRun(this.deps.db, id);
    if (!row || !mayReadReportRun(this.deps.engine, ctx, row)) throw errors.notFound(`Object with ID '${id}'`);
    return row;
  }

  private async accountOf(objectId: string): Promise<string> {
    if (objectId.startsWith("act_")) return assetIdFromGraph(objectId);
    const accountId = await findAccountOfAdObject(this.deps.db, objectId);
    if (accountId === undefined) throw errors.notFound(`Object with ID '${objectId}'`);
    return accountId;
  }
}
