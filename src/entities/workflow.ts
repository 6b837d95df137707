import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
import { createdAt, optionalTimestamp } from './timestamps.js';
import { User } from './user.js';

export const WORKFLOW_STATUSES = ['draft', 'processing', 'active', 'needs_review', 'broken', 'archived'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** A recorded browser workflow: ordered steps plus its health metrics. */
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
