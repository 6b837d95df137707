import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { rows, seedCompany, seedWorkflow, snapshot, workflowRow } from './fixtures.js';

interface StepRow {
  id: number;
  field_label: string | null;
  instruction: string | null;
  ai_confidence: number | null;
  ai_model: string | null;
  ai_generated_at: unknown;
}

describeEachDialect('applyLabels', (dialect) => {
  let db: Database;
  let second: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDatabase(dialect);
    ({ db, dispose } = opened);
    second = await openDatabase({ url: opened.target.url });
  });
  afterAll(async () => {
    await second.close();
    await dispose();
  });

  const stepsOf = (workflowId: number) =>
    rows<StepRow>(
      db,
      'select "id", "field_label", "instruction", "ai_confidence", "ai_model", "ai_generated_at" from "steps" where "workflow_id" = ? order by "step_number"',
      [workflowId],
    );

  it('labels every step in one call and moves processing to draft', async () => {
    const c = await seedCompany(db);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 3, status: 'processing' });
    const result = await db.forCompany(c.companyId).steps.applyLabels(
      workflowId,
      stepIds.map((stepId, i) => ({
        stepId,
        fieldLabel: `Field ${i}`,
        instruction: `Do ${i}`,
        aiConfidence: 0.9,
        aiModel: 'gpt-4o',
      })),
    );
    expect(result).toEqual({ updated: 3, workflowStatus: 'draft' });
    const steps = await stepsOf(workflowId);
    expect(steps.map((s) => [s.field_label, s.instruction, Number(s.ai_confidence), s.ai_model])).toEqual([
      ['Field 0', 'Do 0', 0.9, 'gpt-4o'],
      ['Field 1', 'Do 1', 0.9, 'gpt-4o'],
      ['Field 2', 'Do 2', 0.9, 'gpt-4o'],
    ]);
    expect(steps.every((s) => s.ai_generated_at !== null)).toBe(true);
    expect((await workflowRow(db, workflowId)).status).toBe('draft');
  });

  it('stays processing until the last step is labeled (label and instruction)', async () => {
    const c = await seedCompany(db);
    const t = db.forCompany(c.companyId);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 3, status: 'processing' });
    expect(await t.steps.applyLabels(workflowId, [{ stepId: stepIds[0], fieldLabel: 'A', instruction: 'a' }])).toEqual({
      updated: 1,
      workflowStatus: 'processing',
    });
    // A label without an instruction is not done yet.
    expect(
      (
        await t.steps.applyLabels(workflowId, [
          { stepId: stepIds[1], fieldLabel: 'B', instruction: 'b' },
          { stepId: stepIds[2], fieldLabel: 'C' },
        ])
      ).workflowStatus,
    ).toBe('processing');
    expect((await t.steps.applyLabels(workflowId, [{ stepId: stepIds[2], instruction: 'c' }])).workflowStatus).toBe(
      'draft',
    );
    const steps = await stepsOf(workflowId);
    expect(steps.map((s) => [s.field_label, s.instruction])).toEqual([
      ['A', 'a'],
      ['B', 'b'],
      ['C', 'c'],
    ]);
  });

  it('never overwrites an admin-edited label or instruction, but records the AI metadata', async () => {
    const c = await seedCompany(db);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 3, status: 'processing' });
    await rows(db, 'update "steps" set "field_label" = ?, "label_edited" = ? where "id" = ?', [
      'Admin label',
      true,
      stepIds[0],
    ]);
    await rows(db, 'update "steps" set "instruction" = ?, "instruction_edited" = ? where "id" = ?', [
      'Admin instruction',
      true,
      stepIds[1],
    ]);
    const result = await db.forCompany(c.companyId).steps.applyLabels(
      workflowId,
      stepIds.map((stepId) => ({
        stepId,
        fieldLabel: 'AI label',
        instruction: 'AI instruction',
        aiConfidence: 0.42,
        aiModel: 'm2',
      })),
    );
    expect(result).toEqual({ updated: 3, workflowStatus: 'draft' });
    const steps = await stepsOf(workflowId);
    expect(steps.map((s) => [s.field_label, s.instruction, Number(s.ai_confidence), s.ai_model])).toEqual([
      ['Admin label', 'AI instruction', 0.42, 'm2'],
      ['AI label', 'Admin instruction', 0.42, 'm2'],
      ['AI label', 'AI instruction', 0.42, 'm2'],
    ]);
    // null does not clear an edited value either.
    await db
      .forCompany(c.companyId)
      .steps.applyLabels(workflowId, [{ stepId: stepIds[0], fieldLabel: null, instruction: null }]);
    const [first] = await stepsOf(workflowId);
    expect([first.field_label, first.instruction]).toEqual(['Admin label', null]);
  });

  it('leaves omitted fields alone and clears fields given as null', async () => {
    const c = await seedCompany(db);
    const t = db.forCompany(c.companyId);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 1, status: 'active' });
    await t.steps.applyLabels(workflowId, [
      { stepId: stepIds[0], fieldLabel: 'L', instruction: 'I', aiConfidence: 0.5, aiModel: 'm' },
    ]);
    await t.steps.applyLabels(workflowId, [{ stepId: stepIds[0], instruction: 'I2' }]);
    let [s] = await stepsOf(workflowId);
    expect([s.field_label, s.instruction, Number(s.ai_confidence), s.ai_model]).toEqual(['L', 'I2', 0.5, 'm']);
    await t.steps.applyLabels(workflowId, [{ stepId: stepIds[0], fieldLabel: null, aiConfidence: null }]);
    [s] = await stepsOf(workflowId);
    expect([s.field_label, s.instruction, s.ai_confidence, s.ai_model]).toEqual([null, 'I2', null, 'm']);
  });

  it('does not change the status of a workflow that is not processing', async () => {
    for (const status of ['draft', 'active', 'broken', 'archived']) {
      const c = await seedCompany(db);
      const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 1, status });
      const result = await db
        .forCompany(c.companyId)
        .steps.applyLabels(workflowId, [{ stepId: stepIds[0], fieldLabel: 'L', instruction: 'I' }]);
      expect(result).toEqual({ updated: 1, workflowStatus: status });
      expect((await workflowRow(db, workflowId)).status).toBe(status);
    }
  });

  it('labels a long workflow (several statements) in one transaction', async () => {
    const c = await seedCompany(db);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 450, status: 'processing' });
    const result = await db.forCompany(c.companyId).steps.applyLabels(
      workflowId,
      stepIds.map((stepId) => ({ stepId, fieldLabel: `L${stepId}`, instruction: `I${stepId}` })),
    );
    expect(result).toEqual({ updated: 450, workflowStatus: 'draft' });
    const steps = await stepsOf(workflowId);
    expect(steps.every((s) => s.field_label === `L${s.id}` && s.instruction === `I${s.id}`)).toBe(true);
  });

  it('concurrent batches of one workflow: the last to commit moves it to draft', async () => {
    const c = await seedCompany(db);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 20, status: 'processing' });
    const results = await Promise.all(
      stepIds.map((stepId, i) =>
        (i % 2 ? db : second)
          .forCompany(c.companyId)
          .steps.applyLabels(workflowId, [{ stepId, fieldLabel: 'L', instruction: 'I' }]),
      ),
    );
    expect(results.filter((r) => r.workflowStatus === 'draft')).toHaveLength(1);
    expect((await workflowRow(db, workflowId)).status).toBe('draft');
  });

  it('refuses bad input, foreign workflows and foreign steps, writing nothing', async () => {
    const c = await seedCompany(db);
    const other = await seedCompany(db);
    const t = db.forCompany(c.companyId);
    const { workflowId, stepIds } = await seedWorkflow(db, c.companyId, { steps: 2, status: 'processing' });
    const sibling = await seedWorkflow(db, c.companyId, { steps: 1 });
    const foreign = await seedWorkflow(db, other.companyId, { steps: 1, status: 'processing' });
    const cases: [number, unknown, Record<string, unknown>][] = [
      [workflowId, 'labels', { code: 'INVALID_INPUT', field: 'labels' }],
      [workflowId, [null], { code: 'INVALID_INPUT', field: 'labels[0]' }],
      [workflowId, [{ stepId: 'x' }], { code: 'INVALID_INPUT', field: 'labels[0].stepId' }],
      [workflowId, [{ stepId: stepIds[0], fieldLabel: 5 }], { code: 'INVALID_INPUT', field: 'labels[0].fieldLabel' }],
      [
        workflowId,
        [{ stepId: stepIds[0], fieldLabel: 'x'.repeat(501) }],
        { code: 'INVALID_INPUT', field: 'labels[0].fieldLabel' },
      ],
      [
        workflowId,
        [{ stepId: stepIds[0], instruction: [] }],
        { code: 'INVALID_INPUT', field: 'labels[0].instruction' },
      ],
      [
        workflowId,
        [{ stepId: stepIds[0], aiConfidence: 2 }],
        { code: 'INVALID_INPUT', field: 'labels[0].aiConfidence' },
      ],
      [workflowId, [{ stepId: stepIds[0], aiModel: '' }], { code: 'INVALID_INPUT', field: 'labels[0].aiModel' }],
      [
        workflowId,
        [{ stepId: stepIds[0], labelEdited: true }],
        { code: 'INVALID_INPUT', field: 'labels[0].labelEdited' },
      ],
      [
        workflowId,
        [
          { stepId: stepIds[0], fieldLabel: 'a' },
          { stepId: stepIds[0], fieldLabel: 'b' },
        ],
        { code: 'INVALID_INPUT', field: 'labels[1].stepId' },
      ],
      [0, [], { code: 'INVALID_INPUT', field: 'workflowId' }],
      [foreign.workflowId, [{ stepId: foreign.stepIds[0], fieldLabel: 'x', instruction: 'y' }], { code: 'NOT_FOUND' }],
      [999_999, [], { code: 'NOT_FOUND' }],
      [
        workflowId,
        [
          { stepId: stepIds[0], fieldLabel: 'ok', instruction: 'ok' },
          { stepId: foreign.stepIds[0], fieldLabel: 'x' },
        ],
        { code: 'CROSS_TENANT_REFERENCE', field: 'labels[1].stepId' },
      ],
      [
        workflowId,
        [{ stepId: 999_999, fieldLabel: 'x' }],
        { code: 'CROSS_TENANT_REFERENCE', field: 'labels[0].stepId' },
      ],
      [
        workflowId,
        [{ stepId: sibling.stepIds[0], fieldLabel: 'x' }],
        { code: 'INVALID_INPUT', field: 'labels[0].stepId' },
      ],
    ];
    for (const [wf, labels, expected] of cases) {
      const before = await snapshot(db);
      await expect(t.steps.applyLabels(wf, labels as never)).rejects.toMatchObject(expected);
      expect(await snapshot(db)).toBe(before);
    }
  });
});
