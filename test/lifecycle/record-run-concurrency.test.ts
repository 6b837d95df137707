import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/index.js';
import type { HealthLogRepository } from '../../src/tenant/health-log-repository.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { notificationsOf, rows, seedCompany, seedWorkflow, workflowRow } from './fixtures.js';

const CALLERS = 20;
const POOL_MAX = 8;

describeEachDialect('t.healthLogs.record under concurrency', (dialect) => {
  let db: Database;
  let second: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDatabase(dialect, { pool: { min: 0, max: POOL_MAX } });
    ({ db, dispose } = opened);
    // A second Database on the same file/database: on SQLite a second connection (as another
    // process would have), on PostgreSQL a second pool.
    second = await openDatabase({ url: opened.target.url, pool: { min: 0, max: POOL_MAX } });
  });
  afterAll(async () => {
    await second.close();
    await dispose();
  });

  /** Each caller gets its own scope (its own fork), alternating between the two Database instances. */
  async function concurrently(companyId: number, inputs: Record<string, unknown>[]) {
    const results = await Promise.allSettled(
      inputs.map((input, i) => (i % 2 ? second : db).forCompany(companyId).healthLogs.record(input as never)),
    );
    const failures = results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    return results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<HealthLogRepository['record']>>>).value);
  }

  it(`${CALLERS} concurrent failures: totalUses is exact and there is ONE workflow_broken notification`, async () => {
    const c = await seedCompany(db);
    const { workflowId } = await seedWorkflow(db, c.companyId);
    const results = await concurrently(
      c.companyId,
      Array.from({ length: CALLERS }, () => ({ workflowId, userId: c.userId, status: 'failed' })),
    );
    const row = await workflowRow(db, workflowId);
    expect(Number(row.total_uses)).toBe(CALLERS);
    expect(Number(row.consecutive_failures)).toBe(CALLERS);
    expect(Number(row.success_rate)).toBe(0);
    expect(row.status).toBe('broken');
    const [{ n }] = await rows<{ n: number }>(db, 'select count(*) as n from "health_logs" where "workflow_id" = ?', [
      workflowId,
    ]);
    expect(Number(n)).toBe(CALLERS);
    expect((await notificationsOf(db, workflowId)).map((x) => x.type)).toEqual(['workflow_broken']);
    expect(results.filter((r) => r.notification !== null)).toHaveLength(1);
    // Each caller saw a distinct point of the serialized history.
    expect(new Set(results.map((r) => r.workflow.totalUses)).size).toBe(CALLERS);
    expect(results.find((r) => r.notification)?.workflow.consecutiveFailures).toBe(3);
    if (dialect === 'postgresql') {
      // The calls really ran on several connections at once.
      const [{ connections }] = await rows<{ connections: number }>(
        db,
        "select count(*) as connections from pg_stat_activity where datname = current_database() and backend_type = 'client backend'",
      );
      expect(Number(connections)).toBeGreaterThanOrEqual(5);
    }
  });

  it(`${CALLERS} concurrent mixed runs: the success rate is exact`, async () => {
    const c = await seedCompany(db, { brokenAfterFailures: 1000 });
    const { workflowId } = await seedWorkflow(db, c.companyId);
    await concurrently(
      c.companyId,
      Array.from({ length: CALLERS }, (_, i) => ({
        workflowId,
        userId: c.userId,
        status: i % 4 === 0 ? 'failed' : i % 4 === 1 ? 'healed_ai' : 'success',
        healingConfidence: i % 4 === 1 ? 0.95 : null,
      })),
    );
    const row = await workflowRow(db, workflowId);
    expect(Number(row.total_uses)).toBe(CALLERS);
    expect(Number(row.success_rate)).toBeCloseTo(0.75, 12);
    expect(row.status).toBe('active');
    expect(await notificationsOf(db, workflowId)).toEqual([]);
  });

  it('concurrent runs of different companies stay in their own company', async () => {
    const a = await seedCompany(db);
    const b = await seedCompany(db);
    const wa = await seedWorkflow(db, a.companyId);
    const wb = await seedWorkflow(db, b.companyId);
    const inputs = Array.from({ length: CALLERS }, (_, i) => i);
    await Promise.all(
      inputs.map((i) => {
        const [company, wf] = i % 2 ? [a, wa] : [b, wb];
        return (i % 3 ? db : second).forCompany(company.companyId).healthLogs.record({
          workflowId: wf.workflowId,
          userId: company.userId,
          status: 'failed',
        });
      }),
    );
    const stamped = await rows<{ workflow_id: number; company_id: number }>(
      db,
      'select distinct "workflow_id", "company_id" from "health_logs" where "workflow_id" in (?, ?) order by "workflow_id"',
      [wa.workflowId, wb.workflowId],
    );
    expect(stamped.map((r) => [Number(r.workflow_id), Number(r.company_id)])).toEqual(
      [
        [wa.workflowId, a.companyId],
        [wb.workflowId, b.companyId],
      ].sort((x, y) => x[0] - y[0]),
    );
    expect(Number((await workflowRow(db, wa.workflowId)).total_uses)).toBe(CALLERS / 2);
    expect(Number((await workflowRow(db, wb.workflowId)).total_uses)).toBe(CALLERS / 2);
  });
});
