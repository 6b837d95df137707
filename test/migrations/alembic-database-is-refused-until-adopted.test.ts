import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { INITIAL_MIGRATION, MigrationError, openDatabase } from '../../src/index.js';
import { FIXTURE_REVISION, loadAlembicFixture, rawQuery, snapshotDatabase } from '../fixtures/alembic-fixture.js';
import { cli } from '../support/cli-in-process.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

const REFUSAL = new RegExp(`made by the Python backend \\(Alembic revision ${FIXTURE_REVISION}\\).*overlay-db adopt`);

// Issue 16: `upgrade head` on the Python backend's database failed with "table companies already
// exists", left overlay_db_migrations behind and switched the SQLite file to WAL.
describeEachDialect('a database made by the Python backend is refused until adopted', (dialect) => {
  let target: TestDatabase;
  let before: { bytes?: Buffer; snapshot: unknown };
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
    await loadAlembicFixture(target);
    before = {
      bytes: dialect === 'sqlite' ? readFileSync(target.name) : undefined,
      snapshot: await snapshotDatabase(target),
    };
  });
  afterEach(async () => target.drop());

  /** Byte for byte on SQLite (and no -wal/-shm beside it); every table, row and constraint on PostgreSQL. */
  async function expectUntouched() {
    if (dialect === 'sqlite') {
      expect(existsSync(`${target.name}-wal`)).toBe(false);
      expect(existsSync(`${target.name}-shm`)).toBe(false);
      expect(readFileSync(target.name).equals(before.bytes!)).toBe(true);
    }
    expect(await snapshotDatabase(target)).toEqual(before.snapshot);
  }

  for (const command of [['upgrade', 'head'], ['current'], ['history']]) {
    it(`overlay-db ${command.join(' ')} names the Alembic revision and adopt, and changes nothing`, async () => {
      const { code, stdout, stderr } = await cli([...command, '--url', target.url]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^error MIGRATION_FAILED: /);
      expect(lines[1]).toMatch(REFUSAL);
      await expectUntouched();
    });
  }

  it('openDatabase({ migrate: true }) refuses with the same MigrationError and changes nothing', async () => {
    const error = await openDatabase({ url: target.url, migrate: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
    expect((error as Error).message).toMatch(REFUSAL);
    await expectUntouched();
  });

  it('a database at another Alembic revision is refused the same way, naming that revision', async () => {
    await rawQuery(target, 'update alembic_version set version_num = $1', ['ffffffffffff']);
    const { code, stderr } = await cli(['upgrade', 'head', '--url', target.url]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Alembic revision ffffffffffff\).*overlay-db adopt/);
  });

  it('after overlay-db adopt, upgrade head brings it to head', async () => {
    expect((await cli(['adopt', '--url', target.url])).code).toBe(0);
    const { code, stdout } = await cli(['upgrade', 'head', '--url', target.url]);
    expect(code).toBe(0);
    expect(stdout).not.toContain(INITIAL_MIGRATION);
    expect(JSON.parse((await cli(['current', '--json', '--url', target.url])).stdout)).toMatchObject({ head: true });
  });
});
