import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import type { SqlDialect } from '../dialects/dialect.js';
import {
  HEALTH_ERROR_TYPES,
  HEALTH_STATUSES,
  type HealthErrorType,
  HealthLog,
  type HealthStatus,
} from '../entities/health-log.js';
import type { Notification } from '../entities/notification.js';
import type { StepHealedSelectors } from '../entities/step.js';
import { Workflow, type WorkflowStatus } from '../entities/workflow.js';
import { CrossTenantReferenceError, InvalidInputError } from '../errors.js';
import { query } from '../executor/executor.js';
import { mapRows } from '../tenant/map-rows.js';
import { readColumns } from '../tenant/read-columns.js';
import type { ReferenceSource } from '../tenant/reference-source.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { parseTimestamp } from '../types/utc-datetime-type.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  optionalJson,
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireId,
  requireObject,
  requireOneOf,
} from '../validation/validators.js';
import {
  brokenAfterFailuresOf,
  decideRunEffects,
  HEALING_REVIEW_CONFIDENCE,
  HEALING_TRUSTED_CONFIDENCE,
  type RunEffects,
} from './health-rules.js';
import { insertNotification } from './insert-notification.js';
import { insertReturningSql, sqlBoolean, sqlJson, sqlJsonValue, sqlTimestamp } from './sql.js';
import { assertStatusTransition } from './status-transitions.js';

/**
 * One run outcome, as {@link HealthLogRepository.record} takes it.
 *
 * @example
 * await t.healthLogs.record({ workflowId, userId, status: 'healed_ai', stepId, healingConfidence: 0.86,
 *   healedSelectors: { previous_primary: '#email', healed_primary: 'input[name="email"]' } });
 */
export interface RecordRunInput {
  workflowId: number;
  /** The user who ran the workflow: a user of this company. */
  userId: number;
  status: HealthStatus;
  /** The step the outcome is about (a step of `workflowId`), or none for a workflow-level outcome. */
  stepId?: number | null;
  errorType?: HealthErrorType | null;
  errorMessage?: string | null;
  /**
   * 0..1; decides what a heal does: at or above {@link HEALING_TRUSTED_CONFIDENCE} (or when
   * omitted) the step's selectors are updated, from {@link HEALING_REVIEW_CONFIDENCE} the workflow
   * needs review, below that it is broken.
   */
  healingConfidence?: number | null;
  /** 0..100. */
  deterministicScore?: number | null;
  /** 0..1. */
  aiConfidence?: number | null;
  candidatesEvaluated?: number | null;
  pageStateHash?: string | null;
  pageUrl?: string | null;
  executionTimeMs?: number | null;
  /** The selectors a heal found; written to the step when the heal is trusted (needs `stepId` and a healed status). */
  healedSelectors?: StepHealedSelectors | null;
}

/**
 * What recording a run did ({@link HealthLogRepository.record}): the log written, the workflow's
 * new state, and the notification raised if its status changed.
 *
 * @example
 * const { workflow, notification }: RecordRunResult = await t.healthLogs.record({ workflowId, userId, status: 'failed' });
 */
export interface RecordRunResult {
  /** The health log row written. */
  log: HealthLog;
  /** The workflow after the run: metrics, status, failure streak. */
  workflow: Workflow;
  /** The notification the run raised, if its status change called for one. */
  notification: Notification | null;
}

const INPUT_KEYS = [
  'workflowId',
  'userId',
  'status',
  'stepId',
  'errorType',
  'errorMessage',
  'healingConfidence',
  'deterministicScore',
  'aiConfidence',
  'candidatesEvaluated',
  'pageStateHash',
  'pageUrl',
  'executionTimeMs',
  'healedSelectors',
] as const;
const INT32_MAX = 2_147_483_647;

type ValidRun = Required<{ [K in keyof RecordRunInput]: Exclude<RecordRunInput[K], undefined> | null }> & {
  workflowId: number;
  userId: number;
  status: HealthStatus;
};

/** Validates a run outcome completely (no database access); throws INVALID_INPUT naming the field. */
export function validateRunInput(input: unknown): ValidRun {
  const data = requireObject('input', input);
  rejectUnknownKeys('input', data, INPUT_KEYS);
  const status = requireOneOf('status', data.status, HEALTH_STATUSES);
  const run: ValidRun = {
    workflowId: requireId('workflowId', data.workflowId),
    userId: requireId('userId', data.userId),
    status,
    stepId: optionalId('stepId', data.stepId) ?? null,
    errorType: data.errorType == null ? null : requireOneOf('errorType', data.errorType, HEALTH_ERROR_TYPES),
    errorMessage: optionalString('errorMessage', data.errorMessage, { max: LIMITS.longText, allowEmpty: true }) ?? null,
    healingConfidence: optionalNumber('healingConfidence', data.healingConfidence, { min: 0, max: 1 }) ?? null,
    deterministicScore:
      optionalNumber('deterministicScore', data.deterministicScore, { integer: true, min: 0, max: 100 }) ?? null,
    aiConfidence: optionalNumber('aiConfidence', data.aiConfidence, { min: 0, max: 1 }) ?? null,
    candidatesEvaluated:
      optionalNumber('candidatesEvaluated', data.candidatesEvaluated, { integer: true, min: 0, max: INT32_MAX }) ??
      null,
    pageStateHash: optionalString('pageStateHash', data.pageStateHash, { max: LIMITS.shortText }) ?? null,
    pageUrl: optionalString('pageUrl', data.pageUrl, { max: LIMITS.url }) ?? null,
    executionTimeMs:
      optionalNumber('executionTimeMs', data.executionTimeMs, { integer: true, min: 0, max: INT32_MAX }) ?? null,
    healedSelectors:
      optionalJson<StepHealedSelectors>('healedSelectors', data.healedSelectors, { object: true }) ?? null,
  };
  if (run.healedSelectors !== null) {
    if (status !== 'healed_deterministic' && status !== 'healed_ai') {
      throw new InvalidInputError('healedSelectors', 'is only recorded with a healed status');
    }
    if (run.stepId === null) throw new InvalidInputError('healedSelectors', 'needs the stepId of the healed step');
  }
  return run;
}

/** The workflow row as read (and, on PostgreSQL, locked) at the start of a run's transaction. */
interface LockedWorkflow {
  name: string;
  status: WorkflowStatus;
  consecutiveFailures: number;
  brokenAfterFailures: number;
  /** The later of its last successful and last failed run, in ms since the epoch (0: none). */
  lastRunAt: number;
}

/**
 * Records one run outcome in one transaction: validates it (nothing is written on bad input or a
 * foreign id), inserts the health log, updates the workflow's metrics with atomic SQL arithmetic,
 * applies the health rules (trusted heal → step selectors; status change → one notification) and
 * returns the log, the workflow's new state and the notification raised.
 *
 * @example
 * const { workflow } = await recordRun(ctx, { workflowId, userId, status: 'failed', errorType: 'timeout' });
 */
export async function recordRun(ctx: TenantContext, input: RecordRunInput): Promise<RecordRunResult> {
  const run = validateRunInput(input);
  try {
    return await ctx.transaction(async (em) => {
      // One source for the references of everything returned.
      const refs = ctx.references();
      const locked = await lockWorkflowForRun(em, ctx.dialect, ctx.companyId, run);
      // The run's time is taken once the row is held, so runs of one workflow are timestamped in
      // the order they are written; never before the row's last run, which another instance
      // (with a clock ahead of this one) may have written. The log, the row and the notification
      // all get this one time.
      const now = new Date(Math.max(Date.now(), locked.lastRunAt));
      const effects = decideRunEffects(locked, run, locked.brokenAfterFailures);
      if (effects.status !== locked.status) assertStatusTransition(locked.status, effects.status);
      const log = await insertLog(em, refs, ctx.companyId, run, now);
      const workflow = await updateWorkflowMetrics(em, refs, ctx.companyId, run.workflowId, effects, now);
      if (effects.healStep && run.stepId !== null) await healStep(em, ctx.companyId, run, now);
      const notification = effects.notification
        ? await insertNotification(em, refs, ctx.dialect, {
            companyId: ctx.companyId,
            workflowId: run.workflowId,
            type: effects.notification.type,
            severity: effects.notification.severity,
            ...notificationText(locked, run, effects),
            actionUrl: null,
            createdAt: now,
          })
        : null;
      return { log, workflow, notification };
    });
  } catch (error) {
    throw convertError(error, 'Recording the run');
  }
}

/**
 * Reads the workflow, the company's threshold and the tenant checks of userId and stepId in one
 * statement that also takes the workflow's write lock first thing, so concurrent runs of one
 * workflow queue here and each decides on the state the previous one left (the statement is the
 * dialect's `lifecycle.lockWorkflowForRun`).
 */
async function lockWorkflowForRun(
  em: SqlEntityManager,
  dialect: SqlDialect,
  companyId: number,
  run: ValidRun,
): Promise<LockedWorkflow> {
  const { sql, params } = dialect.lifecycle.lockWorkflowForRun({
    workflowId: run.workflowId,
    companyId,
    userId: run.userId,
    stepId: run.stepId,
  });
  const rows = await query(em, sql, params);
  const row = rows[0];
  if (!row) throw new CrossTenantReferenceError('workflowId', run.workflowId);
  if (!sqlBoolean(row.user_ok)) throw new CrossTenantReferenceError('userId', run.userId);
  if (run.stepId !== null) {
    if (row.step_workflow_id === null || row.step_workflow_id === undefined) {
      throw new CrossTenantReferenceError('stepId', run.stepId);
    }
    if (Number(row.step_workflow_id) !== run.workflowId) {
      throw new InvalidInputError('stepId', `step ${run.stepId} belongs to another workflow`);
    }
  }
  return {
    name: String(row.name),
    status: row.status as WorkflowStatus,
    consecutiveFailures: Number(row.consecutive_failures),
    brokenAfterFailures: brokenAfterFailuresOf(sqlJsonValue(row.settings)),
    lastRunAt: Math.max(timeOf(row.last_successful_run), timeOf(row.last_failed_run)),
  };
}

/** A timestamp column as read (a Date from pg, text from SQLite) in ms since the epoch; 0 when unset or unreadable. */
function timeOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const time = value instanceof Date ? value.getTime() : parseTimestamp(String(value)).getTime();
  return Number.isFinite(time) ? time : 0;
}

async function insertLog(
  em: SqlEntityManager,
  refs: ReferenceSource,
  companyId: number,
  run: ValidRun,
  now: Date,
): Promise<HealthLog> {
  const { sql, params } = insertReturningSql('health_logs', {
    company_id: companyId,
    workflow_id: run.workflowId,
    step_id: run.stepId,
    user_id: run.userId,
    status: run.status,
    error_type: run.errorType,
    error_message: run.errorMessage,
    healing_confidence: run.healingConfidence,
    deterministic_score: run.deterministicScore,
    ai_confidence: run.aiConfidence,
    candidates_evaluated: run.candidatesEvaluated,
    page_state_hash: run.pageStateHash,
    page_url: run.pageUrl,
    execution_time_ms: run.executionTimeMs,
    created_at: sqlTimestamp(now),
  });
  const rows = await query(em, sql, params);
  return mapRows(refs, HealthLog, rows)[0];
}

/**
 * One UPDATE with the arithmetic in SQL: every SET expression reads the row as it was before this
 * statement, so a count is never lost, and the success count is recovered exactly from the stored
 * rate (`round(rate * uses)`) instead of accumulating float error.
 */
async function updateWorkflowMetrics(
  em: SqlEntityManager,
  refs: ReferenceSource,
  companyId: number,
  workflowId: number,
  effects: RunEffects,
  now: Date,
): Promise<Workflow> {
  const at = sqlTimestamp(now);
  const rows = await query(em, effects.ok ? UPDATE_METRICS_OK_SQL : UPDATE_METRICS_FAILED_SQL, [
    effects.ok ? 1 : 0,
    at,
    effects.status,
    at,
    workflowId,
    companyId,
  ]);
  return mapRows(refs, Workflow, rows)[0];
}

function updateMetricsSql(ok: boolean): string {
  return (
    'update "workflows" set "total_uses" = "total_uses" + 1, ' +
    '"success_rate" = (round("success_rate" * "total_uses") + ?) / ("total_uses" + 1), ' +
    `"consecutive_failures" = ${ok ? '0' : '"consecutive_failures" + 1'}, ` +
    `${ok ? '"last_successful_run"' : '"last_failed_run"'} = ?, ` +
    `"status" = ?, "updated_at" = ? where "id" = ? and "company_id" = ? returning ${readColumns('workflows')}`
  );
}

// Made once: the statement caches hash a statement's text, once per string.
const UPDATE_METRICS_OK_SQL = updateMetricsSql(true);
const UPDATE_METRICS_FAILED_SQL = updateMetricsSql(false);

async function healStep(em: SqlEntityManager, companyId: number, run: ValidRun, now: Date): Promise<void> {
  const method = run.status === 'healed_ai' ? 'ai_assisted' : 'deterministic';
  await query(
    em,
    'update "steps" set "healed_at" = ?, "healing_confidence" = ?, "healing_method" = ?' +
      (run.healedSelectors !== null ? ', "healed_selectors" = ?' : '') +
      ' where "id" = ? and "company_id" = ?',
    [
      sqlTimestamp(now),
      run.healingConfidence,
      method,
      ...(run.healedSelectors !== null ? [sqlJson(run.healedSelectors)] : []),
      run.stepId,
      companyId,
    ],
  );
}

function notificationText(
  workflow: LockedWorkflow,
  run: ValidRun,
  effects: RunEffects,
): { title: string; message: string } {
  const name = workflow.name.length > 200 ? `${workflow.name.slice(0, 199)}…` : workflow.name;
  const confidence = run.healingConfidence?.toFixed(2);
  switch (effects.notification?.reason) {
    case 'failure_streak': {
      const error = run.errorType ? ` Last error: ${run.errorType}.` : '';
      return {
        title: `Workflow "${name}" is broken`,
        message: `It failed ${effects.consecutiveFailures} runs in a row (the limit is ${workflow.brokenAfterFailures}).${error}`,
      };
    }
    case 'untrusted_heal':
      return {
        title: `Workflow "${name}" is broken`,
        message: `A run could only heal a step with confidence ${confidence}, below ${HEALING_REVIEW_CONFIDENCE.toFixed(2)}.`,
      };
    case 'low_confidence_heal':
      return {
        title: `Workflow "${name}" needs review`,
        message:
          `A run healed a step with confidence ${confidence} (below ${HEALING_TRUSTED_CONFIDENCE.toFixed(2)}): ` +
          'check the step before trusting the workflow again.',
      };
    default:
      return {
        title: `Workflow "${name}" is working again`,
        message: `A run succeeded after the workflow was ${workflow.status.replace('_', ' ')}.`,
      };
  }
}
