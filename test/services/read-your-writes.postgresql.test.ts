import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  authenticate,
  Company,
  createAdmin,
  createCompany,
  type Database,
  dedupeScreenshot,
  joinCompany,
  openDatabase,
  Workflow,
} from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/dialects.js';
import { requestedDialects } from '../support/env.js';
import { PNG_3X2 } from './image-fixtures.js';

// PostgreSQL-only: read replicas are a PostgreSQL feature of openDatabase. The "replica" here is a
// second, empty database: a replica that lags forever. Every read a service makes to decide a
// write must go to the primary, or a company created a moment ago would be NOT_FOUND.
describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  'services read their own writes with a read replica configured [postgresql]',
  () => {
    let primary: TestDatabase;
    let replica: TestDatabase;
    let db: Database;
    beforeAll(async () => {
      [primary, replica] = await Promise.all([createTestDatabase('postgresql'), createTestDatabase('postgresql')]);
      await (await openDatabase({ ...replica.openOptions, url: replica.url, migrate: true })).close();
      db = await openDatabase({ ...primary.openOptions, url: primary.url, migrate: true, replicas: [replica.url] });
    });
    afterAll(async () => {
      await db?.close();
      await Promise.all([primary?.drop(), replica?.drop()]);
    });

    it('creates, joins, signs in and dedupes right after each write', async () => {
      const company = await createCompany(db, { name: 'Acme' });
      // The premise: an ordinary read outside a transaction goes to the (empty) replica.
      expect(await db.fork().count(Company, {})).toBe(0);

      const admin = await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: 'replica pa55' });
      const bob = await joinCompany(db, {
        inviteToken: company.inviteToken,
        email: 'bob@acme.test',
        password: 'replica pa55',
      });
      expect([admin.role, bob.role]).toEqual(['admin', 'regular']);
      expect((await authenticate(db, { email: 'bob@acme.test', password: 'replica pa55' }))?.id).toBe(bob.id);

      const em = db.fork();
      const workflow = em.create(Workflow, { company: company.id, name: 'W', startingUrl: 'https://w.test' });
      await em.flush();
      const first = await dedupeScreenshot(db, { companyId: company.id, workflowId: workflow.id, content: PNG_3X2 });
      const again = await dedupeScreenshot(db, { companyId: company.id, workflowId: workflow.id, content: PNG_3X2 });
      expect(again).toMatchObject({ deduplicated: true, screenshot: { id: first.screenshot.id } });
    });
  },
);
