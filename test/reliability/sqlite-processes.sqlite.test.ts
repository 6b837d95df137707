import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { CHILD_TEST_TIMEOUT_MS, runNodeForJson } from '../support/child-process.js';
import { requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// SQLite-only: several processes sharing one database file is SQLite's concurrency model
// (PostgreSQL's is many connections, in concurrency.postgresql.test.ts). The load: PROCESSES
// processes, each running OPS rounds of 5 calls (create a workflow with 2 steps, record a run on
// one of 3 shared workflows, dedupe one of 3 shared images, update, list) as fast as it can.
const PROCESSES = 4;
const OPS = Number(process.env.OVERLAY_STRESS ? 200 : 25);
const tsx = createRequire(import.meta.url).resolve('tsx');
const writer = resolve(__dirname, 'support/sqlite-writer.ts');

describe.runIf(requestedDialects().includes('sqlite'))(
  `${PROCESSES} processes writing one SQLite file [sqlite]`,
  () => {
    let db: Database;
    let url: string;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      const opened = await openTestDatabase('sqlite');
      ({ db, dispose } = opened);
      url = opened.target.url;
    });
    afterAll(async () => dispose?.());

    it(
      `${PROCESSES} × ${OPS} rounds: no "database is locked", no lost update, no duplicate`,
      async () => {
        const company = await seedCompany(db);
        const t = db.forCompany(company.companyId);
        const shared: number[] = [];
        for (const i of [1, 2, 3]) {
          shared.push(
            (await t.workflows.create({ name: `shared ${i}`, startingUrl: 'https://x.test', steps: [stepInput()] })).id,
          );
        }
        const results = await Promise.all(
          Array.from({ length: PROCESSES }, (_, w) =>
            runNodeForJson<{ ok: number; errors: string[] }>(['--import', tsx, writer], {
              env: {
                ...process.env,
                URL: url,
                COMPANY: String(company.companyId),
                USER: String(company.userId),
                SHARED: shared.join(','),
                OPS: String(OPS),
                WORKER: String(w),
              },
            }),
          ),
        );
        expect(results.flatMap((r) => r.errors)).toEqual([]);
        expect(results.map((r) => r.ok)).toEqual(Array(PROCESSES).fill(OPS));

        const [counts] = await sql<Record<string, number>>(
          db,
          `select (select count(*) from workflows) as workflows, (select count(*) from steps) as steps,
              (select count(*) from health_logs) as logs, (select count(*) from screenshots) as shots,
              (select sum(total_uses) from workflows) as uses`,
        );
        expect(counts).toEqual({
          workflows: 3 + PROCESSES * OPS,
          steps: 3 + 2 * PROCESSES * OPS,
          logs: PROCESSES * OPS,
          shots: 3,
          uses: PROCESSES * OPS,
        });
        expect(await sql(db, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
        expect(await sql(db, 'pragma foreign_key_check')).toEqual([]);
      },
      CHILD_TEST_TIMEOUT_MS,
    );
  },
);
