import type { SqlDialect } from '../dialects/dialect.js';
import type { SqlParam } from '../executor/executor.js';
import { cursorId, cursorTime, decodeCursor } from '../tenant/cursor.js';
import { readColumns } from '../tenant/read-columns.js';

/**
 * The one statement of a page of a workflow's health logs, newest first (ties by id): an index
 * range of (workflow_id, created_at) read backwards, so a page costs O(limit) at any depth. The
 * company filter makes another company's workflow id an empty page. The row's exact created_at
 * text is selected as `cursor_at` for the next cursor.
 *
 * @example
 * const { sql, params } = buildHealthLogListQuery(dialectOfEm(em), companyId, workflowId, { limit: 50, cursor: null });
 * const rows = await query(em, sql, params); // limit + 1 rows at most: one more means a next page
 */
export function buildHealthLogListQuery(
  dialect: SqlDialect,
  companyId: number,
  workflowId: number,
  options: { limit: number; cursor: string | null | undefined },
): { sql: string; params: SqlParam[] } {
  const params: SqlParam[] = [workflowId, companyId];
  let keyset = '';
  if (options.cursor !== undefined && options.cursor !== null) {
    const [rawAt, rawId] = decodeCursor('cursor', options.cursor, 2);
    const at = cursorTime('cursor', rawAt);
    const id = cursorId('cursor', rawId);
    // `<=` first so that the index range is bounded; the `or` only breaks ties within it.
    keyset = ' and h."created_at" <= ? and (h."created_at" < ? or h."id" < ?)';
    params.push(at, at, id);
  }
  params.push(options.limit + 1);
  return {
    sql:
      `select ${readColumns('health_logs', 'h')}, ${dialect.timestampText('h."created_at"')} as cursor_at from "health_logs" h ` +
      `where h."workflow_id" = ? and h."company_id" = ?${keyset} ` +
      'order by h."created_at" desc, h."id" desc limit ?',
    params,
  };
}
