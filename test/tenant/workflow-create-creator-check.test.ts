import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenantScope, type Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { recordStatements, type SeededCompany, seedCompany, snapshotAll, stepInput } from './fixtures.js';

// workflows.create checks its creator inside the insert (one statement, not a check and then an
// insert), and takes the row back out when the creator is not the company's: a host whose
// transaction the call joined may catch the error and commit, and must find nothing written.
describeEachDialect('workflows.create: the creator checked in the insert', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let globex: SeededCompany;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seedCompany(db, 'Acme');
    globex = await seedCompany(db, 'Globex');
  });
  afterAll(async () => dispose());

  it('sends begin, the insert, the steps and commit: no statement of its own for the check', async () => {
    const statements = recordStatements(db);
    const wf = await db
      .forCompany(acme.companyId)
      .workflows.create({ name: 'W', startingUrl: 'u', createdBy: acme.adminId, steps: [stepInput()] });
    expect(wf.createdBy?.id).toBe(acme.adminId);
    expect(statements.map((s) => s.sql.split(' ')[0])).toEqual(['begin', 'insert', 'insert', 'commit']);
  });

  it("writes nothing for another company's user, even in a host transaction that catches the error and commits", async () => {
    const before = await snapshotAll(db);
    const error = await db.fork().transactional(async (em) =>
      createTenantScope(em, acme.companyId)
        .workflows.create({ name: 'X', startingUrl: 'u', createdBy: globex.adminId, steps: [stepInput()] })
        .then(
          () => null,
          (e: unknown) => e,
        ),
    );
    expect(error).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'createdBy' });
    expect(await snapshotAll(db)).toBe(before);
  });
});
