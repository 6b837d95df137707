import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
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
 * One execution (or step) outcome of a workflow run.
 *
 * @example
 * const { log } = await t.healthLogs.record({ workflowId, userId, status: 'success' }); // a HealthLog
 */
export const HealthLog = defineEntity({
  name: 'HealthLog',
  tableName: 'health_logs',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade').index('health_logs_company_id_index'),
    workflow: p.manyToOne(Workflow).ref().deleteRule('cascade'),
    step: p.manyToOne(Step).ref().nullable().deleteRule('set null').index('health_logs_step_id_index'),
    user: p.manyToOne(User).ref().deleteRule('cascade').index('health_logs_user_id_index'),
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
  ],
});
export type HealthLog = InferEntity<typeof HealthLog>;
