import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
import { createdAt, optionalTimestamp } from './timestamps.js';
import { User } from './user.js';

/**
 * A workflow's lifecycle states; transitions follow `WORKFLOW_STATUS_TRANSITIONS`.
 *
 * @example
 * const page = await t.workflows.list({ status: WORKFLOW_STATUSES[2] }); // 'active'
 */
export const WORKFLOW_STATUSES = ['draft', 'processing', 'active', 'needs_review', 'broken', 'archived'] as const;
/**
 * One of {@link WORKFLOW_STATUSES}.
 *
 * @example
 * const status: WorkflowStatus = 'needs_review';
 */
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/**
 * A recorded browser workflow: ordered steps plus its health metrics.
 *
 * @example
 * const wf = await t.workflows.get(id); // a Workflow, or null
 */
export const Workflow = defineEntity({
  name: 'Workflow',
  tableName: 'workflows',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade'),
    createdBy: p
      .manyToOne(User)
      .ref()
      .fieldName('created_by')
      .nullable()
      .deleteRule('set null')
      .index('workflows_created_by_index'),
    name: p.text(),
    description: p.text().nullable(),
    startingUrl: p.text(),
    tags: p.json<string[]>().default('[]'),
    status: p
      .enum([...WORKFLOW_STATUSES])
      .default('draft')
      .index('workflows_status_index'),
    successRate: p.double().$type<number>().default(0),
    totalUses: p.integer().default(0),
    consecutiveFailures: p.integer().default(0),
    createdAt: createdAt(),
    updatedAt: createdAt().onUpdate(() => new Date()),
    lastSuccessfulRun: optionalTimestamp(),
    lastFailedRun: optionalTimestamp(),
  },
  indexes: [
    // Dashboard lists: a company's workflows by recency, optionally by status.
    { name: 'workflows_company_id_created_at_id_index', properties: ['company', 'createdAt', 'id'] },
    { name: 'workflows_company_id_status_created_at_index', properties: ['company', 'status', 'createdAt'] },
  ],
});
export type Workflow = InferEntity<typeof Workflow>;
