import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeStatements } from '../../src/executor/statement-log.js';
import type { Database } from '../../src/index.js';
import { requestedDialects } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { loadBetterSqlite3, stat4CostRatios } from '../support/stat4-cost.js';
import { type SeededCompany, seedCompany, sql, stepInput } from './fixtures.js';

const COMPANIES = 5;
const WORKFLOWS_PER_COMPANY = 40;

// better-sqlite3 is built with SQLITE_ENABLE_STAT4: after ANALYZE (a host's, or `PRAGMA optimize`)
// a statement whose plan a bound value could change is prepared again on every run. A workflow's
// steps are read by every getWithSteps and steps.listByWorkflow: with a workflow of one step, the
// preparation is most of the statement's cost, so a statement prepared on every run shows.
const runs = requestedDialects().includes('sqlite') && loadBetterSqlite3() !== undefined;
(runs ? describe : describe.skip)('tenant reads on an ANALYZEd SQLite database [sqlite, better-sqlite3]', () => {
  let db: Database;
  let file: string;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let workflowId: number;

  beforeAll(async () => {
    const opened = await openTestDatabase('sqlite', { sqliteDriver: 'better-sqlite3' });
    ({ db, dispose } = opened);
    file = opened.target.name;
    for (let c = 0; c < COMPANIES; c++) {
      acme = await seedCompany(db, `Company ${c}`);
      const t = db.forCompany(acme.companyId);
      for (let w = 0; w < WORKFLOWS_PER_COMPANY; w++) {
        const steps = Array.from({ length: 1 + (w % 4) }, () => stepInput());
        const wf = await t.workflows.create({
          name: `W${w}`,
          startingUrl: 'https://a.test',
          createdBy: acme.adminId,
          steps,
        });
        if (steps.length === 1) workflowId = wf.id;
      }
    }
    await sql(db, 'analyze');
  });
  afterAll(async () => dispose());

  it('getWithSteps and steps.listByWorkflow send statements that are not prepared again on every call', async () => {
    const t = db.forCompany(acme.companyId);
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    observeStatements(db.orm.config, (event) => sent.push({ sql: event.sql, params: [...event.params] }));
    try {
      expect((await t.workflows.getWithSteps(workflowId))?.steps).toHaveLength(1);
      expect(await t.steps.listByWorkflow(workflowId)).toHaveLength(1);
    } finally {
      observeStatements(db.orm.config, () => undefined);
    }
    expect(sent).toHaveLength(3);
    const ratios = stat4CostRatios(file, sent);
    // Prepared on every run: 15× (measured); planned once: about 1×.
    for (const [k, ratio] of ratios.entries()) {
      expect(ratio, `${ratio.toFixed(2)}× with sqlite_stat4: ${sent[k].sql}`).toBeLessThan(2);
    }
  });

  it('users.list sends a statement that is not prepared again on every call', async () => {
    const t = db.forCompany(acme.companyId);
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    observeStatements(db.orm.config, (event) => sent.push({ sql: event.sql, params: [...event.params] }));
    try {
      expect((await t.users.list()).length).toBeGreaterThan(0);
    } finally {
      observeStatements(db.orm.config, () => undefined);
    }
    expect(sent).toHaveLength(1);
    const ratios = stat4CostRatios(file, sent);
    for (const [k, ratio] of ratios.entries()) {
      expect(ratio, `${ratio.toFixed(2)}× with sqlite_stat4: ${sent[k].sql}`).toBeLessThan(2);
    }
  });
});
