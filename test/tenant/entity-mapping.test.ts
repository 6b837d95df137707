import { type EntityName, Reference, wrap } from '@mikro-orm/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Database,
  dedupeScreenshot,
  HealthLog,
  Notification,
  Screenshot,
  Step,
  Workflow,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, stepInput } from './fixtures.js';

// The scope maps hand-written rows into entities without MikroORM's entity factory. Whatever it
// returns must be what MikroORM itself would have loaded: same values, same types, same JSON,
// relations as unloaded References whose `.id` needs no query.
describeEachDialect('entities the scope returns match what MikroORM loads', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seedCompany(db, 'Acme');
  });
  afterAll(async () => dispose());

  /** `ours` against the same row loaded by `em.findOneOrFail`, property by property and as JSON. */
  async function expectSameAsMikroOrm<T extends { id: number }>(entity: EntityName<T>, ours: T): Promise<void> {
    const theirs = (await db.fork().findOneOrFail(entity as never, ours.id)) as unknown as Record<string, unknown>;
    const meta = db.orm.getMetadata().get(entity as never);
    const mine = ours as unknown as Record<string, unknown>;
    for (const prop of meta.props) {
      if (prop.lazy || prop.persist === false) continue;
      const a = mine[prop.name];
      const b = theirs[prop.name];
      if (Reference.isReference(b)) {
        expect(Reference.isReference(a), `${meta.className}.${prop.name} is a Reference`).toBe(true);
        expect((a as unknown as { id: number }).id, `${meta.className}.${prop.name}.id`).toBe(
          (b as unknown as { id: number }).id,
        );
        continue;
      }
      if (b instanceof Date) {
        expect(a, `${meta.className}.${prop.name}`).toBeInstanceOf(Date);
        expect((a as Date).getTime(), `${meta.className}.${prop.name}`).toBe(b.getTime());
        continue;
      }
      expect(a, `${meta.className}.${prop.name}`).toEqual(b);
      expect(typeof a, `${meta.className}.${prop.name}`).toBe(typeof b);
    }
    expect(JSON.parse(JSON.stringify(wrap(ours).toObject()))).toEqual(JSON.parse(JSON.stringify(theirs)));
  }

  it('workflows (get, getWithSteps, list, create) and steps', async () => {
    const t = db.forCompany(acme.companyId);
    const created = await t.workflows.create({
      name: 'Mapped',
      description: 'every column set',
      startingUrl: 'https://app.example',
      tags: ['a', 'b'],
      createdBy: acme.adminId,
      steps: [stepInput({ actionData: { input_value: 'x' }, domContext: { parent: 'form' } }), stepInput()],
    });
    await expectSameAsMikroOrm(Workflow, created);
    await expectSameAsMikroOrm(Workflow, (await t.workflows.get(created.id))!);
    const withSteps = (await t.workflows.getWithSteps(created.id))!;
    await expectSameAsMikroOrm(Workflow, withSteps);
    for (const step of withSteps.steps) await expectSameAsMikroOrm(Step, step);
    const [item] = (await t.workflows.list({ limit: 1 })).items;
    await expectSameAsMikroOrm(Workflow, item);
    expect(JSON.parse(JSON.stringify(item)).stepCount).toBe(2);
  });

  it('health logs, the workflow after a run, notifications and screenshots', async () => {
    const t = db.forCompany(acme.companyId);
    const wf = await t.workflows.create({ name: 'Runs', startingUrl: 'https://app.example' });
    const run = await t.healthLogs.record({
      workflowId: wf.id,
      userId: acme.userId,
      status: 'failed',
      errorType: 'timeout',
      executionTimeMs: 1200,
    });
    await expectSameAsMikroOrm(HealthLog, run.log);
    await expectSameAsMikroOrm(Workflow, run.workflow);
    const note = await t.notifications.create({ workflowId: wf.id, type: 'workflow_broken', title: 'Broken' });
    await expectSameAsMikroOrm(Notification, note);
    await expectSameAsMikroOrm(Notification, await t.notifications.markRead(note.id, acme.adminId));
    for (const n of (await t.notifications.list()).items) await expectSameAsMikroOrm(Notification, n);
    const { screenshot } = await dedupeScreenshot(db, {
      companyId: acme.companyId,
      workflowId: wf.id,
      hash: `sha256:${'ab'.repeat(32)}`,
      fileSize: 10,
      width: 2,
      height: 3,
      format: 'png',
    });
    await expectSameAsMikroOrm(Screenshot, screenshot);
  });

  it('relations are unloaded References: `.id` without a query, `load()` through the tenant filter', async () => {
    const t = db.forCompany(acme.companyId);
    const wf = (await t.workflows.get(
      (
        await t.workflows.create({ name: 'Refs', startingUrl: 'u', createdBy: acme.adminId })
      ).id,
    ))!;
    expect(wf.company).toBeInstanceOf(Reference);
    expect(wf.company.id).toBe(acme.companyId);
    expect(wf.company.isInitialized()).toBe(false);
    const user = await wf.createdBy!.load();
    expect(user?.id).toBe(acme.adminId);
    expect(wf.createdBy!.isInitialized()).toBe(true);
    expect(wf.createdBy!.getEntity()).toBe(user);
  });
});
