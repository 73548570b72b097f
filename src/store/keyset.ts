import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { Cursor } from "./paging.ts";

/*
 * The SQL side of keyset paging (hub/ads/adPaging.ts pages with it): which rows of a list a
 * repository reads for a window of (created_at, id), newest first or oldest first.
 */

export interface KeysetBound {
  cursor: Cursor;
  inclusive: boolean;
}

/** Which rows a repository should return, in which order, and how many. */
export interface KeysetWindow {
  /** Only rows older than this (or equal when inclusive). */
  olderThan?: KeysetBound;
  /** Only rows newer than this (or equal when inclusive). */
  newerThan?: KeysetBound;
  newestFirst: boolean;
  limit: number;
}

/** The where-conditions of a window, on the table aliased `alias`. */
export function keysetConditions(alias: string, window: KeysetWindow): RawBuilder<SqlBool>[] {
  const createdAt = sql.ref(`${alias}.created_at`);
  const id = sql.ref(`${alias}.id`);
  const conditions: RawBuilder<SqlBool>[] = [];
  if (window.olderThan) {
    const { cursor, inclusive } = window.olderThan;
    conditions.push(
      inclusive
        ? sql<SqlBool>`(${createdAt} < ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${id} <= ${cursor.id}))`
        : sql<SqlBool>`(${createdAt} < ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${id} < ${cursor.id}))`,
    );
  }
  if (window.newerThan) {
    const { cursor, inclusive } = window.newerThan;
    conditions.push(
      inclusive
        ? sql<SqlBool>`(${createdAt} > ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${id} >= ${cursor.id}))`
        : sql<SqlBool>`(${createdAt} > ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${id} > ${cursor.id}))`,
    );
  }
  return conditions;
}
