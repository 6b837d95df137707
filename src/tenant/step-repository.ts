import { Step } from '../entities/step.js';
import { NotFoundError } from '../errors.js';
import { query } from '../executor/executor.js';
import { applyLabels } from '../lifecycle/apply-labels.js';
import { sqlJson } from '../lifecycle/sql.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { lockRow } from './lock-row.js';
import { requireOwnedIds } from './owned-ids.js';
import { ownQuery, readFork } from './read-fork.js';
import { parseStepPatch, parseStepUpdateOptions, type StepPatch, type StepUpdateOptions } from './step-patch.js';
import type { TenantContext } from './tenant-context.js';

/**
 * The steps of one company's workflows. Reads carry the company predicate; writes check that
 * the step, the editing user and the screenshot all belong to the company.
 *
 * @example
 * const steps = await db.forCompany(companyId).steps.listByWorkflow(workflowId);
 */
export class StepRepository {
  readonly #ctx: TenantContext;

  constructor(ctx: TenantContext) {
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
    return guard('Listing steps', () =>
      readFork(this.#ctx).find(
        Step,
        { workflow: wid, company: this.#ctx.companyId },
        ownQuery({ orderBy: { stepNumber: 'asc' } as const }),
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
    return guard('Reading a step', () =>
      readFork(this.#ctx).findOne(Step, { id: sid, company: this.#ctx.companyId }, ownQuery()),
    );
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
    return ctx.transactional(async (em) => {
      if (!(await lockRow(ctx, 'steps', ['id'], sid))) throw new NotFoundError('Step', sid);
      if (editedBy !== null) await requireOwnedIds(ctx, 'users', 'editedBy', [editedBy]);
      if (changes.screenshotId != null)
        await requireOwnedIds(ctx, 'screenshots', 'screenshotId', [changes.screenshotId]);

      const now = new Date();
      const data: Record<string, unknown> = {};
      if (changes.fieldLabel !== undefined) Object.assign(data, { fieldLabel: changes.fieldLabel, labelEdited: true });
      if (changes.instruction !== undefined) {
        Object.assign(data, { instruction: changes.instruction, instructionEdited: true });
      }
      if (changes.fieldLabel !== undefined || changes.instruction !== undefined) {
        Object.assign(data, { editedAt: now, editedBy });
      }
      if (changes.healedAt !== undefined) data.healedAt = changes.healedAt;
      else if (changes.healedSelectors != null) data.healedAt = now;
      if (changes.healingConfidence !== undefined) data.healingConfidence = changes.healingConfidence;
      if (changes.healingMethod !== undefined) data.healingMethod = changes.healingMethod;
      if (changes.screenshotId !== undefined) data.screenshot = changes.screenshotId;

      if (Object.keys(data).length > 0) {
        const changed = await em.nativeUpdate(Step, { id: sid, company: ctx.companyId }, data);
        if (changed !== 1) throw new NotFoundError('Step', sid);
      }
      if (changes.healedSelectors !== undefined) {
        // As JSON text, not through nativeUpdate: MikroORM's query builder takes an object with a
        // `constructor` key for something else and throws, though it is valid JSON.
        await query(em, 'update "steps" set "healed_selectors" = ? where "id" = ? and "company_id" = ?', [
          sqlJson(changes.healedSelectors),
          sid,
          ctx.companyId,
        ]);
      }
      const step = await readFork(ctx).findOne(Step, { id: sid, company: ctx.companyId }, ownQuery());
      if (!step) throw new NotFoundError('Step', sid);
      return step;
    });
  }

  /**
   * Stores the AI labels of a workflow's steps and moves it from `processing` to `draft`
   * (see the lifecycle's `applyLabels`). Every `stepId` must be a step of that workflow.
   *
   * @example
   * await t.steps.applyLabels(12, [{ stepId: 40, fieldLabel: 'Email', instruction: 'Type your email', aiConfidence: 0.92, aiModel: 'm' }]);
   */
  applyLabels(workflowId: number, labels: Parameters<typeof applyLabels>[2]): ReturnType<typeof applyLabels> {
    return applyLabels(this.#ctx, workflowId, labels);
  }
}
