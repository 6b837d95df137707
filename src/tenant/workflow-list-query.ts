import type { SqlDialect } from '../dialects/dialect.js';
import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.js';
import type { SqlParam } from '../executor/executor.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  rejectUnknownKeys,
  requireNumber,
  requireObject,
  requireOneOf,
  requireString,
} from '../validation/validators.js';
import { cursorAtColumn, decodeKeyset, type KeysetPosition, keysetCondition } from './keyset.js';
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
  after: KeysetPosition | null;
}

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
  const after = decodeKeyset(options.cursor)?.after ?? null;
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
 * The one statement `workflows.list` runs for a page: the company predicate first, then the
 * keyset paginator's newest-first condition on (created_at, id) and one row more than the page
 * (see keyset.ts). Served by the index (company_id, created_at, id); each row's step count is a
 * correlated count on the steps' (workflow_id, step_number) index, company-checked like
 * everything else.
 *
 * @example
 * const { sql, params } = buildWorkflowListQuery(dialectOfEm(em), 7, parseWorkflowListOptions({}));
 */
export function buildWorkflowListQuery(
  dialect: SqlDialect,
  companyId: number,
  options: ParsedWorkflowListOptions,
): { sql: string; params: SqlParam[] } {
  const where = ['"w"."company_id" = ?'];
  const params: SqlParam[] = [companyId];
  if (options.status !== null) {
    where.push('"w"."status" = ?');
    params.push(options.status);
  }
  if (options.createdBy !== null) {
    where.push('"w"."created_by" = ?');
    params.push(options.createdBy);
  }
  if (options.tag !== null) {
    const tag = dialect.tenant.hasTag('"w"."tags"', options.tag);
    where.push(tag.sql);
    params.push(...tag.params);
  }
  const after = keysetCondition('"w"."created_at"', '"w"."id"', options.after);
  params.push(...after.params, options.limit + 1);
  // The text depends only on the dialect and which filters are given: made once per shape, so the
  // statement caches hash one string per shape rather than a new ~900-character one per call.
  const shape = [
    dialect.name,
    options.status !== null,
    options.createdBy !== null,
    options.tag !== null,
    options.after !== null,
  ].join();
  let sql = texts.get(shape);
  if (sql === undefined) {
    sql =
      `select ${readColumns('workflows', '"w"')}, ${cursorAtColumn(dialect, '"w"."created_at"')}, ` +
      `(select count(*) from "steps" as "s" where "s"."workflow_id" = "w"."id" and "s"."company_id" = "w"."company_id") as "${STEP_COUNT_COLUMN}" ` +
      `from "workflows" as "w" where ${where.join(' and ')}${after.sql} ` +
      'order by "w"."created_at" desc, "w"."id" desc limit ?';
    texts.set(shape, sql);
  }
  return { sql, params };
}

const texts = new Map<string, string>();
