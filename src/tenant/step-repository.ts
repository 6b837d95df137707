import { Step } from '../entities/step.js';
import { NotFoundError } from '../errors.js';
import { query, READ, type SqlParam } from '../executor/executor.js';
import { type ApplyLabelsResult, applyLabels, type StepLabel } from '../lifecycle/apply-labels.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { lockRow } from './lock-row.js';
import { mapRows } from './map-rows.js';
import { requireOwnedIds } from './owned-ids.js';
import { readColumns } from './read-columns.js';
import { parseStepPatch, parseStepUpdateOptions, type StepPatch, type StepUpdateOptions } from './step-patch.js';
import type { TenantContext } from './tenant-context.js';

const SELECT_STEP_SQL = `select ${readColumns('steps')} from "steps" where "id" = ? and "company_id" = ?`;

let construct: (ctx: TenantContext) => StepRepository;

/**
 * The StepRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = stepRepository(ctx);
 */
export function stepRepository(ctx: TenantContext): StepRepository {
  return construct(ctx);
}

/**
 * The steps of one company's workflows. Reads carry the company predicate; writes check that
 * the step, the editing user and the screenshot all belong to the company.
 *
 * @example
 * const steps = await db.forCompany(companyId).steps.listByWorkflow(workflowId);
 */
export class StepRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new StepRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * The steps of a workflow ordered by `stepNumber`; empty when the workflow is missing or
   * another company's.
   *
   * @example
   * const steps = await t.steps.listByWorkflow(12);
   */
  async listByWorkflow(workflowId: number): Promise<Step[]> {
    const wid = requireId('workflowId', workflowId);
    const ctx = this.#ctx;
    return guard('Listing steps', async () =>
      mapRows(
        ctx.references(),
        Step,
        await query(ctx.em, ctx.dialect.tenant.workflowSteps, [wid, ctx.companyId], READ),
      ),
    );
  }

  /**
   * The step with this id, or null when there is none in this company.
   *
   * @example
   * const step = await t.steps.get(40);
   */
  async get(id: number): Promise<Step | null> {
    const sid = requireId('id', id);
    const ctx = this.#ctx;
    return guard('Reading a step', async () => {
      const rows = await query(ctx.em, SELECT_STEP_SQL, [sid, ctx.companyId], READ);
      return rows.length === 0 ? null : mapRows(ctx.references(), Step, rows)[0];
    });
  }

  /**
   * Changes a step. Editing `fieldLabel` or `instruction` marks it edited (`labelEdited` /
   * `instructionEdited`) and records `editedAt` and `editedBy` (a user of this company, or null
   * when not given). Healing fields record an auto-heal (`healedAt` defaults to now with
   * `healedSelectors`). NOT_FOUND for a missing or foreign step; CROSS_TENANT_REFERENCE for a
   * foreign `editedBy` or `screenshotId`.
   *
   * @example
   * await t.steps.update(40, { fieldLabel: 'Invoice number' }, { editedBy: adminId });
   */
  async update(id: number, patch: StepPatch, options?: StepUpdateOptions): Promise<Step> {
    const sid = requireId('id', id);
    const changes = parseStepPatch(patch);
    const { editedBy } = parseStepUpdateOptions(options);
    const ctx = this.#ctx;
    return ctx.transaction(async (em) => {
      if (!(await lockRow(ctx, 'steps', ['id'], sid))) throw new NotFoundError('Step', sid);
      if (editedBy !== null) await requireOwnedIds(ctx, 'users', 'editedBy', [editedBy]);
      if (changes.screenshotId != null)
        await requireOwnedIds(ctx, 'screenshots', 'screenshotId', [changes.screenshotId]);

      const now = new Date().toISOString();
      const set: Record<string, SqlParam> = {};
      if (changes.fieldLabel !== undefined) Object.assign(set, { field_label: changes.fieldLabel, label_edited: true });
      if (changes.instruction !== undefined) {
        Object.assign(set, { instruction: changes.instruction, instruction_edited: true });
      }
      if (changes.fieldLabel !== undefined || changes.instruction !== undefined) {
        Object.assign(set, { edited_at: now, edited_by: editedBy });
      }
      if (changes.healedSelectors !== undefined) {
        // As JSON text: jsonb takes the text, SQLite stores it (a `constructor` key included).
        set.healed_selectors = changes.healedSelectors === null ? null : JSON.stringify(changes.healedSelectors);
      }
      if (changes.healedAt !== undefined) set.healed_at = changes.healedAt?.toISOString() ?? null;
      else if (changes.healedSelectors != null) set.healed_at = now;
      if (changes.healingConfidence !== undefined) set.healing_confidence = changes.healingConfidence;
      if (changes.healingMethod !== undefined) set.healing_method = changes.healingMethod;
      if (changes.screenshotId !== undefined) set.screenshot_id = changes.screenshotId;

      const columns = Object.keys(set);
      const rows =
        columns.length === 0
          ? await query(em, SELECT_STEP_SQL, [sid, ctx.companyId])
          : await query(
              em,
              `update "steps" set ${columns.map((c) => `"${c}" = ?`).join(', ')} ` +
                `where "id" = ? and "company_id" = ? returning ${readColumns('steps')}`,
              [...columns.map((c) => set[c]), sid, ctx.companyId],
            );
      if (rows.length !== 1) throw new NotFoundError('Step', sid);
      return mapRows(ctx.references(), Step, rows)[0];
    });
  }

  /**
   * Stores the AI labels of a workflow's steps and moves it from `processing` to `draft`
   * (see the lifecycle's `applyLabels`). Every `stepId` must be a step of that workflow.
   *
   * @example
   * await t.steps.applyLabels(12, [{ stepId: 40, fieldLabel: 'Email', instruction: 'Type your email', aiConfidence: 0.92, aiModel: 'm' }]);
   */
  applyLabels(workflowId: number, labels: StepLabel[]): Promise<ApplyLabelsResult> {
    return applyLabels(this.#ctx, workflowId, labels);
  }
}
