import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, TenantScope } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, seedScreenshot, snapshotAll, stepInput } from './fixtures.js';

/** The rows of one company that the other company's calls aim at. */
interface Rows extends SeededCompany {
  workflowId: number;
  stepId: number;
  screenshotId: number;
  notificationId: number;
}

// Every repository method, called from Acme's scope with Globex's ids: reads find nothing,
// writes are NOT_FOUND (the target) or CROSS_TENANT_REFERENCE (a referenced row), exactly as
// for an id that does not exist, and nothing in the database changes.
describeEachDialect('tenant scope: every method with another company’s ids', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: Rows;
  let globex: Rows;
  let t: TenantScope;
  const MISSING = 2_000_000_000;

  async function seed(name: string): Promise<Rows> {
    const company = await seedCompany(db, name);
    const scope = db.forCompany(company.companyId);
    const wf = await scope.workflows.create({
      name: `${name} flow`,
      startingUrl: 'u',
      tags: ['shared-tag'],
      createdBy: company.adminId,
      steps: [stepInput(), stepInput()],
    });
    const screenshotId = await seedScreenshot(db, company.companyId, wf.id);
    const [step] = await scope.steps.listByWorkflow(wf.id);
    await scope.steps.update(step.id, { screenshotId });
    await scope.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'success', stepId: step.id });
    const notification = await scope.notifications.create({
      type: 'low_confidence',
      title: 'Check',
      workflowId: wf.id,
    });
    return { ...company, workflowId: wf.id, stepId: step.id, screenshotId, notificationId: notification.id };
  }

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seed('Acme');
    globex = await seed('Globex');
    t = db.forCompany(acme.companyId);
  });
  afterAll(async () => dispose());

  /** Runs a call that must fail, and checks it fails the same way for a foreign id and a missing one. */
  async function rejectsLikeMissing(
    call: (id: number) => Promise<unknown>,
    foreignId: number,
    expected: { code: string; field?: string; entity?: string },
  ) {
    const before = await snapshotAll(db);
    const foreign = (await call(foreignId).then(
      () => null,
      (e) => e,
    )) as Error & Record<string, unknown>;
    const missing = (await call(MISSING).then(
      () => null,
      (e) => e,
    )) as Error & Record<string, unknown>;
    expect(foreign).toMatchObject(expected);
    expect(missing).toMatchObject(expected);
    expect(foreign.message.replace(String(foreignId), 'ID')).toBe(missing.message.replace(String(MISSING), 'ID'));
    expect(await snapshotAll(db)).toBe(before);
  }

  it('workflows.get / getWithSteps: null', async () => {
    expect(await t.workflows.get(globex.workflowId)).toBeNull();
    expect(await t.workflows.getWithSteps(globex.workflowId)).toBeNull();
  });

  it('workflows.list: only own rows, whatever the filters', async () => {
    const all = await t.workflows.list({ tag: 'shared-tag' });
    expect(all.items.map((i) => i.id)).toEqual([acme.workflowId]);
    expect((await t.workflows.list({ createdBy: globex.adminId })).items).toEqual([]);
  });

  it('workflows.create: createdBy and screenshotId of another company are CROSS_TENANT_REFERENCE', async () => {
    await rejectsLikeMissing(
      (id) => t.workflows.create({ name: 'n', startingUrl: 'u', createdBy: id }),
      globex.adminId,
      {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'createdBy',
      },
    );
    await rejectsLikeMissing(
      (id) => t.workflows.create({ name: 'n', startingUrl: 'u', steps: [stepInput({ screenshotId: id })] }),
      globex.screenshotId,
      { code: 'CROSS_TENANT_REFERENCE', field: 'steps[0].screenshotId' },
    );
  });

  it('workflows.update / delete: NOT_FOUND', async () => {
    await rejectsLikeMissing((id) => t.workflows.update(id, { name: 'x' }), globex.workflowId, {
      code: 'NOT_FOUND',
      entity: 'Workflow',
    });
    await rejectsLikeMissing((id) => t.workflows.update(id, { status: 'archived' }), globex.workflowId, {
      code: 'NOT_FOUND',
    });
    await rejectsLikeMissing((id) => t.workflows.delete(id), globex.workflowId, {
      code: 'NOT_FOUND',
      entity: 'Workflow',
    });
  });

  it('steps.listByWorkflow / get: empty and null', async () => {
    expect(await t.steps.listByWorkflow(globex.workflowId)).toEqual([]);
    expect(await t.steps.get(globex.stepId)).toBeNull();
  });

  it('steps.update: a foreign step is NOT_FOUND; a foreign editor or screenshot is CROSS_TENANT_REFERENCE', async () => {
    await rejectsLikeMissing((id) => t.steps.update(id, { fieldLabel: 'x' }), globex.stepId, {
      code: 'NOT_FOUND',
      entity: 'Step',
    });
    await rejectsLikeMissing(
      (id) => t.steps.update(acme.stepId, { fieldLabel: 'x' }, { editedBy: id }),
      globex.adminId,
      {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'editedBy',
      },
    );
    await rejectsLikeMissing((id) => t.steps.update(acme.stepId, { screenshotId: id }), globex.screenshotId, {
      code: 'CROSS_TENANT_REFERENCE',
      field: 'screenshotId',
    });
  });

  it('steps.applyLabels: a foreign workflow is NOT_FOUND, a foreign step CROSS_TENANT_REFERENCE', async () => {
    const label = (stepId: number) => [{ stepId, fieldLabel: 'L', instruction: 'I', aiConfidence: 0.5, aiModel: 'm' }];
    await rejectsLikeMissing((id) => t.steps.applyLabels(id, label(acme.stepId)), globex.workflowId, {
      code: 'NOT_FOUND',
    });
    await rejectsLikeMissing((id) => t.steps.applyLabels(acme.workflowId, label(id)), globex.stepId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
  });

  it('screenshots.get / listByWorkflow: null and empty', async () => {
    expect(await t.screenshots.get(globex.screenshotId)).toBeNull();
    expect(await t.screenshots.listByWorkflow(globex.workflowId)).toEqual([]);
  });

  it('users.get / list: null and own users only', async () => {
    expect(await t.users.get(globex.adminId)).toBeNull();
    expect(await t.users.get(globex.userId)).toBeNull();
    expect((await t.users.list()).map((u) => u.id)).toEqual([acme.adminId, acme.userId]);
  });

  it('healthLogs.record: a foreign workflow, user or step is CROSS_TENANT_REFERENCE', async () => {
    const run = { workflowId: acme.workflowId, userId: acme.userId, status: 'success' as const };
    await rejectsLikeMissing((id) => t.healthLogs.record({ ...run, workflowId: id }), globex.workflowId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
    await rejectsLikeMissing((id) => t.healthLogs.record({ ...run, userId: id }), globex.userId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
    await rejectsLikeMissing((id) => t.healthLogs.record({ ...run, stepId: id }), globex.stepId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
  });

  it('healthLogs.listByWorkflow / summary: empty and null', async () => {
    expect((await t.healthLogs.listByWorkflow(globex.workflowId)).items).toEqual([]);
    expect(await t.healthLogs.summary(globex.workflowId)).toBeNull();
  });

  it('notifications: list shows own rows; a foreign workflow, notification or user is refused', async () => {
    expect((await t.notifications.list()).items.map((n) => n.id)).toEqual([acme.notificationId]);
    await rejectsLikeMissing(
      (id) => t.notifications.create({ type: 'workflow_broken', title: 'x', workflowId: id }),
      globex.workflowId,
      { code: 'CROSS_TENANT_REFERENCE' },
    );
    await rejectsLikeMissing((id) => t.notifications.markRead(id, acme.adminId), globex.notificationId, {
      code: 'NOT_FOUND',
    });
    await rejectsLikeMissing((id) => t.notifications.markRead(acme.notificationId, id), globex.adminId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
    await rejectsLikeMissing((id) => t.notifications.markAllRead(id), globex.adminId, {
      code: 'CROSS_TENANT_REFERENCE',
    });
  });
});
