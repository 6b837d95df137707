import type { SqlEntityManager } from '@mikro-orm/sql';
import { expect, it } from 'vitest';
import { convertError } from '../../src/database/convert-error.js';
import { query } from '../../src/executor/executor.js';
import { OverlayDbError } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

// Found by the hostile-input test: a PostgreSQL error whose first line has no " - " (no SQL prefix)
// lost the first two letters of its reason ("lue … out of range" for "value … out of range").
// Ids beyond the 32-bit id columns, which produced it, are now refused before any query
// (test/tenant/out-of-range-ids.test.ts): the same database error is made here by hand.
describeEachDialect('the database reason of a converted error', (dialect) => {
  it('keeps its first letters when the driver message has no statement prefix', async () => {
    const { db, dispose } = await openTestDatabase(dialect);
    try {
      const em = db.orm.em.fork() as SqlEntityManager;
      const sql = dialect === 'postgresql' ? 'select ?::int as v' : 'select * from "no_such_table" where ? = 1';
      const raw = await query(em, sql, ['2147483648']).then(
        () => new Error('the statement succeeded'),
        (error: unknown) => error as Error,
      );
      // The case of the bug: the statement is not in the driver's message.
      expect(raw.message.split('\n')[0]).not.toContain(' - ');
      const outcome = convertError(raw);
      expect(outcome).toBeInstanceOf(OverlayDbError);
      expect((outcome as OverlayDbError).code).toBe('DATABASE_ERROR');
      expect((outcome as Error).message).toMatch(
        dialect === 'postgresql'
          ? /: value "2147483648" is out of range for type integer$/
          : /no such table: no_such_table$/,
      );
    } finally {
      await dispose();
    }
  });
});
