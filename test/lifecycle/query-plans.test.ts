import { afterAll, beforeAll, expect, it } from 'vitest';
import { observeStatements } from '../../src/executor/statement-log.js';
import type { Database } from '../../src/index.js';
import { encodeCursor } from '../../src/tenant/cursor.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { loadBetterSqlite3, stat4CostRatios } from '../support/stat4-cost.js';
import { rows, seedCompany, seedWorkflow, type TestCompany } from './fixtures.js';

const COMPANIES = 6;
const WORKFLOWS_PER_COMPANY = 4;
const LOGS_PER_WORKFLOW = 1000;
const NOTIFICATIONS_PER_COMPANY = 3000;

// The statements the repositories send, read from the executor as they run and explained with
// their parameters, over thousands of rows spread across several companies (and ANALYZEd), so the
// planner's choice is the real one.
describeEachDialect('query plans of the lifecycle hot paths', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let file = '';
  const companies: { company: TestCompany; workflowIds: number[]; stepIds: number[] }[] = [];

  /** Every line of the plan of `sql`. */
  async function plan(statement: { sql: string; params: unknown[] }): Promise<string> {
    if (dialect === 'sqlite') {
      const out = await rows<{ detail: string }>(db, `explain query plan ${statement.sql}`, statement.params);
      return out.map((r) => r.detail).join('\n');
    }
    const out = await rows<Record<string, string>>(db, `explain ${statement.sql}`, statement.params);
    return out.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** The statements the library sent while `call` ran, as it sent them. */
  async function statementsOf(call: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
    const sent: { sql: string; params: unknown[] }[] = [];
    observeStatements(db.orm.config, (event) => sent.push({ sql: event.sql, params: [...event.params] }));
    try {
      await call();
    } finally {
      observeStatements(db.orm.config, () => undefined);
    }
    return sent;
  }

  /** The plan reads `table` through one of `indexes` (any of them), never a full scan. */
  function expectIndexed(text: string, table: string, alias: string, indexes: string | string[]) {
    const names = typeof indexes === 'string' ? [indexes] : indexes;
    expect(
      names.some((name) => text.includes(name)),
      text,
    ).toBe(true);
    if (dialect === 'sqlite') {
      expect(text).not.toMatch(new RegExp(`^SCAN (${table}|${alias})\\b`, 'm'));
    } else {
      expect(text).not.toContain(`Seq Scan on ${table}`);
    }
  }

  beforeAll(async () => {
    let target: { name: string };
    ({ db, dispose, target } = await openTestDatabase(dialect));
    file = target.name;
    const targets: { companyId: number; workflowId: number; userId: number; stepId: number }[] = [];
    for (let c = 0; c < COMPANIES; c++) {
      const company = await seedCompany(db);
      const workflowIds: number[] = [];
      let stepIds: number[] = [];
      for (let w = 0; w < WORKFLOWS_PER_COMPANY; w++) {
        const wf = await seedWorkflow(db, company.companyId, { steps: 3 });
        workflowIds.push(wf.workflowId);
        stepIds = wf.stepIds;
        targets.push({
          companyId: company.companyId,
          workflowId: wf.workflowId,
          userId: company.userId,
          stepId: wf.stepIds[0],
        });
      }
      companies.push({ company, workflowIds, stepIds });
    }
    // Rows arrive interleaved across companies and workflows, as they do in production (a bulk
    // insert per tenant clusters the table by company; PostgreSQL, which assumes company_id and
    // workflow_id independent, then prefers the company index unless it has dependency statistics).
    const logTargets = targets
      .map((t, i) => `(${i}, ${t.companyId}, ${t.workflowId}, ${t.userId}, ${t.stepId})`)
      .join(', ');
    await rows(
      db,
      `${series(targets.length * LOGS_PER_WORKFLOW)}, t(i, company_id, workflow_id, user_id, step_id) as (values ${logTargets}) ` +
        'insert into "health_logs" ("company_id", "workflow_id", "step_id", "user_id", "status", "created_at") ' +
        `select t.company_id, t.workflow_id, case when g.n % 7 = 0 then t.step_id else null end, t.user_id, ` +
        `case when g.n % 7 = 0 then 'failed' else 'success' end, ${minutesAgo('g.n', 2)} ` +
        `from g join t on t.i = g.n % ${targets.length}`,
    );
    const companyTargets = companies.map((c, i) => `(${i}, ${c.company.companyId})`).join(', ');
    await rows(
      db,
      `${series(COMPANIES * NOTIFICATIONS_PER_COMPANY)}, t(i, company_id) as (values ${companyTargets}) ` +
        'insert into "notifications" ("company_id", "type", "severity", "title", "read", "created_at") ' +
        `select t.company_id, 'workflow_broken', 'error', 'alert', (g.n % 10 <> 0), ${minutesAgo('g.n', 1)} ` +
        `from g join t on t.i = g.n % ${COMPANIES}`,
    );
    await rows(db, 'analyze');
  });
  afterAll(async () => dispose());

  /** A CTE `g(n)` of 1..count. */
  function series(count: number): string {
    return dialect === 'postgresql'
      ? `with g(n) as (select generate_series(1, ${count}))`
      : `with recursive g(n) as (select 1 union all select n + 1 from g where n < ${count})`;
  }

  /** A timestamp `n * minutes` minutes before now, in the column's stored form. */
  function minutesAgo(n: string, minutes: number): string {
    return dialect === 'postgresql'
      ? `now() - ${n} * interval '${minutes} minutes'`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (${n} * ${minutes}) || ' minutes')`;
  }

  it('has the data it claims', async () => {
    const [{ logs }] = await rows<{ logs: number }>(db, 'select count(*) as logs from "health_logs"');
    const [{ notes }] = await rows<{ notes: number }>(db, 'select count(*) as notes from "notifications"');
    expect(Number(logs)).toBe(COMPANIES * WORKFLOWS_PER_COMPANY * LOGS_PER_WORKFLOW);
    expect(Number(notes)).toBe(COMPANIES * NOTIFICATIONS_PER_COMPANY);
  });

  it('notifications.list reads the (company_id, read, created_at) index, first page and deeper pages', async () => {
    const { company } = companies[2];
    const index = 'notifications_company_id_read_created_at_index';
    const variants = [
      { unreadOnly: false, cursor: null },
      { unreadOnly: true, cursor: null },
      { unreadOnly: false, cursor: encodeCursor([false, new Date(Date.now() - 3600_000).toISOString(), 1_000_000]) },
      { unreadOnly: false, cursor: encodeCursor([true, new Date(Date.now() - 86_400_000).toISOString(), 1_000_000]) },
    ];
    for (const v of variants) {
      const sent = await statementsOf(() => db.forCompany(company.companyId).notifications.list({ ...v, limit: 50 }));
      expect(sent).toHaveLength(1);
      expectIndexed(await plan(sent[0]), 'notifications', 'n', index);
    }
  });

  // Both lead with (workflow_id, created_at); the planner may take either for a workflow's range.
  const FAILED_RUNS_INDEX = 'health_logs_failed_runs_index';
  const WINDOW_INDEXES = [
    'health_logs_workflow_id_created_at_index',
    'health_logs_workflow_id_created_at_covering_index',
  ];

  it('healthLogs.listByWorkflow reads a (workflow_id, created_at) index, first page and deeper pages', async () => {
    const { company, workflowIds } = companies[3];
    const index = WINDOW_INDEXES;
    for (const cursor of [null, encodeCursor([new Date(Date.now() - 5 * 86_400_000).toISOString(), 1_000_000])]) {
      const sent = await statementsOf(() =>
        db.forCompany(company.companyId).healthLogs.listByWorkflow(workflowIds[1], { limit: 50, cursor }),
      );
      expect(sent).toHaveLength(1);
      expectIndexed(await plan(sent[0]), 'health_logs', 'h', index);
    }
  });

  it('healthLogs.summary reads only the workflow’s range of a (workflow_id, created_at) index, its failures from the index of failed runs', async () => {
    const { company, workflowIds } = companies[4];
    const sent = await statementsOf(() => db.forCompany(company.companyId).healthLogs.summary(workflowIds[0]));
    // The time windows, the newest logs, the failing steps.
    expect(sent).toHaveLength(3);
    const [windows, , failingSteps] = sent;
    for (const statement of sent) {
      const text = await plan(statement);
      expectIndexed(text, 'health_logs', 'h', [...WINDOW_INDEXES, FAILED_RUNS_INDEX]);
    }
    // The failures (counted in the windows, grouped by step in the failing steps) are read from
    // the index that holds only failed runs (migration 0003), not from the whole window.
    expect(await plan(failingSteps)).toContain(FAILED_RUNS_INDEX);
    expect(await plan(windows)).toContain(FAILED_RUNS_INDEX);
    if (dialect === 'sqlite') {
      // SQLite-only: its plans name an index-only read (migration 0002's index covers the columns
      // the runs are counted by). PostgreSQL picks an index-only scan or not by its statistics
      // and visibility map.
      expect(await plan(windows)).toContain('USING COVERING INDEX health_logs_workflow_id_created_at_covering_index');
      expect(await plan(failingSteps)).toContain(`USING COVERING INDEX ${FAILED_RUNS_INDEX}`);
    }
  });

  // better-sqlite3 is built with SQLITE_ENABLE_STAT4: on an ANALYZEd file a statement whose plan a
  // bound value could change is prepared again on every run (see test/support/stat4-cost.ts).
  // SQLite only (PostgreSQL has no such statistics); the statements run on better-sqlite3 whatever
  // driver the library uses here.
  it('healthLogs.summary sends statements that SQLite does not prepare again on every call [sqlite]', async (context) => {
    if (dialect !== 'sqlite' || loadBetterSqlite3() === undefined) return context.skip();
    // ANALYZE writes sqlite_stat4 only through a driver built with STAT4 (not node:sqlite's).
    const stat4 = await rows(db, "select 1 from sqlite_master where name = 'sqlite_stat4'", []);
    if (stat4.length === 0) return context.skip();
    const { company, workflowIds } = companies[4];
    const sent = await statementsOf(() => db.forCompany(company.companyId).healthLogs.summary(workflowIds[0]));
    const ratios = stat4CostRatios(file, sent);
    // Re-prepared on every run: several times the cost; planned once: about 1×.
    for (const [k, ratio] of ratios.entries()) {
      expect(ratio, `${ratio.toFixed(2)}× with sqlite_stat4: ${sent[k].sql}`).toBeLessThan(2);
    }
  });
});
