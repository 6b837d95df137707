import type { Dialect } from '../database/options.js';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  rejectUnknownKeys,
  requireNumber,
  requireObject,
  requireOneOf,
  requireString,
} from '../validation/validators.js';
import { cursorId, cursorTime, decodeCursor } from './cursor.js';
import { DEFAULT_PAGE_SIZE } from './page-size.js';
import { readColumns } from './read-columns.js';

/**
 * Options of {@link WorkflowRepository.list}: filters that combine, and keyset pagination.
 *
 * @example
 * const page = await t.workflows.list({ status: 'active', tag: 'finance', limit: 20 });
 */
export interface WorkflowListOptions {
  status?: WorkflowStatus;
  /** Only workflows carrying this tag. */
  tag?: string;
  /** Only workflows created by this user (another company's user simply matches nothing). */
  createdBy?: number;
  /** Page size, default 50, at most `LIMITS.pageSize` (500). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** Validated {@link WorkflowListOptions}; `after` is the decoded keyset position. */
export interface ParsedWorkflowListOptions {
  status: WorkflowStatus | null;
  tag: string | null;
  createdBy: number | null;
  limit: number;
  after: { createdAt: string; id: number } | null;
}

/** Column holding the exact `created_at` of a row as text, for the next cursor. */
export const CURSOR_COLUMN = 'cursor_created_at';
/** Column holding each row's step count. */
export const STEP_COUNT_COLUMN = 'step_count';

const KEYS = ['status', 'tag', 'createdBy', 'limit', 'cursor'] as const;

/**
 * Validates the options of `workflows.list`; a cursor not made by this library is INVALID_INPUT.
 *
 * @example
 * parseWorkflowListOptions({ status: 'active', limit: 20 });
 */
export function parseWorkflowListOptions(value: unknown): ParsedWorkflowListOptions {
  const options = value === undefined ? {} : requireObject('options', value);
  rejectUnknownKeys('options', options, KEYS);
  let after: ParsedWorkflowListOptions['after'] = null;
  if (options.cursor !== undefined && options.cursor !== null) {
    const [createdAt, id] = decodeCursor('cursor', options.cursor, 2);
    after = { createdAt: cursorTime('cursor', createdAt), id: cursorId('cursor', id) };
  }
  return {
    status: options.status === undefined ? null : requireOneOf('status', options.status, WORKFLOW_STATUSES),
    tag: options.tag === undefined ? null : requireString('tag', options.tag),
    createdBy: optionalId('createdBy', options.createdBy) ?? null,
    limit:
      options.limit === undefined
        ? DEFAULT_PAGE_SIZE
        : requireNumber('limit', options.limit, { integer: true, min: 1, max: LIMITS.pageSize }),
    after,
  };
}

/**
 * The one statement `workflows.list` runs for a page: the company predicate first, newest first
 * on (created_at, id), a row-value keyset condition instead of OFFSET, and one row more than
 * the page to tell whether another page follows. Served by the index (company_id, created_at, id);
 * each row's step count is a correlated count on the steps' (workflow_id, step_number) index,
 * company-checked like everything else.
 *
 * @example
 * const { sql, params } = buildWorkflowListQuery('sqlite', 7, parseWorkflowListOptions({}));
 */
export function buildWorkflowListQuery(
  dialect: Dialect,
  companyId: number,
  options: ParsedWorkflowListOptions,
): { sql: string; params: unknown[] } {
  const pg = dialect === 'postgresql';
  // The cursor keeps the stored value exactly (PostgreSQL keeps microseconds, JavaScript dates
  // only milliseconds): a rounded position would skip or repeat rows.
  const cursorColumn = pg
    ? `to_char("w"."created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : '"w"."created_at"';
  const where = ['"w"."company_id" = ?'];
  const params: unknown[] = [companyId];
  if (options.status !== null) {
    where.push('"w"."status" = ?');
    params.push(options.status);
  }
  if (options.createdBy !== null) {
    where.push('"w"."created_by" = ?');
    params.push(options.createdBy);
  }
  if (options.tag !== null) {
    where.push(
      pg ? '"w"."tags" @> ?::jsonb' : 'exists (select 1 from json_each("w"."tags") where json_each.value = ?)',
    );
    params.push(pg ? JSON.stringify([options.tag]) : options.tag);
  }
  if (options.after !== null) {
    where.push(pg ? '("w"."created_at", "w"."id") < (?::timestamptz, ?)' : '("w"."created_at", "w"."id") < (?, ?)');
    params.push(options.after.createdAt, options.after.id);
  }
  params.push(options.limit + 1);
  const sql =
    `select ${readColumns('workflows', '"w"')}, ${cursorColumn} as "${CURSOR_COLUMN}", ` +
    `(select count(*) from "steps" as "s" where "s"."workflow_id" = "w"."id" and "s"."company_id" = "w"."company_id") as "${STEP_COUNT_COLUMN}" ` +
    `from "workflows" as "w" where ${where.join(' and ')} ` +
    'order by "w"."created_at" desc, "w"."id" desc limit ?';
  return { sql, params };
}
