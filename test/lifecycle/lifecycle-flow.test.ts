import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { seedCompany } from './fixtures.js';

// The whole life of one workflow through the public tenant scope: the lifecycle code and the
// workflow/step repositories agree on one transition table and never show stale state.
describeEachDialect('workflow lifecycle through db.forCompany', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  it('processing → draft → active → broken → active → archived → draft', async () => {
    const c = await seedCompany(db);
    const t = db.forCompany(c.companyId);
    const step = (n: number) => ({
      actionType: 'click' as const,
      selectors: { primary: `#s${n}` },
      elementMeta: { tag_name: 'button' },
      pageContext: { url: 'https://shop.example.com' },
    });
    const created = await t.workflows.create({
      name: 'Checkout',
      startingUrl: 'https://shop.example.com',
      steps: [step(1), step(2)],
    });
    expect(created.status).toBe('processing');
    const steps = await t.steps.listByWorkflow(created.id);
    // An admin edit made while the AI is still working stays authoritative.
    await t.steps.update(steps[0].id, { fieldLabel: 'Admin says: Buy' }, { editedBy: c.adminId });
    const labeled = await t.steps.applyLabels(
      created.id,
      steps.map((s) => ({
        stepId: s.id,
        fieldLabel: 'AI label',
        instruction: 'AI instruction',
        aiConfidence: 0.9,
        aiModel: 'm',
      })),
    );
    expect(labeled).toEqual({ updated: 2, workflowStatus: 'draft' });
    const afterLabels = await t.steps.listByWorkflow(created.id);
    expect(afterLabels.map((s) => s.fieldLabel)).toEqual(['Admin says: Buy', 'AI label']);
    expect(afterLabels.every((s) => s.aiGeneratedAt instanceof Date && s.aiModel === 'm')).toBe(true);
    expect((await t.workflows.get(created.id))?.status).toBe('draft');

    // Refused transitions are INVALID_INPUT on status, through the same table.
    await expect(t.workflows.update(created.id, { status: 'processing' })).resolves.toMatchObject({
      status: 'processing',
    });
    await expect(t.workflows.update(created.id, { status: 'active' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'status',
    });
    await t.workflows.update(created.id, { status: 'draft' });
    await t.workflows.update(created.id, { status: 'active' });

    for (let i = 0; i < 3; i++) {
      await t.healthLogs.record({ workflowId: created.id, userId: c.userId, status: 'failed', stepId: steps[1].id });
    }
    const broken = await t.workflows.get(created.id);
    expect(broken).toMatchObject({ status: 'broken', totalUses: 3, consecutiveFailures: 3, successRate: 0 });
    const { items } = await t.notifications.list({ unreadOnly: true });
    expect(items.map((n) => n.type)).toEqual(['workflow_broken']);

    const healed = await t.healthLogs.record({
      workflowId: created.id,
      userId: c.userId,
      status: 'healed_deterministic',
      stepId: steps[1].id,
      healingConfidence: 0.92,
      healedSelectors: { previous_primary: '#s2', healed_primary: '#s2-new' },
    });
    expect(healed.workflow.status).toBe('active');
    expect((await t.steps.get(steps[1].id))?.healedSelectors).toEqual({
      previous_primary: '#s2',
      healed_primary: '#s2-new',
    });
    expect((await t.workflows.get(created.id))?.successRate).toBeCloseTo(0.25, 12);
    const summary = await t.healthLogs.summary(created.id);
    expect(summary?.failingSteps).toEqual([
      expect.objectContaining({ stepId: steps[1].id, stepNumber: 2, fieldLabel: 'AI label', failures: 3 }),
    ]);

    await t.workflows.update(created.id, { status: 'archived' });
    await t.healthLogs.record({ workflowId: created.id, userId: c.userId, status: 'success' });
    expect((await t.workflows.get(created.id))?.status).toBe('archived');
    await expect(t.workflows.update(created.id, { status: 'active' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'status',
    });
    expect((await t.workflows.update(created.id, { status: 'draft' })).status).toBe('draft');
    expect(await t.notifications.markAllRead(c.adminId)).toBe(2);
  });
});
