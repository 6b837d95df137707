import { defineEntity, type OptionalProps, p, type Ref } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
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
 * A recorded browser workflow: ordered steps plus its health metrics (table `workflows`).
 *
 * @example
 * const wf = await t.workflows.get(id); // a Workflow, or null
 */
export interface Workflow {
  /** Auto-increment id, never reused. */
  id: number;
  /** The owning company (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** The user who recorded it (`created_by`); null once that user is deleted. */
  createdBy: Ref<User> | null | undefined;
  /** Display name. */
  name: string;
  /** Free text. */
  description: string | null | undefined;
  /** The URL the recording starts at. */
  startingUrl: string;
  /** Labels, `[]` by default. */
  tags: string[];
  /** Lifecycle state, `draft` by default: {@link WorkflowStatus}. */
  status: WorkflowStatus;
  /** Share of successful runs, 0..1 (0 by default). */
  successRate: number;
  /** Runs recorded (0 by default). */
  totalUses: number;
  /** Failed runs since the last success (0 by default). */
  consecutiveFailures: number;
  /** When the row was inserted. */
  createdAt: Date;
  /** When the row last changed. */
  updatedAt: Date;
  /** When a run last succeeded. */
  lastSuccessfulRun: Date | null | undefined;
  /** When a run last failed. */
  lastFailedRun: Date | null | undefined;
  [OptionalProps]?:
    | 'id'
    | 'tags'
    | 'status'
    | 'successRate'
    | 'totalUses'
    | 'consecutiveFailures'
    | 'createdAt'
    | 'updatedAt';
}

/**
 * The schema of {@link Workflow}, for `em.find(Workflow, …)` and a host's `entities`.
 *
 * @example
 * const broken = await em.find(Workflow, { company: companyId, status: 'broken' });
 */
export const Workflow = schemaFor<Workflow>()(
  defineEntity({
    name: 'Workflow',
    tableName: 'workflows',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p.manyToOne(Company).ref().deleteRule('cascade').updateRule('cascade'),
      createdBy: p
        .manyToOne(User)
        .ref()
        .fieldName('created_by')
        .nullable()
        .deleteRule('set null')
        .updateRule('cascade')
        .index('workflows_created_by_index'),
      name: p.text(),
      description: p.text().nullable(),
      startingUrl: p.text(),
      // Raw, as Company.settings: a plain default would be stored as the JSON string "[]".
      tags: p.json<string[]>().defaultRaw("'[]'"),
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
  }),
);
