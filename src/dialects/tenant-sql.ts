import type { SqlParam } from '../executor/executor.js';
import { readColumns } from '../tenant/read-columns.js';
import type { ParsedStep } from '../tenant/step-input.js';

/** One statement with `?` placeholders and its parameters. */
export interface SqlStatement {
  sql: string;
  params: SqlParam[];
}

/** Where {@link TenantSql.insertSteps} puts steps: the workflow, its company, and the creation time they share. */
export interface StepTarget {
  companyId: number;
  workflowId: number;
  /** ISO-8601 UTC text (`date.toISOString()`), which both dialects' timestamp columns accept. */
  createdAt: string;
}

/**
 * The head of both dialects' step inserts: the columns they write, in this order.
 *
 * @example
 * const sql = `${INSERT_INTO_STEPS}values (?, ?, …)`;
 */
export const INSERT_INTO_STEPS =
  'insert into "steps" ("company_id", "workflow_id", "screenshot_id", "edited_by", "step_number", "timestamp", ' +
  '"action_type", "selectors", "element_meta", "page_context", "action_data", "dom_context", "label_edited", ' +
  '"instruction_edited", "created_at") ';

/**
 * The SQL of the tenant scope that differs between SQLite and PostgreSQL. Implemented once per
 * dialect in `sqlite/tenant-sql.ts` and `postgresql/tenant-sql.ts`; row locks and timestamp forms
 * are the base dialect's (`rowLock`, `timestampText`, `timestampValue`).
 *
 * @example
 * const tag = ctx.dialect.tenant.hasTag('"w"."tags"', 'billing'); // { sql, params }
 */
export interface TenantSql {
  /**
   * The statement that sets the tenant for row-level security's policies, sent first in every
   * transaction of a scope that runs under it (one parameter: the company id as text), or null
   * where the database has no row-level security. Transaction-local: it ends with the
   * transaction, so a pooled connection never carries one company's id into another's work.
   */
  readonly setTenant: string | null;
  /**
   * A condition on a JSON array column holding `tag` (`workflows.tags`), served by an index on
   * PostgreSQL (jsonb containment) and by `json_each` on SQLite.
   */
  hasTag(column: string, tag: string): SqlStatement;
  /**
   * The statements that insert the validated steps of one new workflow, in order, in as few
   * statements as the dialect allows: PostgreSQL one prepared statement whose rows are one jsonb
   * parameter (several only past 16 Mi characters of payload), SQLite multi-row VALUES lists of
   * up to 1000 rows.
   */
  insertSteps(target: StepTarget, steps: readonly ParsedStep[]): SqlStatement[];
  /**
   * Run before a workflow's screenshots are moved to the workflows that share them (two
   * parameters: company id, workflow id), or null: PostgreSQL locks them `for update`, so a step
   * inserted concurrently that points at one either is seen by the move or fails after it;
   * SQLite's `begin immediate` already excludes every other writer.
   */
  readonly lockWorkflowScreenshots: string | null;
  /**
   * The select of one workflow's steps in step order, every column `mapRows` reads (two
   * parameters: workflow id, company id). SQLite compares the columns with `+?`, the same value,
   * so the planner does not look the values up in `sqlite_stat4` (see `sqlite/tenant-sql.ts`).
   */
  readonly workflowSteps: string;
  /**
   * The select of a company's users by id, every column `mapRows` reads (one parameter: the
   * company id), its id compared as {@link workflowSteps} compares them.
   */
  readonly companyUsers: string;
  /**
   * The one statement that stores a new screenshot with its storage key, or does nothing when the
   * company has the hash already (see {@link insertScreenshotSql} for its parameters). The id is
   * drawn inside the statement, so the key that names it is written with the row: no second
   * statement, no transaction around the two.
   */
  readonly insertScreenshot: string;
}

/** A bound parameter of `type` as the dialect writes it (`?::int` on PostgreSQL, `?` on SQLite). */
export type TypedParam = (type: 'int' | 'text') => string;

/**
 * {@link TenantSql.insertScreenshot} from the dialect's select of the next screenshot id (one row,
 * one column `id`, an id never given before) and its typed parameters. Parameters, in order:
 * company id, workflow id, hash, key prefix, key suffix (the key is prefix + id + suffix), the
 * given storage URL or null, URL prefix, URL suffix (the URL, when none is given, is prefix + id +
 * suffix), file size, width, height, format. Returns the row's read columns, or no row on a conflict.
 *
 * @example
 * const sql = insertScreenshotSql('select nextval(…) as "id"', (type) => `?::${type}`);
 */
export function insertScreenshotSql(nextId: string, param: TypedParam): string {
  const text = param('text');
  const int = param('int');
  // `where true`: SQLite reads an upsert's `select … from x on conflict` as a join without it.
  return (
    'insert into "screenshots" ("id", "company_id", "workflow_id", "hash", "storage_key", "storage_url", ' +
    '"file_size", "width", "height", "format") ' +
    `select n."id", ${int}, ${int}, ${text}, ${text} || n."id" || ${text}, ` +
    `coalesce(${text}, ${text} || n."id" || ${text}), ${int}, ${int}, ${int}, ${text} ` +
    `from (${nextId}) as n where true on conflict ("company_id", "hash") do nothing returning ${readColumns('screenshots')}`
  );
}

/**
 * {@link TenantSql.workflowSteps} with each id compared as `id` (`?`, or `+?` on SQLite).
 *
 * @example
 * const sql = workflowStepsSql('?'); // select "id", … from "steps" where "workflow_id" = ? and "company_id" = ? order by …
 */
export function workflowStepsSql(id: string): string {
  return `select ${readColumns('steps')} from "steps" where "workflow_id" = ${id} and "company_id" = ${id} order by "step_number" asc`;
}

/**
 * {@link TenantSql.companyUsers} with the company id compared as `id` (`?`, or `+?` on SQLite).
 *
 * @example
 * const sql = companyUsersSql('?'); // select "id", … from "users" where "company_id" = ? order by "id" asc
 */
export function companyUsersSql(id: string): string {
  return `select ${readColumns('users')} from "users" where "company_id" = ${id} order by "id" asc`;
}
