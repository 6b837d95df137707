import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, HealthLog } from '../../src/index.js';
import { encodeCursor } from '../../src/tenant/cursor.js';
import type { HealthLogRepository } from '../../src/tenant/health-log-repository.js';
import { parseTimestamp } from '../../src/types/utc-datetime-type.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { rows, seedCompany, seedWorkflow } from './fixtures.js';

const DAY = 24 * 60 * 60 * 1000;

describeEachDialect('t.healthLogs listByWorkflow and summary', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  async function setup(steps = 3) {
    const company = await seedCompany(db, { brokenAfterFailures: 1000 });
    const wf = await seedWorkflow(db, company.companyId, { steps });
    const logs = db.forCompany(company.companyId).healthLogs;
    /** Records a run, then moves its log `ageMs` into the past. */
    const run = async (status: string, ageMs = 0, stepId: number | null = null) => {
      const { log } = await logs.record({ workflowId: wf.workflowId, userId: company.userId, status, stepId } as never);
      if (ageMs) {
        await rows(db, 'update "health_logs" set "created_at" = ? where "id" = ?', [
          new Date(Date.now() - ageMs).toISOString(),
          log.id,
        ]);
      }
      return log;
    };
    return { company, ...wf, logs, run };
  }

  async function allPages(repo: HealthLogRepository, workflowId: number, limit: number): Promise<HealthLog[]> {
    const out: HealthLog[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await repo.listByWorkflow(workflowId, { limit, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error('pagination did not end');
  }

  describe('listByWorkflow', () => {
    it('pages newest first (ties by id) through every log of the workflow exactly once', async () => {
      const s = await setup();
      const other = await seedWorkflow(db, s.company.companyId);
      for (let i = 0; i < 17; i++) {
        await s.run(i % 2 ? 'success' : 'failed', ((i * 5) % 17) * 1000);
        await s.logs.record({ workflowId: other.workflowId, userId: s.company.userId, status: 'success' });
      }
      // Three logs share one instant: the id decides.
      const ids = (
        await rows<{ id: number }>(db, 'select "id" from "health_logs" where "workflow_id" = ? order by "id" limit 3', [
          s.workflowId,
        ])
      ).map((r) => r.id);
      await rows(db, `update "health_logs" set "created_at" = ? where "id" in (${ids.join(', ')})`, [
        '2026-03-01T00:00:00.000Z',
      ]);
      const expected = await rows<{ id: number }>(
        db,
        'select "id" from "health_logs" where "workflow_id" = ? order by "created_at" desc, "id" desc',
        [s.workflowId],
      );
      for (const limit of [1, 4, 17, 100]) {
        const got = await allPages(s.logs, s.workflowId, limit);
        expect(got.map((l) => l.id)).toEqual(expected.map((r) => Number(r.id)));
        expect(got.every((l) => l.workflow.id === s.workflowId && l.company.id === s.company.companyId)).toBe(true);
      }
      const first = await s.logs.listByWorkflow(s.workflowId);
      expect(first.items).toHaveLength(17);
      expect(first.nextCursor).toBeNull();
    });

    it('gives an empty page for another company’s workflow or a missing one', async () => {
      const s = await setup();
      await s.run('success');
      const other = await seedCompany(db);
      const theirs = db.forCompany(other.companyId).healthLogs;
      expect(await theirs.listByWorkflow(s.workflowId)).toEqual({ items: [], nextCursor: null });
      expect(await s.logs.listByWorkflow(999_999)).toEqual({ items: [], nextCursor: null });
      // A cursor made in one company's listing does not open another company's rows either.
      await s.run('success');
      const page = await s.logs.listByWorkflow(s.workflowId, { limit: 1 });
      expect(page.nextCursor).not.toBeNull();
      expect(await theirs.listByWorkflow(s.workflowId, { cursor: page.nextCursor })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('refuses bad ids, limits, options and cursors with INVALID_INPUT', async () => {
      const s = await setup();
      const cases: [number, Record<string, unknown>, string][] = [
        [0, {}, 'workflowId'],
        [s.workflowId, { limit: 0 }, 'limit'],
        [s.workflowId, { limit: 501 }, 'limit'],
        [s.workflowId, { cursor: '%%%' }, 'cursor'],
        [s.workflowId, { cursor: encodeCursor([1]) }, 'cursor'],
        [s.workflowId, { cursor: encodeCursor([1, 1]) }, 'cursor'],
        [s.workflowId, { cursor: encodeCursor(['2026-01-01T00:00:00.000Z', 'x']) }, 'cursor'],
        [s.workflowId, { sort: 'asc' }, 'options.sort'],
      ];
      for (const [id, options, field] of cases) {
        await expect(s.logs.listByWorkflow(id, options as never)).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          field,
        });
      }
    });
  });

  describe('summary', () => {
    it('computes the 7/30-day windows, total runs, the 10 newest logs and the failing steps', async () => {
      const s = await setup(3);
      const [s1, s2, s3] = s.stepIds;
      // Within 7 days: 3 ok, 2 failed (step 1 twice).
      await s.run('success', 1 * DAY);
      await s.run('healed_ai', 2 * DAY);
      await s.run('success', 3 * DAY);
      const lastFailureStep1 = await s.run('failed', 1 * 3600_000, s1);
      await s.run('failed', 2 * DAY, s1);
      // 7–30 days: 1 ok, 3 failed (step 2 twice, step 1 once), one workflow-level failure.
      await s.run('success', 10 * DAY);
      await s.run('failed', 12 * DAY, s2);
      await s.run('failed', 13 * DAY, s2);
      await s.run('failed', 20 * DAY, s1);
      await s.run('failed', 25 * DAY);
      // Older than 30 days: counted in totalRuns only.
      for (let i = 0; i < 4; i++) await s.run('failed', (31 + i) * DAY, s3);

      const summary = await s.logs.summary(s.workflowId);
      expect(summary).not.toBeNull();
      if (!summary) return;
      expect(summary).toMatchObject({
        workflowId: s.workflowId,
        status: 'active',
        totalRuns: 14,
        last7Days: { runs: 5, successes: 3, successRate: 3 / 5 },
        last30Days: { runs: 10, successes: 4, successRate: 4 / 10 },
      });
      expect(summary.successRate).toBeCloseTo(4 / 14, 12);
      expect(summary.recentLogs).toHaveLength(10);
      const newest = await rows<{ id: number }>(
        db,
        'select "id" from "health_logs" where "workflow_id" = ? order by "created_at" desc, "id" desc limit 10',
        [s.workflowId],
      );
      expect(summary.recentLogs.map((l) => l.id)).toEqual(newest.map((r) => Number(r.id)));
      expect(summary.failingSteps.map((f) => [f.stepId, f.stepNumber, f.failures])).toEqual([
        [s1, 1, 3],
        [s2, 2, 2],
      ]);
      const [stored] = await rows<{ created_at: string }>(db, 'select "created_at" from "health_logs" where "id" = ?', [
        lastFailureStep1.id,
      ]);
      expect(summary.failingSteps[0].lastFailureAt.getTime()).toBe(parseTimestamp(String(stored.created_at)).getTime());
    });

    it('an empty history has null rates; another company’s or a missing workflow is null', async () => {
      const s = await setup();
      expect(await s.logs.summary(s.workflowId)).toMatchObject({
        totalRuns: 0,
        successRate: 0,
        last7Days: { runs: 0, successes: 0, successRate: null },
        last30Days: { runs: 0, successes: 0, successRate: null },
        recentLogs: [],
        failingSteps: [],
        lastSuccessfulRun: null,
        lastFailedRun: null,
      });
      const other = await seedCompany(db);
      expect(await db.forCompany(other.companyId).healthLogs.summary(s.workflowId)).toBeNull();
      expect(await s.logs.summary(999_999)).toBeNull();
      await expect(s.logs.summary(-1)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'workflowId' });
    });
  });
});
