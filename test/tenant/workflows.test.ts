import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database, TenantScope } from '../../src/index.js';
import { LIMITS } from '../../src/validation/limits.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, seedScreenshot, snapshotAll, sql, stepInput } from './fixtures.js';

describeEachDialect('t.workflows', (dialect) => {
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

  describe('create', () => {
    it('creates a draft workflow without steps, stamped with the company', async () => {
      const wf = await t.workflows.create({
        name: 'Pay invoice',
        startingUrl: 'https://app.example.com',
        description: 'Monthly',
        tags: ['billing', 'monthly'],
        createdBy: acme.adminId,
      });
      expect(wf).toMatchObject({
        name: 'Pay invoice',
        startingUrl: 'https://app.example.com',
        description: 'Monthly',
        tags: ['billing', 'monthly'],
        status: 'draft',
        successRate: 0,
        totalUses: 0,
        consecutiveFailures: 0,
      });
      expect(wf.company.id).toBe(acme.companyId);
      expect(wf.createdBy?.id).toBe(acme.adminId);
      expect(wf.createdAt).toBeInstanceOf(Date);
      const [row] = await sql<{ company_id: number; created_by: number; status: string }>(
        db,
        'select "company_id", "created_by", "status" from "workflows" where "id" = ?',
        [wf.id],
      );
      expect(row).toEqual({ company_id: acme.companyId, created_by: acme.adminId, status: 'draft' });
    });

    it('creates the steps in the same transaction, numbered 1..n when numbers are omitted, as processing', async () => {
      const wf = await t.workflows.create({
        name: 'Login',
        startingUrl: 'https://app.example.com/login',
        steps: [stepInput(), stepInput({ actionType: 'input_commit', actionData: { input_value: 'me' } }), stepInput()],
      });
      expect(wf.status).toBe('processing');
      const rows = await sql<{ step_number: number; company_id: number; action_type: string }>(
        db,
        'select "step_number", "company_id", "action_type" from "steps" where "workflow_id" = ? order by "step_number"',
        [wf.id],
      );
      expect(rows).toEqual([
        { step_number: 1, company_id: acme.companyId, action_type: 'click' },
        { step_number: 2, company_id: acme.companyId, action_type: 'input_commit' },
        { step_number: 3, company_id: acme.companyId, action_type: 'click' },
      ]);
    });

    it('keeps given step numbers and returns them in order from getWithSteps', async () => {
      const wf = await t.workflows.create({
        name: 'Numbered',
        startingUrl: 'https://x.example',
        steps: [stepInput({ stepNumber: 10 }), stepInput({ stepNumber: 2 }), stepInput({ stepNumber: 5 })],
      });
      const found = await t.workflows.getWithSteps(wf.id);
      expect(found?.id).toBe(wf.id);
      expect(found?.steps.map((s) => s.stepNumber)).toEqual([2, 5, 10]);
      expect(found?.steps.every((s) => s.workflow.id === wf.id && s.company.id === acme.companyId)).toBe(true);
      expect(found?.steps[0].selectors).toEqual(stepInput().selectors);
      expect(found?.steps[0].labelEdited).toBe(false);
      const json = JSON.parse(JSON.stringify(found));
      expect(json).toMatchObject({ id: wf.id, name: 'Numbered', company: acme.companyId });
      expect(json.steps.map((s: { stepNumber: number }) => s.stepNumber)).toEqual([2, 5, 10]);
    });

    it('writes a large recording with few statements', async () => {
      const statements: string[] = [];
      const { db: logged, dispose: close } = await openTestDatabase(dialect, {
        debug: true,
        logger: (line) => statements.push(line),
      });
      try {
        const c = await seedCompany(logged);
        statements.length = 0;
        const wf = await logged.forCompany(c.companyId).workflows.create({
          name: 'Long',
          startingUrl: 'https://x.example',
          steps: Array.from({ length: 1000 }, () => stepInput()),
        });
        const inserts = statements.filter((s) => /insert into .steps./.test(s));
        // MikroORM's default batch size is 300 rows per statement.
        expect(inserts.length).toBeLessThanOrEqual(4);
        const [{ n }] = await sql<{ n: number }>(
          logged,
          'select count(*) as "n" from "steps" where "workflow_id" = ?',
          [wf.id],
        );
        expect(Number(n)).toBe(1000);
      } finally {
        await close();
      }
    });

    it('links a screenshot of the same company', async () => {
      const owner = await t.workflows.create({ name: 'Owner', startingUrl: 'https://x.example' });
      const shot = await seedScreenshot(db, acme.companyId, owner.id);
      const wf = await t.workflows.create({
        name: 'Uses it',
        startingUrl: 'https://x.example',
        steps: [stepInput({ screenshotId: shot })],
      });
      const [step] = await t.steps.listByWorkflow(wf.id);
      expect(step.screenshot?.id).toBe(shot);
    });

    const invalid: [string, unknown, string][] = [
      ['no name', { startingUrl: 'https://x' }, 'name'],
      ['empty name', { name: '  ', startingUrl: 'https://x' }, 'name'],
      ['no starting url', { name: 'n' }, 'startingUrl'],
      ['unknown key', { name: 'n', startingUrl: 'u', owner: 1 }, 'input.owner'],
      ['tags not an array', { name: 'n', startingUrl: 'u', tags: 'a' }, 'tags'],
      ['a tag not a string', { name: 'n', startingUrl: 'u', tags: ['a', 1] }, 'tags[1]'],
      [
        'too many tags',
        { name: 'n', startingUrl: 'u', tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) },
        'tags',
      ],
      ['createdBy not an id', { name: 'n', startingUrl: 'u', createdBy: '1' }, 'createdBy'],
      ['steps not an array', { name: 'n', startingUrl: 'u', steps: {} }, 'steps'],
      [
        'unknown action type',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ actionType: 'hover' as never })] },
        'steps[0].actionType',
      ],
      [
        'selectors missing',
        { name: 'n', startingUrl: 'u', steps: [{ ...stepInput(), selectors: undefined }] },
        'steps[0].selectors',
      ],
      [
        'selectors an array',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ selectors: [] as never })] },
        'steps[0].selectors',
      ],
      [
        'elementMeta a string',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ elementMeta: 'x' as never })] },
        'steps[0].elementMeta',
      ],
      [
        'pageContext null',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ pageContext: null as never })] },
        'steps[0].pageContext',
      ],
      [
        'actionData an array',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ actionData: [1] as never })] },
        'steps[0].actionData',
      ],
      [
        'domContext a number',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ domContext: 3 as never })] },
        'steps[0].domContext',
      ],
      [
        'JSON with a function',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ selectors: { f: () => 1 } as never })] },
        'steps[0].selectors',
      ],
      ['step number 0', { name: 'n', startingUrl: 'u', steps: [stepInput({ stepNumber: 0 })] }, 'steps[0].stepNumber'],
      [
        'step number 1.5',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ stepNumber: 1.5 })] },
        'steps[0].stepNumber',
      ],
      [
        'repeated step number',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ stepNumber: 1 }), stepInput({ stepNumber: 1 })] },
        'steps[1].stepNumber',
      ],
      [
        'some numbered, some not',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ stepNumber: 1 }), stepInput()] },
        'steps.stepNumber',
      ],
      [
        'unknown step key',
        { name: 'n', startingUrl: 'u', steps: [{ ...stepInput(), fieldLabel: 'x' }] },
        'steps[0].fieldLabel',
      ],
      [
        'screenshotId not an id',
        { name: 'n', startingUrl: 'u', steps: [stepInput({ screenshotId: -4 })] },
        'steps[0].screenshotId',
      ],
    ];
    it.each(invalid)('rejects %s with INVALID_INPUT on the field, writing nothing', async (_, input, field) => {
      const before = await snapshotAll(db);
      const error = await t.workflows.create(input as never).catch((e) => e);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
      expect(await snapshotAll(db)).toBe(before);
    });

    it('rejects a late invalid step without writing the workflow or the earlier steps', async () => {
      const before = await snapshotAll(db);
      const steps = [...Array.from({ length: 20 }, () => stepInput()), stepInput({ actionType: 'drag' as never })];
      expect(await codeOf(() => t.workflows.create({ name: 'n', startingUrl: 'u', steps }))).toBe('INVALID_INPUT');
      expect(await snapshotAll(db)).toBe(before);
    });

    it("rejects another company's user or screenshot (or a missing one) with CROSS_TENANT_REFERENCE, writing nothing", async () => {
      const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'G', startingUrl: 'u' });
      const theirShot = await seedScreenshot(db, globex.companyId, theirs.id);
      const before = await snapshotAll(db);
      const createdBy = await t.workflows
        .create({ name: 'n', startingUrl: 'u', createdBy: globex.adminId })
        .catch((e) => e);
      expect(createdBy).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'createdBy' });
      const missing = await t.workflows.create({ name: 'n', startingUrl: 'u', createdBy: 999_999 }).catch((e) => e);
      expect(missing).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'createdBy' });
      const shot = await t.workflows
        .create({ name: 'n', startingUrl: 'u', steps: [stepInput(), stepInput({ screenshotId: theirShot })] })
        .catch((e) => e);
      expect(shot).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'steps[1].screenshotId' });
      expect(await snapshotAll(db)).toBe(before);
    });

    it('is NOT_FOUND for a company that does not exist, writing nothing', async () => {
      const before = await snapshotAll(db);
      expect(await codeOf(() => db.forCompany(987_654).workflows.create({ name: 'n', startingUrl: 'u' }))).toBe(
        'NOT_FOUND',
      );
      expect(await snapshotAll(db)).toBe(before);
    });
  });

  describe('get', () => {
    it('returns the workflow with relations exposing .id without loading', async () => {
      const created = await t.workflows.create({ name: 'G1', startingUrl: 'u', createdBy: acme.userId });
      const wf = await t.workflows.get(created.id);
      expect(wf?.name).toBe('G1');
      expect(wf?.company.id).toBe(acme.companyId);
      expect(wf?.company.isInitialized()).toBe(false);
      expect(wf?.createdBy?.id).toBe(acme.userId);
      expect(wf?.createdBy?.isInitialized()).toBe(false);
    });

    it('is null for a missing id and for another company’s id', async () => {
      const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'G', startingUrl: 'u' });
      expect(await t.workflows.get(999_999)).toBeNull();
      expect(await t.workflows.get(theirs.id)).toBeNull();
      expect(await t.workflows.getWithSteps(theirs.id)).toBeNull();
    });

    it('rejects an id that is not a positive integer', async () => {
      expect(await codeOf(() => t.workflows.get('1' as never))).toBe('INVALID_INPUT');
      expect(await codeOf(() => t.workflows.get(0))).toBe('INVALID_INPUT');
    });
  });

  describe('update', () => {
    it('changes the given fields and moves updatedAt, even twice within a millisecond', async () => {
      // The clock stands still (only Date is faked; the drivers' timers run): the create and both
      // updates happen within one millisecond, and each update must still move updatedAt forward.
      const frozen = Date.now();
      vi.useFakeTimers({ toFake: ['Date'], now: frozen });
      let wf: Awaited<ReturnType<typeof t.workflows.create>>;
      let first: typeof wf;
      let second: typeof wf;
      try {
        wf = await t.workflows.create({ name: 'Before', startingUrl: 'u', tags: ['a'] });
        first = await t.workflows.update(wf.id, { name: 'After', tags: ['b', 'c'], description: null });
        second = await t.workflows.update(wf.id, { startingUrl: 'https://new.example' });
        expect(Date.now()).toBe(frozen);
      } finally {
        vi.useRealTimers();
      }
      expect(second).toMatchObject({
        name: 'After',
        tags: ['b', 'c'],
        description: null,
        startingUrl: 'https://new.example',
      });
      expect(first.updatedAt.getTime()).toBeGreaterThan(wf.updatedAt.getTime());
      expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
      expect(second.createdAt.getTime()).toBe(wf.createdAt.getTime());
    });

    it('applies the status transition rules', async () => {
      const wf = await t.workflows.create({ name: 'S', startingUrl: 'u' });
      expect((await t.workflows.update(wf.id, { status: 'active' })).status).toBe('active');
      expect((await t.workflows.update(wf.id, { status: 'archived' })).status).toBe('archived');
      const refused = await t.workflows.update(wf.id, { status: 'active' }).catch((e) => e);
      expect(refused).toMatchObject({ code: 'INVALID_INPUT', field: 'status' });
      expect((await t.workflows.get(wf.id))?.status).toBe('archived');
    });

    it('refuses processing → active (labels first)', async () => {
      const wf = await t.workflows.create({ name: 'P', startingUrl: 'u', steps: [stepInput()] });
      expect(await codeOf(() => t.workflows.update(wf.id, { status: 'active' }))).toBe('INVALID_INPUT');
    });

    it.each([
      ['unknown key', { owner: 3 }, 'patch.owner'],
      ['a metric', { totalUses: 3 }, 'patch.totalUses'],
      ['bad status', { status: 'gone' }, 'status'],
      ['empty name', { name: '' }, 'name'],
      ['tags not strings', { tags: [null] }, 'tags[0]'],
    ])('rejects %s with INVALID_INPUT, writing nothing', async (_, patch, field) => {
      const wf = await t.workflows.create({ name: 'V', startingUrl: 'u' });
      const before = await snapshotAll(db);
      expect(await t.workflows.update(wf.id, patch as never).catch((e) => e)).toMatchObject({
        code: 'INVALID_INPUT',
        field,
      });
      expect(await snapshotAll(db)).toBe(before);
    });

    it('is NOT_FOUND for a missing id and for another company’s id, writing nothing', async () => {
      const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'G', startingUrl: 'u' });
      const before = await snapshotAll(db);
      expect(await codeOf(() => t.workflows.update(theirs.id, { name: 'x' }))).toBe('NOT_FOUND');
      expect(await codeOf(() => t.workflows.update(999_999, { name: 'x' }))).toBe('NOT_FOUND');
      expect(await snapshotAll(db)).toBe(before);
    });
  });

  describe('delete', () => {
    it('deletes the workflow with its steps and the screenshots only it uses', async () => {
      const wf = await t.workflows.create({ name: 'D', startingUrl: 'u' });
      const shot = await seedScreenshot(db, acme.companyId, wf.id);
      await t.steps.update((await addStep(wf.id)).id, { screenshotId: shot });
      await t.workflows.delete(wf.id);
      expect(await t.workflows.get(wf.id)).toBeNull();
      expect(await sql(db, 'select "id" from "steps" where "workflow_id" = ?', [wf.id])).toEqual([]);
      expect(await sql(db, 'select "id" from "screenshots" where "id" = ?', [shot])).toEqual([]);
    });

    it('moves a screenshot another workflow still shows to that workflow, keeping its storage key', async () => {
      const a = await t.workflows.create({ name: 'A', startingUrl: 'u' });
      const shot = await seedScreenshot(db, acme.companyId, a.id);
      const [{ storage_key: key }] = await sql<{ storage_key: string }>(
        db,
        'select "storage_key" from "screenshots" where "id" = ?',
        [shot],
      );
      const b = await t.workflows.create({ name: 'B', startingUrl: 'u', steps: [stepInput({ screenshotId: shot })] });
      const c = await t.workflows.create({ name: 'C', startingUrl: 'u', steps: [stepInput({ screenshotId: shot })] });
      await t.workflows.delete(a.id);
      const [bStep] = await t.steps.listByWorkflow(b.id);
      const [cStep] = await t.steps.listByWorkflow(c.id);
      expect(bStep.screenshot?.id).toBe(shot);
      expect(cStep.screenshot?.id).toBe(shot);
      const moved = await t.screenshots.get(shot);
      expect(moved?.workflow.id).toBe(Math.min(b.id, c.id));
      expect(moved?.storageKey).toBe(key);
      // Deleting the new owner moves it on again; deleting the last user removes it.
      await t.workflows.delete(Math.min(b.id, c.id));
      expect((await t.screenshots.get(shot))?.workflow.id).toBe(Math.max(b.id, c.id));
      await t.workflows.delete(Math.max(b.id, c.id));
      expect(await t.screenshots.get(shot)).toBeNull();
    });

    it('is NOT_FOUND for a missing id and for another company’s id, writing nothing', async () => {
      const theirs = await db
        .forCompany(globex.companyId)
        .workflows.create({ name: 'G', startingUrl: 'u', steps: [stepInput()] });
      const before = await snapshotAll(db);
      expect(await codeOf(() => t.workflows.delete(theirs.id))).toBe('NOT_FOUND');
      expect(await codeOf(() => t.workflows.delete(999_999))).toBe('NOT_FOUND');
      expect(await snapshotAll(db)).toBe(before);
    });
  });

  async function addStep(workflowId: number) {
    // A step added later (as a recorder would): raw insert, then read through the scope.
    const [row] = await sql<{ id: number }>(
      db,
      'insert into "steps" ("company_id", "workflow_id", "step_number", "action_type", "selectors", "element_meta", "page_context") ' +
        `values (?, ?, ?, 'click', '{}', '{}', '{}') returning "id"`,
      [acme.companyId, workflowId, 1],
    );
    const step = await t.steps.get(Number(row.id));
    if (!step) throw new Error('step not found');
    return step;
  }
});
