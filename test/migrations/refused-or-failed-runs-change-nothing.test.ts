import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMigrationRunner, MigrationError, openDatabase } from '../../src/index.js';
import { rawQuery, snapshotDatabase } from '../fixtures/alembic-fixture.js';
import { cli } from '../support/cli-in-process.js';
import { createTestDatabase, describeEachDialect, requestedDialects, type TestDatabase } from '../support/dialects.js';
import { failsHalfway, withExtra } from '../support/test-migrations.js';

const BOOKKEEPING = 'overlay_db_migrations';

async function tableExists(target: TestDatabase, table: string): Promise<boolean> {
  const sql =
    target.dialect === 'sqlite'
      ? "select name from sqlite_master where type = 'table' and name = $1"
      : "select table_name from information_schema.tables where table_schema = 'public' and table_name = $1";
  return (await rawQuery(target, sql, [table])).length > 0;
}

// Issue 16: on a database that already had a `companies` table the initial migration failed with
// "table companies already exists", and the run left overlay_db_migrations behind (and on SQLite
// the file switched to WAL).
describeEachDialect('a refused or failed migration run leaves the database as it was', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  describe('a database with tables named as ours but no bookkeeping table is refused before a write', () => {
    let before: { bytes?: Buffer; snapshot: unknown };
    beforeEach(async () => {
      await rawQuery(target, 'create table companies (id integer primary key, name text)');
      await rawQuery(target, "insert into companies (id, name) values (1, 'theirs')");
      before = {
        bytes: dialect === 'sqlite' ? readFileSync(target.name) : undefined,
        snapshot: await snapshotDatabase(target),
      };
    });

    async function expectUntouched() {
      if (dialect === 'sqlite') {
        expect(readdirSync(dirname(target.name))).toEqual(['test.db']);
        expect(readFileSync(target.name).equals(before.bytes!)).toBe(true);
      }
      expect(await snapshotDatabase(target)).toEqual(before.snapshot);
    }

    it('by overlay-db upgrade head', async () => {
      const { code, stderr } = await cli(['upgrade', 'head', '--url', target.url]);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')[1]).toBe(
        `error MIGRATION_FAILED: This database has tables named as this library's (companies) but no ${BOOKKEEPING} ` +
          'table, so overlay-db did not make them and its migrations would collide with them: nothing was changed',
      );
      await expectUntouched();
    });

    it('by openDatabase({ migrate: true })', async () => {
      const error = await openDatabase({ url: target.url, migrate: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(/tables named as this library's \(companies\)/);
      await expectUntouched();
    });

    it('by the runner on an open database (the check a host ORM gets)', async () => {
      const db = await openDatabase({ url: target.url });
      try {
        await expect(db.migrator.up()).rejects.toThrow(/tables named as this library's \(companies\)/);
      } finally {
        await db.close();
      }
      expect(await tableExists(target, BOOKKEEPING)).toBe(false);
      expect(await snapshotDatabase(target)).toEqual(before.snapshot);
    });
  });

  it('a run that fails leaves no bookkeeping table behind', async () => {
    const db = await openDatabase({ url: target.url });
    try {
      const runner = createMigrationRunner(db.orm, { migrations: withExtra(dialect, failsHalfway) });
      await expect(runner.up()).rejects.toBeInstanceOf(MigrationError);
      expect(await runner.current()).toBeNull();
    } finally {
      await db.close();
    }
    expect(await tableExists(target, BOOKKEEPING)).toBe(false);
    expect(await tableExists(target, 'companies')).toBe(false);
  });

  it('current, history and pending on an empty database create no bookkeeping table', async () => {
    const db = await openDatabase({ url: target.url });
    try {
      expect(await db.migrator.current()).toBeNull();
      expect(await db.migrator.pending()).toHaveLength(3);
      expect((await db.migrator.history()).map((m) => m.applied)).toEqual([false, false, false]);
    } finally {
      await db.close();
    }
    expect(await tableExists(target, BOOKKEEPING)).toBe(false);
  });
});

describe.runIf(requestedDialects().includes('sqlite'))(
  'overlay-db upgrade <unknown rev> on a path with no file',
  () => {
    let target: TestDatabase;
    beforeEach(async () => {
      target = await createTestDatabase('sqlite');
    });
    afterEach(async () => target.drop());

    it('fails with INVALID_INPUT and creates nothing', async () => {
      const { code, stderr } = await cli(['upgrade', 'nope', '--url', target.url]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/error INVALID_INPUT: Invalid to: unknown revision "nope"/);
      expect(existsSync(target.name)).toBe(false);
      expect(readdirSync(dirname(target.name))).toEqual([]);
    });
  },
);
