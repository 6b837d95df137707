import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FAILED_RUNS_INDEX_MIGRATION,
  HEALTH_SUMMARY_INDEX_MIGRATION,
  INITIAL_MIGRATION,
} from '../../migrations/index.js';
import { FIXTURE_REVISION, loadAlembicFixture, rawQuery, snapshotDatabase } from '../fixtures/alembic-fixture.js';
import { cli as runInProcess } from '../support/cli-in-process.js';
import { createTestDatabase, describeEachDialect, requestedDialects, type TestDatabase } from '../support/dialects.js';

const cli = (argv: string[], cwd?: string) => runInProcess(argv, { cwd });

// Issue 16 item 6: `overlay-db status` is a deploy gate, like `prisma migrate status`: it says
// where the database is, exits 0 only when nothing is pending and the schema has not drifted.
describeEachDialect('overlay-db status', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  const status = (...extra: string[]) => cli(['status', ...extra, '--url', target.url]);

  it('exits 1 while migrations are pending, naming them, and 0 once the database is at head', async () => {
    expect((await cli(['upgrade', INITIAL_MIGRATION, '--url', target.url])).code).toBe(0);
    const pending = await status();
    expect(pending.code).toBe(1);
    expect(pending.stdout.split('\n')).toEqual([
      `Current: ${INITIAL_MIGRATION}`,
      `Pending: ${HEALTH_SUMMARY_INDEX_MIGRATION}, ${FAILED_RUNS_INDEX_MIGRATION}`,
      'Schema: not compared while migrations are pending',
      'Not up to date: 2 migrations pending; run `overlay-db upgrade head`.',
      '',
    ]);
    expect(JSON.parse((await status('--json')).stdout)).toMatchObject({
      ok: false,
      command: 'status',
      current: INITIAL_MIGRATION,
      pending: [HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION],
      inSync: null,
      upToDate: false,
    });

    expect((await cli(['upgrade', 'head', '--url', target.url])).code).toBe(0);
    const upToDate = await status();
    expect(upToDate).toMatchObject({ code: 0 });
    expect(upToDate.stdout.split('\n')).toEqual([
      `Current: ${FAILED_RUNS_INDEX_MIGRATION} (head)`,
      'Pending: none',
      'Schema: in sync with the entities',
      'Up to date.',
      '',
    ]);
    expect(upToDate.stderr.split('\n')[0]).toMatch(/^Database: /);
  });

  it('exits 1 when the schema drifted at head, printing the statements as check does', async () => {
    expect((await cli(['upgrade', 'head', '--url', target.url])).code).toBe(0);
    await rawQuery(target, 'drop index workflows_status_index');
    const drifted = await status();
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(/^Schema: drift: 1 statement would bring the database in line with the entities:$/m);
    expect(drifted.stdout).toMatch(/^ {2}create index .*workflows_status_index.*;$/m);
    expect(drifted.stdout).toMatch(/\nNot up to date: the schema drifted\.\n$/);
    const doc = JSON.parse((await status('--json')).stdout);
    expect(doc).toMatchObject({ ok: false, upToDate: false, inSync: false, pending: [] });
  });

  it('on an empty database lists every migration as pending and creates no bookkeeping table', async () => {
    if (dialect === 'sqlite') await rawQuery(target, 'create table unrelated (id integer primary key)');
    const before = await snapshotDatabase(target);
    const fresh = await status();
    expect(fresh.code).toBe(1);
    expect(fresh.stdout.split('\n').slice(0, 2)).toEqual([
      'Current: base (no migration applied)',
      `Pending: ${INITIAL_MIGRATION}, ${HEALTH_SUMMARY_INDEX_MIGRATION}, ${FAILED_RUNS_INDEX_MIGRATION}`,
    ]);
    expect(await snapshotDatabase(target)).toEqual(before);
  });

  it('refuses a database made by the Python backend, naming its Alembic revision and adopt', async () => {
    await loadAlembicFixture(target);
    const bytes = dialect === 'sqlite' ? readFileSync(target.name) : undefined;
    const refused = await status();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')[1]).toBe(
      `error MIGRATION_FAILED: This database was made by the Python backend (Alembic revision ${FIXTURE_REVISION}): ` +
        'nothing was changed. Take it over once with `overlay-db adopt` (or `db.migrator.adopt()`), then upgrade',
    );
    if (bytes) {
      expect(readFileSync(target.name).equals(bytes)).toBe(true);
      expect(readdirSync(dirname(target.name))).toEqual(['test.db']);
    }
  });
});

describe.runIf(requestedDialects().includes('sqlite'))('overlay-db status on a SQLite path with no file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-cli-status-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails with DATABASE_ERROR: no database at …, and creates nothing', async () => {
    const path = join(dir, 'missing.db');
    const { code, stdout, stderr } = await cli(['status', '--url', `sqlite:///${path}`], dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `Database: sqlite:///${path} (--url)`,
      `error DATABASE_ERROR: no database at ${path}`,
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('overlay-db help lists status', () => {
  it('in the command list and as its own topic', async () => {
    const help = await cli(['help']);
    expect(help.stdout).toMatch(/^ {2}status +.*exit 1 when migrations are pending or the schema drifted/m);
    const topic = await cli(['status', '--help']);
    expect(topic.code).toBe(0);
    expect(topic.stdout).toMatch(/^Usage: overlay-db status\n/);
  });
});
