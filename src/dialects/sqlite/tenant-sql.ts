import type { SqlParam } from '../../executor/executor.js';
import type { ParsedStep } from '../../tenant/step-input.js';
import {
  companyUsersSql,
  INSERT_INTO_STEPS,
  insertScreenshotSql,
  type SqlStatement,
  type StepTarget,
  type TenantSql,
  workflowStepsSql,
} from '../tenant-sql.js';
import { PLANNED_ONCE } from './planned-once.js';

const STEP_ROW = '(?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, false, false, ?)';
// 12 parameters a row: 1000 rows stay far below SQLite's 32766 per statement.
const STEP_BATCH = 1000;
const insertTexts = new Map<number, string>();

/** The multi-row INSERT of `rows` steps (cached by row count; the connection caches each text's compiled statement). */
function insertStepsSql(rows: number): string {
  let sql = insertTexts.get(rows);
  if (sql === undefined) {
    sql = `${INSERT_INTO_STEPS}values ${Array.from({ length: rows }, () => STEP_ROW).join(', ')}`;
    if (insertTexts.size > 200) insertTexts.clear();
    insertTexts.set(rows, sql);
  }
  return sql;
}

/**
 * The tenant SQL of SQLite: no row-level security, tags through `json_each`, multi-row step inserts.
 *
 * @example
 * sqliteTenantSql.insertSteps({ companyId, workflowId, createdAt }, steps); // one statement per 1000 steps
 */
export const sqliteTenantSql: TenantSql = Object.freeze({
  setTenant: null,

  hasTag(column: string, tag: string): SqlStatement {
    return { sql: `exists (select 1 from json_each(${column}) where json_each.value = ?)`, params: [tag] };
  },

  insertSteps(target: StepTarget, steps: readonly ParsedStep[]): SqlStatement[] {
    const statements: SqlStatement[] = [];
    for (let from = 0; from < steps.length; from += STEP_BATCH) {
      const batch = steps.slice(from, from + STEP_BATCH);
      const params: SqlParam[] = [];
      for (const s of batch) {
        params.push(
          target.companyId,
          target.workflowId,
          s.screenshotId,
          s.stepNumber,
          s.timestamp,
          s.actionType,
          s.selectors,
          s.elementMeta,
          s.pageContext,
          s.actionData,
          s.domContext,
          target.createdAt,
        );
      }
      statements.push({ sql: insertStepsSql(batch.length), params });
    }
    return statements;
  },

  lockWorkflowScreenshots: null,

  // Compared as `+?` (see planned-once.ts); the `(workflow_id, step_number)` index still serves the read.
  workflowSteps: workflowStepsSql(PLANNED_ONCE),
  companyUsers: companyUsersSql(PLANNED_ONCE),
  // The id AUTOINCREMENT would give: past both the largest id ever used (sqlite_sequence, which
  // has no row before the table's first insert) and the largest present, so a deleted
  // screenshot's id, which its storage key names, is never given again. The statement holds the
  // write lock while it reads them, so no other writer draws the same id.
  insertScreenshot: insertScreenshotSql(
    'select max(coalesce((select "seq" from "sqlite_sequence" where "name" = \'screenshots\'), 0), ' +
      'coalesce((select max("id") from "screenshots"), 0)) + 1 as "id"',
    () => '?',
  ),
});
