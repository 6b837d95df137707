import type { SqlParam } from '../executor/executor.js';

/**
 * The ids a run's first statement checks while it takes the workflow's write lock (see
 * {@link LifecycleSql.lockWorkflowForRun}).
 */
export interface RunLockIds {
  workflowId: number;
  companyId: number;
  userId: number;
  stepId: number | null;
}

/**
 * The SQL of the lifecycle code (record-run, labels, health summary, notifications) that differs
 * between SQLite and PostgreSQL. Implemented once per dialect in `sqlite/lifecycle-sql.ts` and
 * `postgresql/lifecycle-sql.ts`.
 */
export interface LifecycleSql {
  /**
   * The first statement of a run's transaction: takes the workflow's write lock before anything is
   * read, and returns its row (`name`, `status`, `consecutive_failures`, `last_successful_run`,
   * `last_failed_run`), the company's `settings`, `user_ok` (the user is the company's) and
   * `step_workflow_id` (the workflow of the step, if the step is the company's); no row for a
   * missing or foreign workflow. PostgreSQL: a `for no key update` row lock, which does not block
   * the foreign-key checks of inserts referencing the workflow. SQLite: a no-op UPDATE, which takes
   * the database's write lock (waiting up to the busy timeout); a read first would fail at once
   * with SQLITE_BUSY when another connection committed in between.
   */
  lockWorkflowForRun(ids: RunLockIds): { sql: string; params: SqlParam[] };
  /**
   * Takes a workflow's write lock as {@link LifecycleSql.lockWorkflowForRun} does and returns its
   * `"status"`; parameters: workflow id, company id.
   */
  readonly lockWorkflowStatus: string;
  /**
   * Appended to a subquery that reads one index range first: PostgreSQL's ` offset 0` keeps the
   * planner from merging it into the outer query (and combining it with other indexes); empty on
   * SQLite, which reads one index anyway.
   */
  readonly subqueryFence: string;
  /**
   * The placeholder of a timestamp parameter in the select list of an `insert … select`:
   * PostgreSQL types a bare parameter there as text, which a timestamptz column does not take.
   */
  readonly timestampParameter: string;
  /**
   * The placeholder of a value a statement compares a column with, where the value must not
   * decide the plan: SQLite's `+?` (see sqlite/planned-once.ts), PostgreSQL's `?`.
   */
  readonly valueParameter: string;
}

/**
 * The select list of {@link LifecycleSql.lockWorkflowForRun} over the workflow row named `w`, with
 * two parameters: the user id, then the step id.
 *
 * @example
 * const columns = runLockColumns('w'); // `w."name", …, exists (select 1 from "users" u where u."id" = ? …) as user_ok, …`
 */
export function runLockColumns(w: string): string {
  return (
    `${w}."name", ${w}."status", ${w}."consecutive_failures", ${w}."last_successful_run", ${w}."last_failed_run", ` +
    `(select c."settings" from "companies" c where c."id" = ${w}."company_id") as settings, ` +
    `exists (select 1 from "users" u where u."id" = ? and u."company_id" = ${w}."company_id") as user_ok, ` +
    `(select s."workflow_id" from "steps" s where s."id" = ? and s."company_id" = ${w}."company_id") as step_workflow_id`
  );
}
