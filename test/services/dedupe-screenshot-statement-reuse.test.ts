import type { SqlEntityManager } from '@mikro-orm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeStatements } from '../../src/executor/statement-log.js';
import { createCompany, type Database, dedupeScreenshot, Workflow } from '../../src/index.js';
import { requestedDialects } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { loadBetterSqlite3, stat4CostRatios } from '../support/stat4-cost.js';

const COMPANIES = 6;
const SCREENSHOTS_PER_COMPANY = 80;
const hashOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

// better-sqlite3 is built with SQLITE_ENABLE_STAT4: after ANALYZE (which a host, or `PRAGMA
// optimize`, may run at any time) a statement whose plan a bound value could change is prepared
// again on every run. The dedupe lookup is the hot path of every upload, so its statements must
// be ones SQLite plans without looking at the values.
const runs = requestedDialects().includes('sqlite') && loadBetterSqlite3() !== undefined;
(runs ? describe : describe.skip)('dedupeScreenshot on an ANALYZEd SQLite database [sqlite, better-sqlite3]', () => {
  let db: Database;
  let file: string;
  let dispose: () => Promise<void>;
  let target: { companyId: number; workflowId: number };

  beforeAll(async () => {
    const opened = await openTestDatabase('sqlite', { sqliteDriver: 'better-sqlite3' });
    ({ db, dispose } = opened);
    file = opened.target.name;
    let n = 0;
    for (let c = 0; c < COMPANIES; c++) {
      const companyId = (await createCompany(db, { name: `Company ${c}` })).id;
      const em = db.fork();
      const workflow = em.create(Workflow, { company: companyId, name: 'Checkout', startingUrl: 'https://shop.test/' });
      await em.flush();
      target = { companyId, workflowId: workflow.id };
      for (let s = 0; s < SCREENSHOTS_PER_COMPANY; s++) {
        await dedupeScreenshot(db, { ...target, hash: hashOf(++n), format: 'png' });
      }
    }
    await (db.fork() as SqlEntityManager).execute('analyze');
  });
  afterAll(async () => dispose());

  it('sends statements that are not prepared again on every call (stored and new hashes)', async () => {
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    observeStatements(db.orm.config, (event) => sent.push({ sql: event.sql, params: [...event.params] }));
    try {
      expect(
        (await dedupeScreenshot(db, { ...target, hash: hashOf(COMPANIES * SCREENSHOTS_PER_COMPANY), format: 'png' }))
          .deduplicated,
      ).toBe(true);
      expect((await dedupeScreenshot(db, { ...target, hash: hashOf(10_000), format: 'png' })).deduplicated).toBe(false);
    } finally {
      observeStatements(db.orm.config, () => undefined);
    }
    const reads = sent.filter((s) => /^\s*select/i.test(s.sql));
    expect(reads.length).toBeGreaterThan(0);
    const ratios = stat4CostRatios(file, reads);
    // Re-prepared on every run: 4-5× (measured); planned once: about 1×.
    for (const [k, ratio] of ratios.entries()) {
      expect(ratio, `${ratio.toFixed(2)}× with sqlite_stat4: ${reads[k].sql}`).toBeLessThan(2);
    }
  });
});
