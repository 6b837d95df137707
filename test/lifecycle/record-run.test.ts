import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { parseTimestamp } from '../../src/types/utc-datetime-type.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import {
  notificationsOf,
  rows,
  seedCompany,
  seedWorkflow,
  snapshot,
  type TestCompany,
  workflowRow,
} from './fixtures.js';

describeEachDialect('t.healthLogs.record', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  async function setup(options: { steps?: number; status?: string; settings?: Record<string, unknown> } = {}) {
    const company = await seedCompany(db, options.settings ?? {});
    const wf = await seedWorkflow(db, company.companyId, { steps: options.steps ?? 2, status: options.status });
    const logs = db.forCompany(company.companyId).healthLogs;
    const run = (status: string, extra: Record<string, unknown> = {}) =>
      logs.record({ workflowId: wf.workflowId, userId: company.userId, status, ...extra } as never);
    return { company, ...wf, logs, run };
  }

  describe('metrics', () => {
    it('writes the log with every field and the company id, and updates the metrics of a success', async () => {
      const { company, workflowId, stepIds, logs } = await setup();
      const { log, workflow, notification } = await logs.record({
        workflowId,
        userId: company.userId,
        status: 'success',
        stepId: stepIds[0],
        errorType: 'timeout',
        errorMessage: 'slow but done',
        healingConfidence: 0.5,
        deterministicScore: 88,
        aiConfidence: 0.7,
        candidatesEvaluated: 4,
        pageStateHash: 'abc',
        pageUrl: 'https://example.com/cart',
        executionTimeMs: 1234,
      });
      expect(notification).toBeNull();
      expect(log).toMatchObject({
        status: 'success',
        errorType: 'timeout',
        errorMessage: 'slow but done',
        healingConfidence: 0.5,
        deterministicScore: 88,
        aiConfidence: 0.7,
        candidatesEvaluated: 4,
        pageStateHash: 'abc',
        pageUrl: 'https://example.com/cart',
        executionTimeMs: 1234,
      });
      expect(log.company.id).toBe(company.companyId);
      expect(log.workflow.id).toBe(workflowId);
      expect(log.step?.id).toBe(stepIds[0]);
      expect(log.user.id).toBe(company.userId);
      expect(log.createdAt).toBeInstanceOf(Date);
      const [stored] = await rows<{ company_id: number }>(db, 'select "company_id" from "health_logs" where "id" = ?', [
        log.id,
      ]);
      expect(Number(stored.company_id)).toBe(company.companyId);
      expect(workflow).toMatchObject({
        id: workflowId,
        status: 'active',
        totalUses: 1,
        successRate: 1,
        consecutiveFailures: 0,
      });
      expect(workflow.lastSuccessfulRun?.getTime()).toBe(log.createdAt.getTime());
      expect(workflow.lastFailedRun ?? null).toBeNull();
      const row = await workflowRow(db, workflowId);
      expect(Number(row.total_uses)).toBe(1);
      expect(Number(row.success_rate)).toBe(1);
    });

    it('computes successRate over successful and healed runs exactly, and the failure streak', async () => {
      const { run, workflowId } = await setup({ settings: { brokenAfterFailures: 100 } });
      const sequence = ['success', 'failed', 'healed_deterministic', 'failed', 'failed', 'healed_ai', 'success'];
      let last: Awaited<ReturnType<typeof run>> | undefined;
      for (const status of sequence)
        last = await run(status, status.startsWith('healed') ? { healingConfidence: 0.95 } : {});
      expect(last?.workflow.totalUses).toBe(7);
      expect(last?.workflow.successRate).toBeCloseTo(4 / 7, 12);
      const row = await workflowRow(db, workflowId);
      expect(Number(row.success_rate)).toBeCloseTo(4 / 7, 12);
      expect(Number(row.consecutive_failures)).toBe(0);
      expect(row.last_failed_run).not.toBeNull();
      const streak = await run('failed');
      expect(streak.workflow.consecutiveFailures).toBe(1);
      expect(streak.workflow.lastFailedRun?.getTime()).toBe(streak.log.createdAt.getTime());
      const again = await run('failed');
      expect(again.workflow.consecutiveFailures).toBe(2);
      expect(again.workflow.successRate).toBeCloseTo(4 / 9, 12);
    });

    it('keeps successRate exact over many runs (no float drift)', async () => {
      const { run } = await setup({ settings: { brokenAfterFailures: 1000 } });
      let last: Awaited<ReturnType<typeof run>> | undefined;
      for (let i = 0; i < 60; i++) last = await run(i % 3 === 0 ? 'failed' : 'success');
      expect(last?.workflow.totalUses).toBe(60);
      expect(Math.round((last?.workflow.successRate ?? 0) * 60)).toBe(40);
      expect(last?.workflow.successRate).toBeCloseTo(40 / 60, 12);
    });
  });

  describe('health rules', () => {
    it('marks the workflow broken after 3 consecutive failures with ONE workflow_broken notification', async () => {
      const { run, workflowId, company } = await setup();
      expect((await run('failed', { errorType: 'element_not_found' })).workflow.status).toBe('active');
      expect((await run('failed')).notification).toBeNull();
      const third = await run('failed', { errorType: 'timeout' });
      expect(third.workflow.status).toBe('broken');
      expect(third.workflow.consecutiveFailures).toBe(3);
      expect(third.notification).toMatchObject({ type: 'workflow_broken', severity: 'error', read: false });
      expect(third.notification?.company.id).toBe(company.companyId);
      expect(third.notification?.workflow?.id).toBe(workflowId);
      expect(third.notification?.title).toContain('Checkout');
      expect(third.notification?.message).toContain('timeout');
      for (let i = 0; i < 3; i++) expect((await run('failed')).notification).toBeNull();
      const notes = await notificationsOf(db, workflowId);
      expect(notes.map((n) => n.type)).toEqual(['workflow_broken']);
      expect((await workflowRow(db, workflowId)).status).toBe('broken');
    });

    it('uses the company setting brokenAfterFailures, and the default 3 when it is not a positive integer', async () => {
      const five = await setup({ settings: { brokenAfterFailures: 5 } });
      for (let i = 0; i < 4; i++) expect((await five.run('failed')).workflow.status).toBe('active');
      expect((await five.run('failed')).workflow.status).toBe('broken');
      for (const bad of [0, -2, 2.5, '4', null]) {
        const s = await setup({ settings: { brokenAfterFailures: bad } });
        await s.run('failed');
        await s.run('failed');
        expect((await s.run('failed')).workflow.status).toBe('broken');
      }
      const one = await setup({ settings: { brokenAfterFailures: 1 } });
      expect((await one.run('failed')).workflow.status).toBe('broken');
    });

    it('a success clears the streak, so failures must be consecutive', async () => {
      const { run } = await setup();
      await run('failed');
      await run('failed');
      expect((await run('success')).workflow.consecutiveFailures).toBe(0);
      await run('failed');
      expect((await run('failed')).workflow.status).toBe('active');
    });

    it('a trusted heal (>= 0.80) writes the healed selectors to the step: deterministic and ai_assisted', async () => {
      const { run, stepIds, workflowId } = await setup();
      const det = await run('healed_deterministic', {
        stepId: stepIds[0],
        healingConfidence: 0.8,
        healedSelectors: { previous_primary: '#b1', healed_primary: '[data-testid=buy]' },
      });
      expect(det.notification).toBeNull();
      expect(det.workflow.status).toBe('active');
      const ai = await run('healed_ai', {
        stepId: stepIds[1],
        healingConfidence: 0.97,
        healedSelectors: { healed_primary: '#pay' },
      });
      expect(ai.workflow.successRate).toBe(1);
      const steps = await rows<Record<string, unknown>>(
        db,
        'select "id", "healed_selectors", "healed_at", "healing_confidence", "healing_method", "selectors" from "steps" where "workflow_id" = ? order by "step_number"',
        [workflowId],
      );
      const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
      expect(parse(steps[0].healed_selectors)).toEqual({
        previous_primary: '#b1',
        healed_primary: '[data-testid=buy]',
      });
      expect(Number(steps[0].healing_confidence)).toBe(0.8);
      expect(steps[0].healing_method).toBe('deterministic');
      expect(parseTimestamp(String(steps[0].healed_at)).getTime()).toBe(det.log.createdAt.getTime());
      expect(parse(steps[1].healed_selectors)).toEqual({ healed_primary: '#pay' });
      expect(steps[1].healing_method).toBe('ai_assisted');
      // The recorded selectors stay as recorded: the heal is kept beside them.
      expect(parse(steps[0].selectors)).toEqual({ primary: '#b1' });
    });

    it('a heal in [0.60, 0.80) flags needs_review with one low_confidence warning and leaves the step alone', async () => {
      const { run, stepIds, workflowId } = await setup();
      const r = await run('healed_ai', {
        stepId: stepIds[0],
        healingConfidence: 0.6,
        healedSelectors: { healed_primary: '#x' },
      });
      expect(r.workflow.status).toBe('needs_review');
      expect(r.notification).toMatchObject({ type: 'low_confidence', severity: 'warning' });
      expect(r.workflow.successRate).toBe(1);
      expect((await run('healed_ai', { stepId: stepIds[0], healingConfidence: 0.79 })).notification).toBeNull();
      const [step] = await rows<Record<string, unknown>>(
        db,
        'select "healed_selectors", "healed_at", "healing_method" from "steps" where "id" = ?',
        [stepIds[0]],
      );
      expect(step).toEqual({ healed_selectors: null, healed_at: null, healing_method: null });
      expect((await notificationsOf(db, workflowId)).map((n) => n.type)).toEqual(['low_confidence']);
    });

    it('a heal below 0.60 marks the workflow broken with one workflow_broken notification', async () => {
      const { run, stepIds, workflowId } = await setup();
      const r = await run('healed_deterministic', { stepId: stepIds[0], healingConfidence: 0.59 });
      expect(r.workflow.status).toBe('broken');
      expect(r.notification).toMatchObject({ type: 'workflow_broken', severity: 'error' });
      expect((await run('failed')).notification).toBeNull();
      expect((await run('healed_ai', { healingConfidence: 0.1 })).notification).toBeNull();
      expect((await notificationsOf(db, workflowId)).map((n) => n.type)).toEqual(['workflow_broken']);
    });

    it('a success after broken revives the workflow with a workflow_healed info notification', async () => {
      const { run, workflowId } = await setup();
      for (let i = 0; i < 3; i++) await run('failed');
      const healed = await run('success');
      expect(healed.workflow).toMatchObject({ status: 'active', consecutiveFailures: 0 });
      expect(healed.notification).toMatchObject({ type: 'workflow_healed', severity: 'info' });
      // Breaking again raises a new alert: one per breakage, not one per workflow.
      for (let i = 0; i < 3; i++) await run('failed');
      expect((await notificationsOf(db, workflowId)).map((n) => n.type)).toEqual([
        'workflow_broken',
        'workflow_healed',
        'workflow_broken',
      ]);
    });

    it('a trusted heal after needs_review revives the workflow too; a low-confidence heal moves broken to needs_review', async () => {
      const a = await setup({ status: 'needs_review' });
      const r = await a.run('healed_ai', { healingConfidence: 0.9 });
      expect(r.workflow.status).toBe('active');
      expect(r.notification?.type).toBe('workflow_healed');
      const b = await setup({ status: 'broken' });
      const s = await b.run('healed_ai', { healingConfidence: 0.7 });
      expect(s.workflow.status).toBe('needs_review');
      expect(s.notification?.type).toBe('low_confidence');
    });

    it('needs_review that keeps failing becomes broken', async () => {
      const { run } = await setup({ status: 'needs_review' });
      await run('failed');
      await run('failed');
      const r = await run('failed');
      expect(r.workflow.status).toBe('broken');
      expect(r.notification?.type).toBe('workflow_broken');
    });

    it('never revives an archived workflow: the log and metrics are recorded, status and alerts are not', async () => {
      const { run, workflowId, stepIds } = await setup({ status: 'archived' });
      for (let i = 0; i < 4; i++) expect((await run('failed')).notification).toBeNull();
      const ok = await run('success');
      expect(ok.workflow).toMatchObject({ status: 'archived', totalUses: 5, consecutiveFailures: 0 });
      expect((await run('healed_ai', { healingConfidence: 0.2 })).workflow.status).toBe('archived');
      expect((await run('healed_ai', { healingConfidence: 0.7 })).workflow.status).toBe('archived');
      const trusted = await run('healed_ai', {
        stepId: stepIds[0],
        healingConfidence: 0.9,
        healedSelectors: { healed_primary: '#y' },
      });
      expect(trusted.workflow.status).toBe('archived');
      expect(await notificationsOf(db, workflowId)).toEqual([]);
      const [{ n }] = await rows<{ n: number }>(db, 'select count(*) as n from "health_logs" where "workflow_id" = ?', [
        workflowId,
      ]);
      expect(Number(n)).toBe(8);
    });

    it('applies the rules to draft and processing workflows too', async () => {
      for (const status of ['draft', 'processing']) {
        const { run } = await setup({ status });
        await run('failed');
        await run('failed');
        expect((await run('failed')).workflow.status).toBe('broken');
        expect((await run('success')).workflow.status).toBe('active');
      }
    });
  });

  describe('validation and tenancy (nothing written)', () => {
    let a: Awaited<ReturnType<typeof setup>>;
    let other: TestCompany;
    let otherWorkflow: { workflowId: number; stepIds: number[] };
    let sibling: { workflowId: number; stepIds: number[] };
    beforeAll(async () => {
      a = await setup();
      other = await seedCompany(db);
      otherWorkflow = await seedWorkflow(db, other.companyId, { steps: 1 });
      sibling = await seedWorkflow(db, a.company.companyId, { steps: 1 });
    });

    const expectNothingWritten = async (call: () => Promise<unknown>, expected: Record<string, unknown>) => {
      const before = await snapshot(db);
      await expect(call()).rejects.toMatchObject(expected);
      expect(await snapshot(db)).toBe(before);
    };

    it('refuses bad input with INVALID_INPUT naming the field', async () => {
      const base = { workflowId: 0, userId: 0, status: 'success' };
      const cases: [Record<string, unknown>, string][] = [
        [{ status: 'ok' }, 'status'],
        [{ status: undefined }, 'status'],
        [{ workflowId: -1 }, 'workflowId'],
        [{ workflowId: '1' }, 'workflowId'],
        [{ userId: 1.5 }, 'userId'],
        [{ stepId: 0 }, 'stepId'],
        [{ errorType: 'crash' }, 'errorType'],
        [{ errorMessage: 42 }, 'errorMessage'],
        [{ healingConfidence: 1.01 }, 'healingConfidence'],
        [{ healingConfidence: Number.NaN }, 'healingConfidence'],
        [{ aiConfidence: -0.1 }, 'aiConfidence'],
        [{ deterministicScore: 101 }, 'deterministicScore'],
        [{ deterministicScore: 50.5 }, 'deterministicScore'],
        [{ candidatesEvaluated: -1 }, 'candidatesEvaluated'],
        [{ executionTimeMs: 2 ** 31 }, 'executionTimeMs'],
        [{ pageUrl: 'x'.repeat(5000) }, 'pageUrl'],
        [{ pageStateHash: '\u0000' }, 'pageStateHash'],
        [{ healedSelectors: 'x' }, 'healedSelectors'],
        [{ healedSelectors: { healed_primary: '#a' } }, 'healedSelectors'],
        [{ status: 'healed_ai', healedSelectors: { healed_primary: '#a' } }, 'healedSelectors'],
        [{ colour: 'red' }, 'input.colour'],
      ];
      for (const [patch, field] of cases) {
        const input = { ...base, workflowId: a.workflowId, userId: a.company.userId, ...patch };
        await expectNothingWritten(() => a.logs.record(input as never), { code: 'INVALID_INPUT', field });
      }
      await expectNothingWritten(() => a.logs.record(null as never), { code: 'INVALID_INPUT', field: 'input' });
    });

    it('refuses ids of another company (or missing) with CROSS_TENANT_REFERENCE', async () => {
      const ok = { workflowId: a.workflowId, userId: a.company.userId, status: 'failed' as const };
      const cases: [Record<string, unknown>, string][] = [
        [{ workflowId: otherWorkflow.workflowId }, 'workflowId'],
        [{ workflowId: 999_999 }, 'workflowId'],
        [{ userId: other.userId }, 'userId'],
        [{ userId: 999_999 }, 'userId'],
        [{ stepId: otherWorkflow.stepIds[0] }, 'stepId'],
        [{ stepId: 999_999 }, 'stepId'],
      ];
      for (const [patch, field] of cases) {
        await expectNothingWritten(() => a.logs.record({ ...ok, ...patch }), { code: 'CROSS_TENANT_REFERENCE', field });
      }
      // The other company's scope cannot record against this company's workflow either.
      const theirs = db.forCompany(other.companyId).healthLogs;
      await expectNothingWritten(() => theirs.record({ ...ok, userId: other.userId }), {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'workflowId',
      });
    });

    it('refuses a step of another workflow of the same company with INVALID_INPUT', async () => {
      await expectNothingWritten(
        () =>
          a.logs.record({
            workflowId: a.workflowId,
            userId: a.company.userId,
            status: 'failed',
            stepId: sibling.stepIds[0],
          }),
        { code: 'INVALID_INPUT', field: 'stepId' },
      );
    });

    it('rolls everything back when a statement fails after the log was inserted', async () => {
      const s = await setup();
      // A real database refusal in the middle of the transaction: the metrics UPDATE is vetoed.
      if (dialect === 'postgresql') {
        await rows(
          db,
          `alter table "workflows" add constraint "test_cap" check ("total_uses" < 1 or "id" <> ${s.workflowId})`,
        );
      } else {
        await rows(
          db,
          `create trigger "test_cap" before update of "total_uses" on "workflows" when new."id" = ${s.workflowId} begin select raise(abort, 'capped'); end`,
        );
      }
      try {
        await expectNothingWritten(() => s.run('failed'), {
          code: expect.stringMatching(/INVALID_INPUT|DATABASE_ERROR/),
        });
      } finally {
        await rows(
          db,
          dialect === 'postgresql' ? 'alter table "workflows" drop constraint "test_cap"' : 'drop trigger "test_cap"',
        );
      }
      expect((await s.run('failed')).workflow.totalUses).toBe(1);
    });
  });
});
