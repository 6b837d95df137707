import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION } from '../../migrations/index.js';
import { INITIAL_MIGRATION } from '../../src/index.js';
import { FIXTURE_REVISION, loadAlembicFixture, rawQuery } from '../fixtures/alembic-fixture.js';
import { cli } from '../support/cli-in-process.js';
import { createTestDatabase, describeEachDialect, requestedDialects, type TestDatabase } from '../support/dialects.js';

const PASSWORD = 's3cret-pw';

describeEachDialect('overlay-db (in process)', (dialect) => {
  let target: TestDatabase;
  let url: string;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
    url = target.url;
    if (dialect === 'postgresql') {
      // The test server trusts local connections, so a password in the URL is accepted and
      // ignored: every command below also proves that it is never printed.
      const withPassword = new URL(target.url);
      withPassword.password = PASSWORD;
      url = withPassword.toString();
    }
  });
  afterEach(async () => target.drop());

  const run = async (...argv: string[]) => {
    const result = await cli([...argv, '--url', url]);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    return result;
  };

  it('upgrade head applies the migrations and says which, and how long each took', async () => {
    const { code, stdout, stderr } = await run('upgrade', 'head');
    expect(code).toBe(0);
    // Every bundled migration, oldest first, then the summary: nothing else on stdout.
    expect(stdout).toMatch(
      new RegExp(
        `^Applied ${INITIAL_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Applied ${HEALTH_SUMMARY_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Applied ${FAILED_RUNS_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Upgraded to ${FAILED_RUNS_INDEX_MIGRATION}: 3 migrations applied in \\d+ ms\\.\\n$`,
      ),
    );
    expect(stderr).toMatch(/^Database: /);
    if (dialect === 'postgresql') expect(stderr).toContain(':***@');

    const again = await run('upgrade', 'head');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`Nothing to apply: the database is at ${FAILED_RUNS_INDEX_MIGRATION}.\n`);
  });

  it('upgrade <rev> takes a name or a prefix, and --json reports each migration', async () => {
    const { code, stdout } = await run('upgrade', '0001', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ ok: true, command: 'upgrade', current: INITIAL_MIGRATION });
    expect(doc.applied).toEqual([{ name: INITIAL_MIGRATION, ms: expect.any(Number) }]);
    expect(doc.database).not.toContain(PASSWORD);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    // Only up to the revision named: the newer ones stay pending.
    expect(JSON.parse((await run('current', '--json')).stdout)).toMatchObject({
      current: INITIAL_MIGRATION,
      head: false,
      pending: [HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION],
    });

    const byName = JSON.parse((await run('upgrade', HEALTH_SUMMARY_INDEX_MIGRATION, '--json')).stdout);
    expect(byName).toMatchObject({ ok: true, command: 'upgrade', current: HEALTH_SUMMARY_INDEX_MIGRATION });
    expect(byName.applied).toEqual([{ name: HEALTH_SUMMARY_INDEX_MIGRATION, ms: expect.any(Number) }]);

    const unknown = await run('upgrade', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      new RegExp(
        `^error INVALID_INPUT: Invalid to: unknown revision "nope"; known: ${INITIAL_MIGRATION}, ${HEALTH_SUMMARY_INDEX_MIGRATION}, ${FAILED_RUNS_INDEX_MIGRATION}$`,
        'm',
      ),
    );
  });

  it('downgrade -1, -N, <rev> and base revert and report', async () => {
    await run('upgrade', 'head');
    const one = await run('downgrade', '-1');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(
      new RegExp(
        `^Reverted ${FAILED_RUNS_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Downgraded to ${HEALTH_SUMMARY_INDEX_MIGRATION}: 1 migration reverted in \\d+ ms\\.\\n$`,
      ),
    );
    expect((await run('current')).stdout).toBe(`${HEALTH_SUMMARY_INDEX_MIGRATION}\n`);
    const oneMore = await run('downgrade', '-1');
    expect(oneMore.stdout).toMatch(
      new RegExp(`^Reverted ${HEALTH_SUMMARY_INDEX_MIGRATION} \\(\\d+ ms\\)\\nDowngraded to ${INITIAL_MIGRATION}: `),
    );
    expect((await run('current')).stdout).toBe(`${INITIAL_MIGRATION}\n`);
    const two = await run('downgrade', '-1');
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(
      new RegExp(
        `^Reverted ${INITIAL_MIGRATION} \\(\\d+ ms\\)\\nDowngraded to base: 1 migration reverted in \\d+ ms\\.\\n$`,
      ),
    );
    expect((await run('current')).stdout).toBe('base (no migration applied)\n');
    expect((await run('downgrade', '-1')).stdout).toBe('Nothing to revert: the database is at base.\n');

    await run('upgrade', 'head');
    const toRev = await run('downgrade', INITIAL_MIGRATION);
    expect(toRev.code).toBe(0);
    expect(toRev.stdout).toMatch(
      new RegExp(
        `^Reverted ${FAILED_RUNS_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Reverted ${HEALTH_SUMMARY_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Downgraded to ${INITIAL_MIGRATION}: 2 migrations reverted in \\d+ ms\\.\\n$`,
      ),
    );
    expect((await run('downgrade', INITIAL_MIGRATION)).stdout).toBe(
      `Nothing to revert: the database is at ${INITIAL_MIGRATION}.\n`,
    );

    // More steps than are applied revert all of them, newest first.
    await run('upgrade', 'head');
    const many = await run('downgrade', '-4', '--json');
    expect(JSON.parse(many.stdout)).toMatchObject({
      ok: true,
      command: 'downgrade',
      reverted: [
        { name: FAILED_RUNS_INDEX_MIGRATION },
        { name: HEALTH_SUMMARY_INDEX_MIGRATION },
        { name: INITIAL_MIGRATION },
      ],
      current: null,
    });

    await run('upgrade', 'head');
    const base = await run('downgrade', 'base');
    expect(base.code).toBe(0);
    expect(base.stdout).toMatch(
      new RegExp(
        `^Reverted ${FAILED_RUNS_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Reverted ${HEALTH_SUMMARY_INDEX_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Reverted ${INITIAL_MIGRATION} \\(\\d+ ms\\)\\n` +
          `Downgraded to base: 3 migrations reverted in \\d+ ms\\.\\n$`,
      ),
    );
  });

  it('current and history report the state, for people and as JSON', async () => {
    // An empty database (on SQLite a file with no table: a path with no file is no database).
    if (dialect === 'sqlite') writeFileSync(target.name, '');
    expect(JSON.parse((await run('current', '--json')).stdout)).toMatchObject({
      ok: true,
      current: null,
      head: false,
      pending: [INITIAL_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION],
    });
    // Names are padded to the longest, so the states line up.
    const at = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';
    expect((await run('history')).stdout).toBe(
      `${INITIAL_MIGRATION}        pending\n${HEALTH_SUMMARY_INDEX_MIGRATION}  pending\n${FAILED_RUNS_INDEX_MIGRATION}     pending  (head)\n`,
    );

    await run('upgrade', INITIAL_MIGRATION);
    expect((await run('current')).stdout).toBe(`${INITIAL_MIGRATION}\n`);
    expect((await run('history')).stdout).toMatch(
      new RegExp(
        `^${INITIAL_MIGRATION}        applied ${at}  \\(current\\)\\n${HEALTH_SUMMARY_INDEX_MIGRATION}  pending\\n${FAILED_RUNS_INDEX_MIGRATION}     pending  \\(head\\)\\n$`,
      ),
    );

    await run('upgrade', 'head');
    expect((await run('current')).stdout).toBe(`${FAILED_RUNS_INDEX_MIGRATION} (head)\n`);
    const history = await run('history');
    expect(history.stdout).toMatch(
      new RegExp(
        `^${INITIAL_MIGRATION}        applied ${at}\\n${HEALTH_SUMMARY_INDEX_MIGRATION}  applied ${at}\\n${FAILED_RUNS_INDEX_MIGRATION}     applied ${at}  \\(current, head\\)\\n$`,
      ),
    );
    const doc = JSON.parse((await run('history', '--json')).stdout);
    expect(doc.current).toBe(FAILED_RUNS_INDEX_MIGRATION);
    expect(doc.migrations).toEqual([
      { name: INITIAL_MIGRATION, applied: true, appliedAt: expect.any(String) },
      { name: HEALTH_SUMMARY_INDEX_MIGRATION, applied: true, appliedAt: expect.any(String) },
      { name: FAILED_RUNS_INDEX_MIGRATION, applied: true, appliedAt: expect.any(String) },
    ]);
    for (const m of doc.migrations) expect(new Date(m.appliedAt).getTime()).not.toBeNaN();
  });

  it('check exits 0 in sync and 1 on drift, printing the statements', async () => {
    await run('upgrade', 'head');
    const clean = await run('check');
    expect(clean).toMatchObject({ code: 0, stdout: 'In sync: the database schema matches the entities.\n' });

    await rawQuery(target, 'drop index workflows_status_index');
    const drift = await run('check');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/^Schema drift: \d+ statements? would bring the database in line/);
    expect(drift.stdout).toMatch(/^ {2}create index .*workflows_status_index.*;$/m);
    expect(drift.stderr).toMatch(/^error SCHEMA_DRIFT: /m);
    const doc = JSON.parse((await run('check', '--json')).stdout);
    expect(doc).toMatchObject({ ok: false, inSync: false, error: { code: 'SCHEMA_DRIFT' } });
    expect(doc.statements.join('\n')).toContain('workflows_status_index');
  });

  it('adopt takes over an Alembic database, then is a no-op', async () => {
    await loadAlembicFixture(target);
    const { code, stdout } = await run('adopt');
    expect(code).toBe(0);
    // Adopt brings the database to the initial migration and points at the newer ones.
    expect(stdout).toMatch(
      new RegExp(
        `^Adopted the Alembic database at revision ${FIXTURE_REVISION} as ${INITIAL_MIGRATION} in \\d+ ms\\.\\n` +
          '2 newer migrations pending: run `overlay-db upgrade head`\\.\\n$',
      ),
    );
    // Until then the schema lacks exactly what the newer migrations add.
    const behind = await run('check');
    expect(behind.code).toBe(1);
    expect(behind.stdout).toMatch(/^Schema drift: 2 statements would bring the database in line/);
    expect(behind.stdout).toMatch(/^ {2}create index .*health_logs_workflow_id_created_at_covering_index.*;$/m);
    expect(behind.stdout).toMatch(/^ {2}create index .*health_logs_failed_runs_index.*;$/m);

    const upgrade = await run('upgrade', 'head', '--json');
    expect(JSON.parse(upgrade.stdout).applied).toEqual([
      { name: HEALTH_SUMMARY_INDEX_MIGRATION, ms: expect.any(Number) },
      { name: FAILED_RUNS_INDEX_MIGRATION, ms: expect.any(Number) },
    ]);
    expect((await run('check')).code).toBe(0);
    const again = await run('adopt', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      adopted: false,
      fromRevision: null,
      current: FAILED_RUNS_INDEX_MIGRATION,
      pending: [],
    });
    const [{ n }] = await rawQuery<{ n: number | string }>(target, 'select count(*) as n from steps');
    expect(Number(n)).toBe(4);
  });

  it('a refused adopt exits 1 with one line (code and message) and no stack unless DEBUG', async () => {
    await loadAlembicFixture(target, { revision: 'ffffffffffff' });
    const refused = await run('adopt');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const errorLines = refused.stderr.split('\n').filter((l) => l.startsWith('error '));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^error MIGRATION_FAILED: Cannot adopt: .*ffffffffffff/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const debug = await cli(['adopt', '--url', url], { env: { DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).not.toContain(PASSWORD);

    const json = await run('adopt', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, command: 'adopt', error: { code: 'MIGRATION_FAILED' } });
  });
});

describe('overlay-db usage', () => {
  it('help lists every command; per-command help has the same text both ways', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    for (const word of ['upgrade', 'downgrade', 'current', 'history', 'check', 'adopt', '--url', '--json']) {
      expect(help.stdout).toContain(word);
    }
    expect((await cli(['--help'])).stdout).toBe(help.stdout);
    const upgrade = await cli(['help', 'upgrade']);
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toMatch(/^Usage: overlay-db upgrade head\|<rev>/);
    expect((await cli(['upgrade', '--help'])).stdout).toBe(upgrade.stdout);
    expect((await cli(['downgrade', '-h'])).stdout).toMatch(/^Usage: overlay-db downgrade -1\|-N\|<rev>\|base/);
  });

  it.each([
    [[], /no command given/],
    [['migrate'], /unknown command "migrate"/],
    [['upgrade'], /upgrade takes exactly one revision/],
    [['upgrade', 'head', 'extra'], /upgrade takes exactly one revision/],
    [['downgrade'], /downgrade takes exactly one revision/],
    [['downgrade', '-0'], /N of 1 or more/],
    [['current', 'now'], /current takes no argument/],
    [['check', '--bogus'], /unknown option --bogus/],
    [['history', '--url'], /argument missing/],
    [['help', 'nope'], /unknown command "nope"/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const result = await cli(argv as string[]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Run `overlay-db help/);
  });

  it('a bad URL is a one-line INVALID_DATABASE_URL failure that hides the password', async () => {
    const result = await cli(['current', '--url', 'mysql://admin:topsecret@db.example/app']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error INVALID_DATABASE_URL: /m);
    expect(result.stdout + result.stderr).not.toContain('topsecret');
  });
});

// SQLite-only: the default URL is a SQLite file; where the database is found does not depend on the dialect.
describe.runIf(requestedDialects().includes('sqlite'))('overlay-db database selection', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses --url, else DATABASE_URL, else sqlite:///./app.db in the working directory', async () => {
    const fromEnv = await cli(['upgrade', 'head'], { env: { DATABASE_URL: 'sqlite:///./env.db' }, cwd: dir });
    expect(fromEnv.code).toBe(0);
    expect(existsSync(join(dir, 'env.db'))).toBe(true);

    const fromFlag = await cli(['upgrade', 'head', '--url', 'sqlite:///./flag.db'], {
      env: { DATABASE_URL: 'mysql://nope' },
      cwd: dir,
    });
    expect(fromFlag.code).toBe(0);
    expect(existsSync(join(dir, 'flag.db'))).toBe(true);

    const byDefault = await cli(['upgrade', 'head'], { cwd: dir });
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).toContain(`Database: sqlite:///${join(dir, 'app.db')}`);
    expect(existsSync(join(dir, 'app.db'))).toBe(true);
  });
});
