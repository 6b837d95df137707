import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, TenantScope } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, seedScreenshot, snapshotAll, sql, stepInput } from './fixtures.js';

describeEachDialect('t.steps, t.screenshots, t.users', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let globex: SeededCompany;
  let t: TenantScope;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seedCompany(db, 'Acme');
    globex = await seedCompany(db, 'Globex');
    t = db.forCompany(acme.companyId);
  });
  afterAll(async () => dispose());

  async function workflowWithSteps(n = 3) {
    const wf = await t.workflows.create({
      name: 'W',
      startingUrl: 'u',
      steps: Array.from({ length: n }, () => stepInput()),
    });
    return { wf, steps: await t.steps.listByWorkflow(wf.id) };
  }

  describe('steps', () => {
    it('lists a workflow’s steps by step number and gets one', async () => {
      const wf = await t.workflows.create({
        name: 'W',
        startingUrl: 'u',
        steps: [stepInput({ stepNumber: 3 }), stepInput({ stepNumber: 1, domContext: { element_html: '<b>' } })],
      });
      const steps = await t.steps.listByWorkflow(wf.id);
      expect(steps.map((s) => s.stepNumber)).toEqual([1, 3]);
      expect(steps[0].domContext).toEqual({ element_html: '<b>' });
      expect(steps[0].actionData).toBeNull();
      const one = await t.steps.get(steps[1].id);
      expect(one?.stepNumber).toBe(3);
      expect(one?.workflow.id).toBe(wf.id);
      expect(await t.steps.get(999_999)).toBeNull();
      expect(await t.steps.listByWorkflow(999_999)).toEqual([]);
    });

    it('marks label and instruction edits with the editor and the time', async () => {
      const { steps } = await workflowWithSteps();
      const labeled = await t.steps.update(steps[0].id, { fieldLabel: 'Email' }, { editedBy: acme.adminId });
      expect(labeled).toMatchObject({ fieldLabel: 'Email', labelEdited: true, instructionEdited: false });
      expect(labeled.editedBy?.id).toBe(acme.adminId);
      expect(labeled.editedAt).toBeInstanceOf(Date);
      const instructed = await t.steps.update(steps[0].id, { instruction: 'Type the email' });
      expect(instructed).toMatchObject({
        fieldLabel: 'Email',
        instruction: 'Type the email',
        labelEdited: true,
        instructionEdited: true,
      });
      // An edit without an editor records none rather than keeping the previous one's name on it.
      expect(instructed.editedBy).toBeNull();
    });

    it('records healing, defaulting healedAt to now', async () => {
      const { steps } = await workflowWithSteps();
      const before = Date.now();
      const healed = await t.steps.update(steps[1].id, {
        healedSelectors: { previous_primary: '#a', healed_primary: '#b' },
        healingConfidence: 0.75,
        healingMethod: 'ai_assisted',
      });
      expect(healed).toMatchObject({
        healedSelectors: { previous_primary: '#a', healed_primary: '#b' },
        healingConfidence: 0.75,
        healingMethod: 'ai_assisted',
        labelEdited: false,
      });
      expect(healed.healedAt!.getTime()).toBeGreaterThanOrEqual(before - 5);
      const at = new Date('2024-03-01T12:00:00.000Z');
      expect((await t.steps.update(steps[1].id, { healedAt: at })).healedAt).toEqual(at);
      const cleared = await t.steps.update(steps[1].id, {
        healedSelectors: null,
        healingMethod: null,
        healingConfidence: null,
        healedAt: null,
      });
      expect(cleared).toMatchObject({
        healedSelectors: null,
        healingMethod: null,
        healingConfidence: null,
        healedAt: null,
      });
    });

    it('sets and clears the screenshot', async () => {
      const { wf, steps } = await workflowWithSteps();
      const shot = await seedScreenshot(db, acme.companyId, wf.id);
      expect((await t.steps.update(steps[2].id, { screenshotId: shot })).screenshot?.id).toBe(shot);
      expect((await t.steps.update(steps[2].id, { screenshotId: null })).screenshot).toBeNull();
    });

    it.each([
      ['unknown key', { selectors: {} }, 'patch.selectors'],
      ['confidence above 1', { healingConfidence: 1.2 }, 'healingConfidence'],
      ['confidence below 0', { healingConfidence: -0.1 }, 'healingConfidence'],
      ['unknown healing method', { healingMethod: 'magic' }, 'healingMethod'],
      ['healedSelectors an array', { healedSelectors: ['#a'] }, 'healedSelectors'],
      ['healedAt not a date', { healedAt: 'soon' }, 'healedAt'],
      ['label not a string', { fieldLabel: 5 }, 'fieldLabel'],
      ['screenshotId not an id', { screenshotId: 0 }, 'screenshotId'],
    ])('rejects %s with INVALID_INPUT, writing nothing', async (_, patch, field) => {
      const { steps } = await workflowWithSteps(1);
      const before = await snapshotAll(db);
      expect(await t.steps.update(steps[0].id, patch as never).catch((e) => e)).toMatchObject({
        code: 'INVALID_INPUT',
        field,
      });
      expect(await snapshotAll(db)).toBe(before);
    });

    it('rejects bad options with INVALID_INPUT', async () => {
      const { steps } = await workflowWithSteps(1);
      expect(
        await t.steps.update(steps[0].id, { fieldLabel: 'x' }, { editedBy: '1' } as never).catch((e) => e),
      ).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'editedBy',
      });
      expect(await t.steps.update(steps[0].id, { fieldLabel: 'x' }, { by: 1 } as never).catch((e) => e)).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'options.by',
      });
    });

    it('applies AI labels through the lifecycle and moves the workflow from processing to draft', async () => {
      const { wf, steps } = await workflowWithSteps(2);
      expect(wf.status).toBe('processing');
      const result = await t.steps.applyLabels(
        wf.id,
        steps.map((s, i) => ({
          stepId: s.id,
          fieldLabel: `L${i}`,
          instruction: `Do ${i}`,
          aiConfidence: 0.9,
          aiModel: 'm1',
        })),
      );
      expect(result).toMatchObject({ updated: 2, workflowStatus: 'draft' });
      expect((await t.workflows.get(wf.id))?.status).toBe('draft');
      const labeled = await t.steps.listByWorkflow(wf.id);
      expect(labeled.map((s) => [s.fieldLabel, s.instruction, s.aiModel])).toEqual([
        ['L0', 'Do 0', 'm1'],
        ['L1', 'Do 1', 'm1'],
      ]);
    });
  });

  describe('screenshots', () => {
    it('gets a screenshot and lists those a workflow owns or shows', async () => {
      const a = await t.workflows.create({ name: 'A', startingUrl: 'u' });
      const own = await seedScreenshot(db, acme.companyId, a.id);
      const b = await t.workflows.create({ name: 'B', startingUrl: 'u' });
      const shared = await seedScreenshot(db, acme.companyId, b.id);
      const c = await t.workflows.create({ name: 'C', startingUrl: 'u', steps: [stepInput({ screenshotId: shared })] });
      const shot = await t.screenshots.get(own);
      expect(shot).toMatchObject({ id: own, format: 'jpeg' });
      expect(shot?.company.id).toBe(acme.companyId);
      expect(shot?.workflow.id).toBe(a.id);
      expect(shot?.createdAt).toBeInstanceOf(Date);
      expect((await t.screenshots.listByWorkflow(a.id)).map((s) => s.id)).toEqual([own]);
      expect((await t.screenshots.listByWorkflow(b.id)).map((s) => s.id)).toEqual([shared]);
      expect((await t.screenshots.listByWorkflow(c.id)).map((s) => s.id)).toEqual([shared]);
      await t.steps.update((await t.steps.listByWorkflow(c.id))[0].id, { screenshotId: own });
      const both = await t.workflows.create({ name: 'D', startingUrl: 'u', steps: [stepInput({ screenshotId: own })] });
      const dShot = await seedScreenshot(db, acme.companyId, both.id);
      expect((await t.screenshots.listByWorkflow(both.id)).map((s) => s.id)).toEqual([own, dShot]);
      expect(await t.screenshots.get(999_999)).toBeNull();
      expect(await t.screenshots.listByWorkflow(999_999)).toEqual([]);
    });
  });

  describe('users', () => {
    it('lists and gets the company’s users without their password hash', async () => {
      const users = await t.users.list();
      expect(users.map((u) => u.id)).toEqual([acme.adminId, acme.userId]);
      for (const user of users) {
        expect(user.company.id).toBe(acme.companyId);
        expect((user as { passwordHash?: unknown }).passwordHash).toBeUndefined();
        expect(JSON.stringify(user)).not.toMatch(/\$2b\$|password/i);
      }
      const admin = await t.users.get(acme.adminId);
      expect(admin).toMatchObject({ id: acme.adminId, role: 'admin' });
      expect((admin as { passwordHash?: unknown }).passwordHash).toBeUndefined();
      expect(JSON.stringify(admin)).not.toMatch(/\$2b\$|password/i);
      expect(await t.users.get(globex.adminId)).toBeNull();
      expect(await t.users.get(999_999)).toBeNull();
      const [{ n }] = await sql<{ n: number }>(db, 'select count(*) as "n" from "users"');
      expect(Number(n)).toBeGreaterThan(users.length);
    });
  });

  it('rejects ids that are not positive integers on every read', async () => {
    for (const call of [
      () => t.steps.get(-1),
      () => t.steps.listByWorkflow(1.5),
      () => t.screenshots.get(Number.NaN),
      () => t.screenshots.listByWorkflow('2' as never),
      () => t.users.get(0),
    ]) {
      expect(await codeOf(call)).toBe('INVALID_INPUT');
    }
  });
});
