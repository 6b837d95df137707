import type { SqlEntityManager } from '@mikro-orm/sql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/index.js';
import { parseTimestamp } from '../../src/types/utc-datetime-type.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { rows, seedCompany, seedWorkflow } from './fixtures.js';

// Runs of one workflow are serialized by its row lock; the times they write must follow that
// order: the workflow's last-run times never move backwards and always equal the newest run's
// log, and notifications (and logs) are timestamped in the order they were written.

const BURSTS = 12;
const PER_BURST = 16;

function ms(value: unknown): number {
  if (value === null || value === undefined) return Number.NaN;
  return value instanceof Date ? value.getTime() : parseTimestamp(String(value)).getTime();
}

describeEachDialect('t.healthLogs.record: run times follow the order runs hold the workflow', (dialect) => {
  let db: Database;
  let second: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDatabase(dialect, { pool: { min: 0, max: 8 } });
    ({ db, dispose } = opened);
    // Another instance on the same database: on SQLite another connection, on PostgreSQL another pool.
    second = await openDatabase({ url: opened.target.url, pool: { min: 0, max: 8 } });
  });
  afterAll(async () => {
    await second.close();
    await dispose();
  });

  /** The workflow's last-run times and the newest log of each kind, in milliseconds. */
  async function observe(workflowId: number) {
    const [row] = await rows<Record<string, unknown>>(
      db,
      'select "last_successful_run", "last_failed_run" from "workflows" where "id" = ?',
      [workflowId],
    );
    const logs = await rows<{ status: string; created_at: unknown }>(
      db,
      'select "status", "created_at" from "health_logs" where "workflow_id" = ? order by "id"',
      [workflowId],
    );
    const newest = (failed: boolean) =>
      logs.filter((l) => (l.status === 'failed') === failed).reduce((max, l) => Math.max(max, ms(l.created_at)), -1);
    return {
      lastSuccessfulRun: ms(row.last_successful_run),
      lastFailedRun: ms(row.last_failed_run),
      newestSuccess: newest(false),
      newestFailure: newest(true),
      logTimes: logs.map((l) => ms(l.created_at)),
    };
  }

  async function notificationTimes(workflowId: number): Promise<number[]> {
    const found = await rows<{ created_at: unknown }>(
      db,
      'select "created_at" from "notifications" where "workflow_id" = ? order by "id"',
      [workflowId],
    );
    return found.map((n) => ms(n.created_at));
  }

  const nonDecreasing = (times: number[]) => times.every((t, i) => i === 0 || t >= times[i - 1]);

  it('a run that waited for the workflow is timestamped after the run that held it', async () => {
    const c = await seedCompany(db, { brokenAfterFailures: 2 });
    const { workflowId } = await seedWorkflow(db, c.companyId);
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Another instance records a failed run by hand, holding the workflow's row (and on SQLite
    // the write lock) from before this instance's run starts until after it has begun waiting.
    const other = (second.orm.em.fork() as SqlEntityManager).transactional(async (tx) => {
      const em = tx as SqlEntityManager;
      await em.execute('update "workflows" set "status" = "status" where "id" = ?', [workflowId]);
      locked();
      await gate;
      const at = new Date().toISOString();
      await em.execute(
        'insert into "health_logs" ("company_id", "workflow_id", "user_id", "status", "created_at") values (?, ?, ?, ?, ?)',
        [c.companyId, workflowId, c.userId, 'failed', at],
      );
      await em.execute(
        'update "workflows" set "total_uses" = "total_uses" + 1, "consecutive_failures" = "consecutive_failures" + 1, ' +
          '"last_failed_run" = ? where "id" = ?',
        [at, workflowId],
      );
      await em.execute(
        'insert into "notifications" ("company_id", "workflow_id", "type", "severity", "title", "read", "created_at") ' +
          'values (?, ?, ?, ?, ?, false, ?)',
        [c.companyId, workflowId, 'high_failure_rate', 'warning', 'Fails often', at],
      );
      return Date.parse(at);
    });
    await holding;
    const calledAt = Date.now();
    // This failure is the second in a row: it breaks the workflow and raises a notification.
    const run = db.forCompany(c.companyId).healthLogs.record({ workflowId, userId: c.userId, status: 'failed' });
    if (dialect === 'postgresql') {
      // Until the run waits for the row lock (SQLite's busy wait is not observable; there the
      // order is the same whether or not the run has reached its BEGIN yet).
      for (let waited = 0; ; waited += 20) {
        const [{ n }] = await rows<{ n: unknown }>(
          second,
          "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        if (Number(n) > 0) break;
        if (waited > 10_000) throw new Error('the run never waited for the row lock');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    // The other instance's run is written strictly later (by the clock) than this call started.
    while (Date.now() <= calledAt + 2) await new Promise((resolve) => setTimeout(resolve, 1));
    release();
    const otherAt = await other;
    const result = await run;

    expect(result.notification?.type).toBe('workflow_broken');
    expect(result.log.createdAt.getTime()).toBeGreaterThanOrEqual(otherAt);
    expect(result.notification!.createdAt.getTime()).toBeGreaterThanOrEqual(otherAt);
    const seen = await observe(workflowId);
    expect(seen.lastFailedRun).toBe(seen.newestFailure);
    expect(result.workflow.lastFailedRun?.getTime()).toBe(seen.newestFailure);
    expect(nonDecreasing(seen.logTimes)).toBe(true);
    expect(nonDecreasing(await notificationTimes(workflowId))).toBe(true);
  });

  it(`${BURSTS} bursts of ${PER_BURST} concurrent mixed runs: the last-run times never move backwards`, async () => {
    // Two failures in a row break the workflow and a success revives it: many notifications.
    const c = await seedCompany(db, { brokenAfterFailures: 2 });
    const { workflowId } = await seedWorkflow(db, c.companyId);
    let previous = { lastSuccessfulRun: -1, lastFailedRun: -1 };
    const problems: string[] = [];
    for (let burst = 0; burst < BURSTS; burst++) {
      const results = await Promise.allSettled(
        Array.from({ length: PER_BURST }, (_, i) =>
          (i % 2 ? second : db).forCompany(c.companyId).healthLogs.record({
            workflowId,
            userId: c.userId,
            status: (i + burst) % 3 === 0 ? 'success' : 'failed',
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const seen = await observe(workflowId);
      if (seen.lastFailedRun !== seen.newestFailure) {
        problems.push(`burst ${burst}: lastFailedRun ${seen.lastFailedRun} != newest failed log ${seen.newestFailure}`);
      }
      if (seen.lastSuccessfulRun !== seen.newestSuccess) {
        problems.push(
          `burst ${burst}: lastSuccessfulRun ${seen.lastSuccessfulRun} != newest log ${seen.newestSuccess}`,
        );
      }
      if (seen.lastFailedRun < previous.lastFailedRun || seen.lastSuccessfulRun < previous.lastSuccessfulRun) {
        problems.push(`burst ${burst}: a last-run time moved backwards`);
      }
      previous = seen;
    }
    const seen = await observe(workflowId);
    if (!nonDecreasing(seen.logTimes)) problems.push('health logs are not timestamped in the order they were written');
    const notes = await notificationTimes(workflowId);
    expect(notes.length).toBeGreaterThan(0);
    if (!nonDecreasing(notes)) problems.push('notifications are not timestamped in the order they were written');
    expect(problems).toEqual([]);
  });
});
