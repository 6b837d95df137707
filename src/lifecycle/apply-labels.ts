import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import type { WorkflowStatus } from '../entities/workflow.js';
import { CrossTenantReferenceError, InvalidInputError, NotFoundError } from '../errors.js';
import { query, type SqlParam } from '../executor/executor.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireId,
  requireObject,
} from '../validation/validators.js';
import { sqlTimestamp } from './sql.js';
import { assertStatusTransition } from './status-transitions.js';

/**
 * AI output for one step, as `t.steps.applyLabels` takes it. An omitted field is left as it is;
 * `null` clears it. A label or instruction an admin edited is kept whatever is given here.
 *
 * @example
 * const label: StepLabel = { stepId: 40, fieldLabel: 'Email', instruction: 'Type your work email', aiConfidence: 0.92, aiModel: 'gpt-4o' };
 * await t.steps.applyLabels(workflowId, [label]);
 */
export interface StepLabel {
  stepId: number;
  fieldLabel?: string | null;
  instruction?: string | null;
  /** 0..1. */
  aiConfidence?: number | null;
  aiModel?: string | null;
}

/**
 * What {@link StepRepository.applyLabels} did: how many steps were written, and the workflow's
 * status afterwards.
 *
 * @example
 * const { updated, workflowStatus }: ApplyLabelsResult = await t.steps.applyLabels(workflowId, labels);
 * if (workflowStatus === 'draft') console.log(`${updated} steps labeled; ready for an admin's review`);
 */
export interface ApplyLabelsResult {
  /** Steps written (every listed step gets the AI metadata, even where an admin's text is kept). */
  updated: number;
  /** The workflow's status afterwards (`draft` once every step of a `processing` workflow is labeled). */
  workflowStatus: WorkflowStatus;
}

const LABEL_KEYS = ['stepId', 'fieldLabel', 'instruction', 'aiConfidence', 'aiModel'] as const;
/** Steps per UPDATE statement: keeps one statement's text small with long instructions. */
const BATCH = 200;

/**
 * Writes AI labels for many steps of one workflow in one transaction. A label or instruction an
 * admin edited (`labelEdited` / `instructionEdited`) is never overwritten; the AI metadata
 * (`aiConfidence`, `aiModel`, `aiGeneratedAt`) is recorded for every listed step. When every step
 * then has a label and an instruction, a `processing` workflow becomes `draft`.
 * A missing or foreign workflow is NOT_FOUND; a foreign step is CROSS_TENANT_REFERENCE; a step of
 * another workflow is INVALID_INPUT — and nothing is written.
 *
 * @example
 * const { workflowStatus } = await applyLabels(ctx, workflowId, [
 *   { stepId: 11, fieldLabel: 'Email', instruction: 'Type the customer email', aiConfidence: 0.93, aiModel: 'gpt-4o' },
 * ]);
 */
export async function applyLabels(
  ctx: TenantContext,
  workflowId: number,
  labels: StepLabel[],
): Promise<ApplyLabelsResult> {
  requireId('workflowId', workflowId);
  const valid = validateLabels(labels);
  const now = sqlTimestamp(new Date());
  try {
    return await ctx.transaction(async (em) => {
      // The workflow's write lock serializes concurrent label batches of one workflow, so the
      // last one to commit sees every label and moves the workflow to draft.
      const locked = await query<{ status: WorkflowStatus }>(em, ctx.dialect.lifecycle.lockWorkflowStatus, [
        workflowId,
        ctx.companyId,
      ]);
      if (!locked[0]) throw new NotFoundError('Workflow', workflowId);
      await checkSteps(em, ctx.companyId, workflowId, valid);
      let updated = 0;
      for (let i = 0; i < valid.length; i += BATCH) {
        updated += await writeBatch(em, ctx.companyId, workflowId, valid.slice(i, i + BATCH), now);
      }
      let workflowStatus = locked[0].status;
      if (workflowStatus === 'processing') {
        assertStatusTransition('processing', 'draft');
        const moved = await query<{ status: WorkflowStatus }>(
          em,
          `update "workflows" set "status" = 'draft', "updated_at" = ? ` +
            `where "id" = ? and "company_id" = ? and "status" = 'processing' and not exists (` +
            'select 1 from "steps" s where s."workflow_id" = ? and (s."field_label" is null or s."instruction" is null)' +
            ') returning "status"',
          [now, workflowId, ctx.companyId, workflowId],
        );
        if (moved[0]) workflowStatus = moved[0].status;
      }
      return { updated, workflowStatus };
    });
  } catch (error) {
    throw convertError(error, 'Applying labels');
  }
}

function validateLabels(labels: unknown): StepLabel[] {
  if (!Array.isArray(labels)) throw new InvalidInputError('labels', 'expected an array');
  if (labels.length > LIMITS.steps) throw new InvalidInputError('labels', `must have at most ${LIMITS.steps} items`);
  const seen = new Set<number>();
  return labels.map((item, i) => {
    const field = `labels[${i}]`;
    const data = requireObject(field, item);
    rejectUnknownKeys(field, data, LABEL_KEYS);
    const stepId = requireId(`${field}.stepId`, data.stepId);
    if (seen.has(stepId)) throw new InvalidInputError(`${field}.stepId`, `step ${stepId} is listed twice`);
    seen.add(stepId);
    const label: StepLabel = { stepId };
    if (data.fieldLabel !== undefined) {
      label.fieldLabel = optionalString(`${field}.fieldLabel`, data.fieldLabel, { max: LIMITS.shortText });
    }
    if (data.instruction !== undefined) {
      label.instruction = optionalString(`${field}.instruction`, data.instruction, { max: LIMITS.longText });
    }
    if (data.aiConfidence !== undefined) {
      label.aiConfidence = optionalNumber(`${field}.aiConfidence`, data.aiConfidence, { min: 0, max: 1 });
    }
    if (data.aiModel !== undefined) {
      label.aiModel = optionalString(`${field}.aiModel`, data.aiModel, { max: LIMITS.shortText });
    }
    return label;
  });
}

/** Every listed step must be a step of this company (else CROSS_TENANT_REFERENCE) and of this workflow. */
async function checkSteps(em: SqlEntityManager, companyId: number, workflowId: number, labels: StepLabel[]) {
  const found = new Map<number, number>();
  for (let i = 0; i < labels.length; i += BATCH) {
    const ids = labels.slice(i, i + BATCH).map((l) => l.stepId);
    const rows = await query<{ id: number; workflow_id: number }>(
      em,
      `select "id", "workflow_id" from "steps" where "company_id" = ? and "id" in (${ids.map(() => '?').join(', ')})`,
      [companyId, ...ids],
    );
    for (const row of rows) found.set(Number(row.id), Number(row.workflow_id));
  }
  labels.forEach((label, i) => {
    const owner = found.get(label.stepId);
    if (owner === undefined) throw new CrossTenantReferenceError(`labels[${i}].stepId`, label.stepId);
    if (owner !== workflowId) {
      throw new InvalidInputError(`labels[${i}].stepId`, `step ${label.stepId} belongs to another workflow`);
    }
  });
}

/**
 * One UPDATE for a batch: per column a CASE over the step ids that set it, guarded by the edit
 * flags so an admin's text wins even against a concurrent edit (the guard reads the row as locked
 * by this statement).
 */
async function writeBatch(
  em: SqlEntityManager,
  companyId: number,
  workflowId: number,
  labels: StepLabel[],
  now: string,
): Promise<number> {
  const params: SqlParam[] = [];
  const column = (name: string, key: keyof StepLabel, guard: string | null): string | null => {
    const setters = labels.filter((l) => l[key] !== undefined);
    if (setters.length === 0) return null;
    const branches = setters.map((l) => {
      params.push(l.stepId, l[key] as SqlParam);
      return 'when "id" = ? then ?';
    });
    const keep = guard ? `when ${guard} then "${name}" ` : '';
    return `"${name}" = case ${keep}${branches.join(' ')} else "${name}" end`;
  };
  const sets = [
    column('field_label', 'fieldLabel', '"label_edited"'),
    column('instruction', 'instruction', '"instruction_edited"'),
    column('ai_confidence', 'aiConfidence', null),
    column('ai_model', 'aiModel', null),
  ].filter((s): s is string => s !== null);
  sets.push('"ai_generated_at" = ?');
  params.push(now);
  const ids = labels.map((l) => l.stepId);
  const rows = await query(
    em,
    `update "steps" set ${sets.join(', ')} where "workflow_id" = ? and "company_id" = ? ` +
      `and "id" in (${ids.map(() => '?').join(', ')}) returning "id"`,
    [...params, workflowId, companyId, ...ids],
  );
  return rows.length;
}
