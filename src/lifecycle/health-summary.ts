import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SqlDialect } from '../dialects/dialect.js';
import { HealthLog } from '../entities/health-log.js';
import { Workflow, type WorkflowStatus } from '../entities/workflow.js';
import { query, type SqlParam } from '../executor/executor.js';
import { mapRows } from '../tenant/map-rows.js';
import { readColumns } from '../tenant/read-columns.js';
import type { ReferenceSource } from '../tenant/reference-source.js';
import { parseTimestamp } from '../types/utc-datetime-type.js';
import { buildHealthLogListQuery } from './list-health-logs.js';
import { sqlNumber, sqlTimestamp } from './sql.js';

/**
 * Runs and successes in a time window of a {@link HealthSummary}. A success is any run not
 * `failed` (healed runs count); `successRate` is 0..1, or null when there were no runs.
 *
 * @example
 * const { runs, successRate }: HealthWindow = summary.last7Days;
 */
export interface HealthWindow {
  runs: number;
  successes: number;
  successRate: number | null;
}

/**
 * A step that failed in the last 30 days, with its failure count (an item of
 * {@link HealthSummary}'s `failingSteps`).
 *
 * @example
 * for (const s of summary.failingSteps) console.log(`step ${s.stepNumber} (${s.fieldLabel ?? 'unlabeled'}): ${s.failures} failures`);
 */
export interface FailingStep {
  stepId: number;
  stepNumber: number;
  fieldLabel: string | null;
  failures: number;
  lastFailureAt: Date;
}

/**
 * The health dashboard of one workflow, as {@link HealthLogRepository.summary} returns it.
 *
 * @example
 * const summary: HealthSummary | null = await t.healthLogs.summary(workflowId);
 * if (summary) console.log(summary.status, summary.last30Days.successRate);
 */
export interface HealthSummary {
  workflowId: number;
  status: WorkflowStatus;
  /** All runs ever recorded (the workflow's `totalUses`). */
  totalRuns: number;
  /** All-time share of successful or healed runs (the workflow's `successRate`). */
  successRate: number;
  consecutiveFailures: number;
  lastSuccessfulRun: Date | null;
  lastFailedRun: Date | null;
  last7Days: HealthWindow;
  last30Days: HealthWindow;
  /** The 10 newest logs, newest first. */
  recentLogs: HealthLog[];
  /** Steps with failed runs in the last 30 days, most failures first. */
  failingSteps: FailingStep[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Prepared, as every statement: the counts and the failing steps read one index range each
// whatever the values, so PostgreSQL's generic plan is the plan it makes for the values (checked
// with plan_cache_mode = force_generic_plan at 20,000 and 1,000,000 logs). The statements these
// replaced (sums over the whole window) were planned on every call: their generic plan read the
// workflow's whole history. Replica-eligible: outside a transaction the reads may go to a replica.
const READ = { read: true };
const RECENT_LOGS = 10;
/**
 * One workflow's runs (or failed runs) since a time, with each value compared as `p` (`?`, or `+?`
 * on SQLite: see LifecycleSql.valueParameter); three parameters: workflow id, company id, since.
 * An index range read that counts entries and reads no row.
 */
function countRuns(p: string, failed: boolean): string {
  return (
    `(select count(*) from "health_logs" h where h."workflow_id" = ${p} and h."company_id" = ${p} ` +
    `and h."created_at" >= ${p}${failed ? ` and h."status" = 'failed'` : ''})`
  );
}

/**
 * Computes a workflow's health dashboard in the database, in three statements that each read
 * only the workflow's range of an index on (workflow_id, created_at, …): the 7/30-day windows
 * (counts of runs and of failed runs), the 10 newest logs, and the failing steps of the last 30
 * days (from the index of failed runs). Returns null for a missing or foreign
 * workflow.
 *
 * @example
 * const s = await healthSummary(em, refs, dialectOfEm(em), companyId, workflowId);
 * s?.last7Days.successRate; // 0.92
 */
export async function healthSummary(
  em: SqlEntityManager,
  refs: ReferenceSource,
  dialect: SqlDialect,
  companyId: number,
  workflowId: number,
  now: Date = new Date(),
): Promise<HealthSummary | null> {
  const queries = buildHealthSummaryQueries(dialect, companyId, workflowId, now);
  const windows = await query(em, queries.windows.sql, queries.windows.params, READ);
  const first = windows[0];
  if (!first) return null;
  const { runs30, failed30, runs7, failed7 } = first;
  const workflow = mapRows(refs, Workflow, [first])[0];

  const recentRows = await query(em, queries.recent.sql, queries.recent.params, READ);
  const recentLogs = mapRows(refs, HealthLog, recentRows.slice(0, RECENT_LOGS));
  const failing = await query(em, queries.failingSteps.sql, queries.failingSteps.params, READ);

  return {
    workflowId: workflow.id,
    status: workflow.status,
    totalRuns: workflow.totalUses,
    successRate: workflow.successRate,
    consecutiveFailures: workflow.consecutiveFailures,
    lastSuccessfulRun: workflow.lastSuccessfulRun ?? null,
    lastFailedRun: workflow.lastFailedRun ?? null,
    last7Days: window(runs7, failed7),
    last30Days: window(runs30, failed30),
    recentLogs,
    failingSteps: failing.map((row) => ({
      stepId: Number(row.step_id),
      stepNumber: Number(row.step_number),
      fieldLabel: (row.field_label as string | null) ?? null,
      failures: sqlNumber(row.failures),
      lastFailureAt: parseTimestamp(String(row.last_failure_at)),
    })),
  };
}

/**
 * The three statements of {@link healthSummary}; each reads only the workflow's range of the
 * (workflow_id, created_at) index (exported for the query-plan tests).
 *
 * @example
 * const { windows, recent, failingSteps } = buildHealthSummaryQueries(dialectOfEm(em), companyId, workflowId, new Date());
 */
export function buildHealthSummaryQueries(
  dialect: SqlDialect,
  companyId: number,
  workflowId: number,
  now: Date,
): Record<'windows' | 'recent' | 'failingSteps', { sql: string; params: SqlParam[] }> {
  const sql = summarySqlOf(dialect);
  const since30 = sqlTimestamp(new Date(now.getTime() - 30 * DAY_MS));
  const since7 = sqlTimestamp(new Date(now.getTime() - 7 * DAY_MS));
  return {
    windows: {
      sql: sql.windows,
      params: [
        workflowId,
        companyId,
        since30,
        workflowId,
        companyId,
        since30,
        workflowId,
        companyId,
        since7,
        workflowId,
        companyId,
        since7,
        workflowId,
        companyId,
      ],
    },
    recent: buildHealthLogListQuery(dialect, companyId, workflowId, { limit: RECENT_LOGS, cursor: null }),
    failingSteps: { sql: sql.failingSteps, params: [workflowId, companyId, since30] },
  };
}

// The texts depend on the dialect only: made once per dialect, not on every summary.
const summarySql = new WeakMap<SqlDialect, { windows: string; failingSteps: string }>();

function summarySqlOf(dialect: SqlDialect): { windows: string; failingSteps: string } {
  let texts = summarySql.get(dialect);
  if (texts !== undefined) return texts;
  // Compared values that must not decide a plan (SQLite's `+?`, see LifecycleSql.valueParameter).
  const p = dialect.lifecycle.valueParameter;
  texts = {
    // Counts, not sums over the rows: the window's runs from the covering (workflow_id,
    // created_at, …) index, its failures from the index of failed runs (migration 0003), which
    // holds only them; successes are the runs that did not fail (healed runs count).
    windows:
      `select ${readColumns('workflows', 'w')}, ${countRuns(p, false)} as runs30, ${countRuns(p, true)} as failed30, ` +
      `${countRuns(p, false)} as runs7, ${countRuns(p, true)} as failed7 ` +
      `from "workflows" w where w."id" = ${p} and w."company_id" = ${p}`,
    // Aggregate first, join the (few) steps after: joined before grouping, PostgreSQL may
    // merge-join through the step_id index and read every log of the table.
    failingSteps:
      `select f."step_id", s."step_number", s."field_label", f.failures, ${dialect.timestampText('f.last_at')} as last_failure_at ` +
      'from (select h."step_id", count(*) as failures, max(h."created_at") as last_at from (' +
      // The window's failed runs, read first from the index that holds only failed runs
      // (migration 0003): the fence keeps PostgreSQL from combining it with the step_id index,
      // whose entries for every workflow of every company grow with the whole table.
      `select h."step_id", h."created_at" from "health_logs" h where h."workflow_id" = ${p} and h."company_id" = ${p} ` +
      `and h."created_at" >= ${p} and h."status" = 'failed'${dialect.lifecycle.subqueryFence}) h ` +
      'where h."step_id" is not null group by h."step_id") f ' +
      'join "steps" s on s."id" = f."step_id" ' +
      'order by f.failures desc, f.last_at desc, s."step_number" asc',
  };
  summarySql.set(dialect, texts);
  return texts;
}

function window(runsValue: unknown, failedValue: unknown): HealthWindow {
  const runs = sqlNumber(runsValue);
  const successes = runs - sqlNumber(failedValue);
  return { runs, successes, successRate: runs === 0 ? null : successes / runs };
}
