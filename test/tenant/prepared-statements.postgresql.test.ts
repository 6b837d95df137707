import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query, withConnection } from '../../src/executor/executor.js';
import type { Database } from '../../src/index.js';
import { PG_VIA_POOLER, requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { seedCompany, stepInput } from './fixtures.js';

// PostgreSQL-only: server-side prepared statements are a PostgreSQL feature (SQLite's prepared
// statements live in the client and are bounded by its own cache). The hot statements are prepared
// once per connection; statements whose text varies with the data (long IN lists) must stay
// unnamed, or a long-lived connection would accumulate one per variant. The steps of a new
// workflow go in one statement whatever their number (their rows are one JSON parameter). With
// preparedStatements: false (a pooler without prepared-statement support), nothing is named.
// Not behind PgBouncer (OVERLAY_TEST_PG_VIA=pgbouncer): it counts the statements prepared on one
// server session, which a pooler in transaction mode does not give a client, and that run opens
// every database with preparedStatements: false (what happens with them on behind it is
// test/reliability/prepared-statements-behind-pooler.postgresql.test.ts).
describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable') && !PG_VIA_POOLER)(
  'named prepared statements on PostgreSQL [postgresql]',
  () => {
    let db: Database;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      // One connection, so every statement below and the check run on the same session.
      ({ db, dispose } = await openTestDatabase('postgresql', { pool: { min: 1, max: 1 } }));
    });
    afterAll(async () => dispose());

    // Unnamed itself, so that looking does not add to what it counts.
    async function prepared(): Promise<{ name: string; statement: string }[]> {
      const em = db.fork();
      return withConnection(em, () =>
        query<{ name: string; statement: string }>(
          em,
          'select "name", "statement" from pg_prepared_statements order by "name"',
          [],
          { prepare: false },
        ),
      );
    }

    it('prepares the fixed statements once, the steps of any workflow in one', async () => {
      const acme = await seedCompany(db, 'Acme');
      const t = db.forCompany(acme.companyId);
      // Workflows of 1 to 12 steps.
      let last = 0;
      for (let n = 1; n <= 12; n++) {
        const wf = await t.workflows.create({
          name: `W${n}`,
          startingUrl: 'u',
          steps: Array.from({ length: n }, () => stepInput()),
        });
        await t.workflows.getWithSteps(wf.id);
        await t.workflows.list({ limit: 5 });
        last = wf.id;
      }
      const first = await prepared();
      const ours = first.filter((p) => p.name.startsWith('overlay_'));
      expect(ours.length).toBeGreaterThan(0);
      // One statement for the steps of all twelve.
      const stepInserts = ours.filter((p) => p.statement.startsWith('insert into "steps"'));
      expect(stepInserts).toHaveLength(1);
      expect((await t.workflows.getWithSteps(last))?.steps.map((s) => s.stepNumber)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect(ours.every((p) => !p.statement.includes('$33'))).toBe(true);
      // The same calls again prepare nothing new.
      for (let n = 1; n <= 12; n++) await t.workflows.list({ limit: 5 });
      expect((await prepared()).length).toBe(first.length);
    });
  },
);

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  'preparedStatements: false on PostgreSQL [postgresql]',
  () => {
    let db: Database;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ db, dispose } = await openTestDatabase('postgresql', { pool: { min: 1, max: 1 }, preparedStatements: false }));
    });
    afterAll(async () => dispose());

    it('sends every statement unnamed, with the same results', async () => {
      const acme = await seedCompany(db, 'Acme');
      const t = db.forCompany(acme.companyId);
      const wf = await t.workflows.create({
        name: 'W',
        startingUrl: 'u',
        steps: Array.from({ length: 3 }, () => stepInput()),
      });
      expect((await t.workflows.getWithSteps(wf.id))?.steps.map((s) => s.stepNumber)).toEqual([1, 2, 3]);
      expect((await t.workflows.list({ limit: 5 })).items.map((w) => w.id)).toEqual([wf.id]);
      const em = db.fork();
      // Marked as a statement to prepare: with preparedStatements false it still goes unnamed.
      const named = await withConnection(em, () =>
        query<{ name: string }>(em, 'select "name" from pg_prepared_statements', []),
      );
      expect(named).toEqual([]);
    });
  },
);
