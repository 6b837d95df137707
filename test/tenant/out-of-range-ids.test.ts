import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, dedupeScreenshot, rotateInviteToken } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, snapshotAll, stepInput } from './fixtures.js';

// Ids are 32-bit integers on PostgreSQL (serial). An id above 2,147,483,647 cannot name a row on
// either dialect: it is INVALID_INPUT (TENANT_REQUIRED for a company id) on both, never a query error.
const TOO_BIG = [2 ** 31, 2 ** 31 + 5, 2 ** 53 - 1];
const MAX = 2 ** 31 - 1;

describeEachDialect('ids beyond the 32-bit id columns', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let co: SeededCompany;
  let workflowId: number;
  let stepId: number;

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    co = await seedCompany(db);
    const t = db.forCompany(co.companyId);
    const wf = await t.workflows.create({ name: 'w', startingUrl: 'https://x.test', steps: [stepInput()] });
    workflowId = wf.id;
    stepId = (await t.steps.listByWorkflow(wf.id))[0].id;
  });
  afterAll(async () => {
    await dispose?.();
  });

  const t = () => db.forCompany(co.companyId);
  const calls: [string, (id: number) => Promise<unknown>][] = [
    ['workflows.get', (id) => t().workflows.get(id)],
    ['workflows.getWithSteps', (id) => t().workflows.getWithSteps(id)],
    ['workflows.update', (id) => t().workflows.update(id, { name: 'x' })],
    ['workflows.delete', (id) => t().workflows.delete(id)],
    [
      'workflows.create createdBy',
      (id) => t().workflows.create({ name: 'x', startingUrl: 'https://x.test', createdBy: id }),
    ],
    [
      'workflows.create screenshotId',
      (id) =>
        t().workflows.create({ name: 'x', startingUrl: 'https://x.test', steps: [stepInput({ screenshotId: id })] }),
    ],
    ['workflows.list createdBy', (id) => t().workflows.list({ createdBy: id })],
    ['steps.get', (id) => t().steps.get(id)],
    ['steps.listByWorkflow', (id) => t().steps.listByWorkflow(id)],
    ['steps.update', (id) => t().steps.update(id, { fieldLabel: 'x' })],
    ['steps.update screenshotId', (id) => t().steps.update(stepId, { screenshotId: id })],
    ['steps.update editedBy', (id) => t().steps.update(stepId, { fieldLabel: 'x' }, { editedBy: id })],
    ['steps.applyLabels', (id) => t().steps.applyLabels(id, [])],
    ['screenshots.get', (id) => t().screenshots.get(id)],
    ['screenshots.listByWorkflow', (id) => t().screenshots.listByWorkflow(id)],
    ['users.get', (id) => t().users.get(id)],
    [
      'healthLogs.record workflowId',
      (id) => t().healthLogs.record({ workflowId: id, userId: co.userId, status: 'success' }),
    ],
    ['healthLogs.record userId', (id) => t().healthLogs.record({ workflowId, userId: id, status: 'success' })],
    ['healthLogs.listByWorkflow', (id) => t().healthLogs.listByWorkflow(id)],
    ['healthLogs.summary', (id) => t().healthLogs.summary(id)],
    ['notifications.create', (id) => t().notifications.create({ type: 'workflow_broken', title: 't', workflowId: id })],
    ['notifications.markRead', (id) => t().notifications.markRead(id, co.userId)],
    ['notifications.markRead userId', (id) => t().notifications.markRead(1, id)],
    ['notifications.markAllRead', (id) => t().notifications.markAllRead(id)],
    ['rotateInviteToken', (id) => rotateInviteToken(db, id)],
    [
      'dedupeScreenshot workflowId',
      (id) =>
        dedupeScreenshot(db, {
          companyId: co.companyId,
          workflowId: id,
          hash: `sha256:${'a'.repeat(64)}`,
          width: 3,
          height: 2,
          format: 'png',
          fileSize: 10,
        } as never),
    ],
  ];

  it.each(calls)('%s: INVALID_INPUT for an id above 2^31 - 1, nothing written', async (_, call) => {
    const before = await snapshotAll(db);
    for (const id of TOO_BIG) expect(await codeOf(() => call(id))).toBe('INVALID_INPUT');
    expect(await snapshotAll(db)).toBe(before);
  });

  it.each(calls)('%s: the largest id is a missing row, not an error of the database', async (_, call) => {
    try {
      await call(MAX);
    } catch (error) {
      expect(['NOT_FOUND', 'CROSS_TENANT_REFERENCE']).toContain((error as { code?: string }).code);
    }
  });

  it('db.forCompany: TENANT_REQUIRED for a company id above 2^31 - 1', async () => {
    for (const id of TOO_BIG) expect(await codeOf(() => db.forCompany(id).workflows.list())).toBe('TENANT_REQUIRED');
    expect((await db.forCompany(MAX).workflows.list()).items).toEqual([]);
  });
});
