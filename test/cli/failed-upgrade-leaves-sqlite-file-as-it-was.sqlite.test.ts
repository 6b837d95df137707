import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError, openDatabase } from '../../src/index.js';
import { rawQuery } from '../fixtures/alembic-fixture.js';
import { cli } from '../support/cli-in-process.js';
import { createTestDatabase, requestedDialects, type TestDatabase } from '../support/dialects.js';

// Issue 16 item 6: a failed (not refused) run must leave a SQLite file byte for byte as it was.
// The run's transaction rolls back, but the library's connection had already switched the file
// from its rollback journal to WAL as it opened, which rewrites the file's header.
describe.runIf(requestedDialects().includes('sqlite'))('a failed migration run on a SQLite file', () => {
  let target: TestDatabase;
  let before: Buffer;
  beforeEach(async () => {
    target = await createTestDatabase('sqlite');
    // A file another program made (rollback journal, SQLite's default), whose index has the name
    // of one the initial migration creates: not refused (no table of ours), but the run fails.
    await rawQuery(target, 'create table legacy (id integer primary key, company_id integer)');
    await rawQuery(target, 'create index users_company_id_index on legacy (company_id)');
    await rawQuery(target, 'insert into legacy (id, company_id) values (1, 7)');
    expect(await rawQuery(target, 'pragma journal_mode')).toEqual([{ journal_mode: 'delete' }]);
    before = readFileSync(target.name);
  });
  afterEach(async () => target.drop());

  function expectUntouched() {
    expect(readdirSync(dirname(target.name))).toEqual(['test.db']);
    expect(readFileSync(target.name).equals(before)).toBe(true);
  }

  it('by overlay-db upgrade head leaves the file byte for byte as it was (journal mode included)', async () => {
    const { code, stderr } = await cli(['upgrade', 'head', '--url', target.url]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')[1]).toMatch(
      /^error MIGRATION_FAILED: Migration 0001_initial_schema \(up\) failed: .*users_company_id_index already exists/,
    );
    expectUntouched();
  });

  it('by openDatabase({ migrate: true }) leaves the file byte for byte as it was', async () => {
    const error = await openDatabase({ url: target.url, migrate: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expectUntouched();
  });

  it('the reading commands leave a file in rollback-journal mode as it was; a successful upgrade switches it to WAL', async () => {
    await rawQuery(target, 'drop index users_company_id_index');
    before = readFileSync(target.name);
    for (const command of [['current'], ['history'], ['check'], ['status']]) {
      const { code } = await cli([...command, '--url', target.url]);
      expect(code, command.join(' ')).not.toBe(2);
      expectUntouched();
    }
    expect((await cli(['upgrade', 'head', '--url', target.url])).code).toBe(0);
    expect(await rawQuery(target, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    const db = await openDatabase({ url: target.url });
    try {
      expect(await db.migrator.current()).toBe('0003_failed_runs_index');
    } finally {
      await db.close();
    }
  });
});
