import { defineEntity, type OptionalProps, p, type Ref } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
import { Step } from './step.js';
import { createdAt } from './timestamps.js';
import { User } from './user.js';
import { Workflow } from './workflow.js';

/**
 * Outcomes a health log records.
 *
 * @example
 * if (HEALTH_STATUSES.includes(value)) await t.healthLogs.record({ workflowId, userId, status: value });
 */
export const HEALTH_STATUSES = ['success', 'healed_deterministic', 'healed_ai', 'failed'] as const;
/**
 * One of {@link HEALTH_STATUSES}.
 *
 * @example
 * const status: HealthStatus = 'healed_ai';
 */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * Error kinds the replayer reports.
 *
 * @example
 * await t.healthLogs.record({ workflowId, userId, status: 'failed', errorType: HEALTH_ERROR_TYPES[1] });
 */
export const HEALTH_ERROR_TYPES = ['element_not_found', 'timeout', 'navigation_error'] as const;
/**
 * One of {@link HEALTH_ERROR_TYPES}.
 *
 * @example
 * const kind: HealthErrorType = 'timeout';
 */
export type HealthErrorType = (typeof HEALTH_ERROR_TYPES)[number];

/**
 * One execution (or step) outcome of a workflow run (table `health_logs`).
 *
 * @example
 * const { log } = await t.healthLogs.record({ workflowId, userId, status: 'success' }); // a HealthLog
 */
export interface HealthLog {
  /** Auto-increment id, never reused. */
  id: number;
  /** The owning company (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** The workflow that ran (`workflow_id`, deleted with it). */
  workflow: Ref<Workflow>;
  /** The step the outcome is about (`step_id`); null for a workflow-level outcome or once the step is deleted. */
  step: Ref<Step> | null | undefined;
  /** The user who ran it (`user_id`, deleted with them). */
  user: Ref<User>;
  /** The outcome: {@link HealthStatus}. */
  status: HealthStatus;
  /** What went wrong, for a failure: {@link HealthErrorType}. */
  errorType: HealthErrorType | null | undefined;
  /** The replayer's error message. */
  errorMessage: string | null | undefined;
  /** Confidence of the heal, 0..1. */
  healingConfidence: number | null | undefined;
  /** Score of the deterministic healer, 0..100. */
  deterministicScore: number | null | undefined;
  /** Confidence of the AI healer, 0..1. */
  aiConfidence: number | null | undefined;
  /** How many candidate elements the healer compared. */
  candidatesEvaluated: number | null | undefined;
  /** Hash of the page state the run saw. */
  pageStateHash: string | null | undefined;
  /** The page URL the run was on. */
  pageUrl: string | null | undefined;
  /** How long the run took, in milliseconds. */
  executionTimeMs: number | null | undefined;
  /** When the row was inserted. */
  createdAt: Date;
  [OptionalProps]?: 'id' | 'createdAt';
}

/**
 * The schema of {@link HealthLog}, for `em.find(HealthLog, …)` and a host's `entities`.
 *
 * @example
 * const failures = await em.find(HealthLog, { workflow: workflowId, status: 'failed' });
 */
export const HealthLog = schemaFor<HealthLog>()(
  defineEntity({
    name: 'HealthLog',
    tableName: 'health_logs',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p
        .manyToOne(Company)
        .ref()
        .deleteRule('cascade')
        .updateRule('cascade')
        .index('health_logs_company_id_index'),
      workflow: p.manyToOne(Workflow).ref().deleteRule('cascade').updateRule('cascade'),
      step: p
        .manyToOne(Step)
        .ref()
        .nullable()
        .deleteRule('set null')
        .updateRule('cascade')
        .index('health_logs_step_id_index'),
      user: p.manyToOne(User).ref().deleteRule('cascade').updateRule('cascade').index('health_logs_user_id_index'),
      status: p.text().$type<HealthStatus>().index('health_logs_status_index'),
      errorType: p.text().$type<HealthErrorType>().nullable(),
      errorMessage: p.text().nullable(),
      healingConfidence: p.double().$type<number>().nullable(),
      deterministicScore: p.integer().nullable(),
      aiConfidence: p.double().$type<number>().nullable(),
      candidatesEvaluated: p.integer().nullable(),
      pageStateHash: p.text().nullable(),
      pageUrl: p.text().nullable(),
      executionTimeMs: p.integer().nullable(),
      createdAt: createdAt(),
    },
    indexes: [
      { name: 'health_logs_workflow_id_created_at_index', properties: ['workflow', 'createdAt'] },
      // Migration 0002: covers the health summary's reads, so they need no table rows.
      {
        name: 'health_logs_workflow_id_created_at_covering_index',
        properties: ['workflow', 'createdAt', 'company', 'status', 'step'],
      },
      // Migration 0003: the failed runs alone, for the summary's failing steps and failure counts.
      {
        name: 'health_logs_failed_runs_index',
        expression:
          "create index health_logs_failed_runs_index on health_logs (workflow_id, created_at, company_id, step_id) where status = 'failed'",
      },
    ],
  }),
);
