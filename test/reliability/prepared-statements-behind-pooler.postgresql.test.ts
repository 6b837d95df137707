import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type Database, DatabaseError, openDatabase } from '../../src/index.js';
import { component } from '../support/components.js';
import { createTestDatabase, type TestDatabase } from '../support/dialects.js';
import { PG_VIA_POOLER, requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { pgbouncerClients } from '../support/pgbouncer.js';
import { seedCompany } from '../tenant/fixtures.js';

// PgBouncer 1.18 in transaction mode (scripts/components/pgbouncer.sh) hands each transaction the
// server connection that is free: a statement that pg prepared under a name on one server connection
// is missing on the next (26000), and a new client's Parse meets the name another client left on
// its connection (42P05). With `preparedStatements` left on behind it, every call must either give
// the right rows or fail with the one documented error that says what to change; with
// `preparedStatements: false` the same calls succeed. Each test has a database of its own, so its
// PgBouncer pool has no server connection the test did not cause, and the sequences below are exact:
// PgBouncer hands a transaction an idle server connection before it opens another. The library's
// own setup (migrate, seed, checks) goes straight to the server (`directUrl`), in either run.
const bouncer = requestedDialects().includes('postgresql') ? await component('pgbouncer') : undefined;

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable') && bouncer)(
  'prepared statements behind PgBouncer in transaction mode [postgresql]',
  () => {
    let target: TestDatabase;
    let companyId: number;
    const open: Database[] = [];
    const pooled = () => new URL(target.name, bouncer!.OVERLAY_TEST_PGBOUNCER_URL).toString();
    const through = async (options: { preparedStatements?: boolean; max?: number } = {}) => {
      const db = await openDatabase({
        url: pooled(),
        pool: { min: 0, max: options.max ?? 1 },
        ...(options.preparedStatements === undefined ? {} : { preparedStatements: options.preparedStatements }),
      });
      open.push(db);
      return db;
    };
    /** A client of PgBouncer that holds one server connection in an open transaction. */
    const holdAServerConnection = async () => {
      const holder = new pg.Client({ connectionString: pooled() });
      await holder.connect();
      await holder.query('begin');
      await holder.query('select 1');
      return async () => {
        await holder.query('commit');
        await holder.end();
      };
    };
    const expectPoolerError = (error: unknown) => {
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toHaveProperty('code', 'DATABASE_ERROR');
      expect(error).toHaveProperty('name', 'PreparedStatementsUnsupportedError');
      expect((error as Error).message).toMatch(/preparedStatements: false/);
      expect((error as Error).message).toMatch(/max_prepared_statements/);
    };

    // Migrated and seeded directly on the server, so PgBouncer's pool starts empty.
    const prepare = async () => {
      target = await createTestDatabase('postgresql');
      const direct = await openDatabase({ url: target.directUrl, migrate: true });
      try {
        ({ companyId } = await seedCompany(direct, 'Acme'));
      } finally {
        await direct.close();
      }
    };

    afterEach(async () => {
      for (const db of open.splice(0)) await db.close();
      await target?.drop();
    });

    it('a statement prepared on one server connection and run on another is the documented error', async () => {
      await prepare();
      const db = await through();
      const acme = db.forCompany(companyId);
      // Prepared on the pool's one server connection.
      expect((await acme.workflows.list()).items).toEqual([]);
      // That connection is now another client's, so the next call gets a fresh one without the statement.
      const release = await holdAServerConnection();
      try {
        const error = await acme.workflows.list().then(
          () => undefined,
          (e: unknown) => e,
        );
        expectPoolerError(error);
      } finally {
        await release();
      }
    });

    it('a new client preparing a name another client left on the server connection is the documented error', async () => {
      await prepare();
      const first = await through();
      expect((await first.forCompany(companyId).workflows.list()).items).toEqual([]);
      await first.close();
      open.splice(open.indexOf(first), 1);
      // The pool's only server connection holds the statements of the first client, among them the
      // one openDatabase runs to check the connection: the second client's Parse of it is refused.
      const error = await through().then(
        () => undefined,
        (e: unknown) => e,
      );
      expectPoolerError(error);
    });

    it('inside a transaction the error is not retried: the work ran once and nothing was written', async () => {
      await prepare();
      const db = await through();
      const acme = db.forCompany(companyId);
      expect((await acme.workflows.list()).items).toEqual([]);
      const release = await holdAServerConnection();
      let runs = 0;
      try {
        const error = await db
          .transaction(async (tx) => {
            runs++;
            const scope = tx.forCompany(companyId);
            await scope.notifications.create({ type: 'workflow_healed', title: 'written before the failure' });
            return scope.workflows.list();
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expectPoolerError(error);
      } finally {
        await release();
      }
      expect(runs).toBe(1);
      const direct = await openDatabase({ url: target.directUrl, preparedStatements: false });
      open.push(direct);
      expect((await direct.forCompany(companyId).notifications.list()).items).toEqual([]);
    });

    it('many concurrent calls each give the right rows or the documented error, never anything else', async () => {
      await prepare();
      const seeded = await openDatabase({ url: target.directUrl, preparedStatements: false });
      open.push(seeded);
      const wf = await seeded.forCompany(companyId).workflows.create({ name: 'W', startingUrl: 'https://x.test' });
      const db = await through({ max: 10 });
      const acme = db.forCompany(companyId);
      for (let round = 0; round < 5; round++) {
        const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => acme.workflows.get(wf.id)));
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') expect(outcome.value?.name).toBe('W');
          else expectPoolerError(outcome.reason);
        }
      }
      // With one server connection taken by another client, more of the calls land where their statement is not.
      const release = await holdAServerConnection();
      try {
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => acme.workflows.get(wf.id)));
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') expect(outcome.value?.name).toBe('W');
          else expectPoolerError(outcome.reason);
        }
      } finally {
        await release();
      }
    });

    it('with preparedStatements: false the same sequences give the right rows', async () => {
      await prepare();
      const first = await through({ preparedStatements: false });
      expect((await first.forCompany(companyId).workflows.list()).items).toEqual([]);
      const release = await holdAServerConnection();
      try {
        expect((await first.forCompany(companyId).workflows.list()).items).toEqual([]);
      } finally {
        await release();
      }
      const second = await through({ preparedStatements: false, max: 10 });
      const results = await Promise.all(
        Array.from({ length: 30 }, () => second.forCompany(companyId).workflows.list()),
      );
      expect(results.every((page) => page.items.length === 0)).toBe(true);
    });
  },
);

// The run of the tenant, services and security suites through PgBouncer (.ci/run's pooler step) is
// worth something only if their databases really are opened through it.
describe.runIf(PG_VIA_POOLER && inject('postgresAvailable'))('OVERLAY_TEST_PG_VIA=pgbouncer [postgresql]', () => {
  it('opens the test databases through PgBouncer, with preparedStatements: false', async () => {
    const { db, target, dispose } = await openTestDatabase('postgresql');
    try {
      expect(target.openOptions).toEqual({ preparedStatements: false });
      expect(new URL(target.url).port).toBe(new URL(process.env.OVERLAY_TEST_PGBOUNCER_URL!).port);
      await db.forCompany(1).workflows.list();
      expect(await pgbouncerClients(target.name)).toBeGreaterThanOrEqual(1);
    } finally {
      await dispose();
    }
  });
});
