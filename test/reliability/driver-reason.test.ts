import { expect, it } from 'vitest';
import { OverlayDbError } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { seedCompany } from '../tenant/fixtures.js';

// Found by the hostile-input test: a PostgreSQL error whose first line has no " - " (no SQL prefix)
// lost the first two letters of its reason ("lue … out of range" for "value … out of range").
describeEachDialect('ids beyond the 32-bit id columns', (dialect) => {
  it('come back as an OverlayDbError whose reason is intact (PostgreSQL) or as missing (SQLite)', async () => {
    const { db, dispose } = await openTestDatabase(dialect);
    try {
      const company = await seedCompany(db);
      const outcome = await db
        .forCompany(company.companyId)
        .workflows.get(2 ** 31)
        .then(
          (value) => value,
          (error: unknown) => error,
        );
      if (dialect === 'sqlite') expect(outcome).toBeNull();
      else {
        expect(outcome).toBeInstanceOf(OverlayDbError);
        expect((outcome as OverlayDbError).code).toBe('DATABASE_ERROR');
        expect((outcome as Error).message).toMatch(/: value "2147483648" is out of range for type integer$/);
      }
    } finally {
      await dispose();
    }
  });
});
