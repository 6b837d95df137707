import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { afterEach, beforeEach, expect, it, onTestFinished } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION } from '../../migrations/index.js';
import { createMigrationRunner, type Database, openDatabase } from '../../src/index.js';
import { CHILD_HANG_GUARD_MS, CHILD_TEST_TIMEOUT_MS } from '../support/child-process.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';
import { addNote, withExtra } from '../support/test-migrations.js';
import { seedCompany, sql } from '../tenant/fixtures.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = resolve(__dirname, 'support/crash-child.ts');
const STEPS = 500;
/** An advisory-lock key of the test's own (the migration runner uses another). */
const BLOCKER_LOCK = 424242;

/** Starts the crash child; `lines` collects what it prints. */
interface CrashChild {
  proc: ChildProcess;
  lines: string[];
  stderr: string;
  exited: Promise<unknown>;
  /** Set once the child has exited. */
  exit?: { status: unknown };
}

function start(env: Record<string, string>): CrashChild {
  const proc = spawn(process.execPath, ['--import', tsx, child], { env: { ...process.env, ...env } });
  const lines: string[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const run: CrashChild = { proc, lines, stderr: '', exited: Promise.resolve() };
  proc.stderr?.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  run.exited = new Promise((resolve) =>
    proc.on('exit', (code, signal) => {
      run.exit = { status: signal ?? code };
      resolve(signal ?? code);
    }),
  );
  return run;
}

/**
 * Polls until `check` holds. Waits on the child, not a clock: it fails when the child exits first,
 * and the guard only stops a child that hangs.
 */
async function waitFor(run: CrashChild, check: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + CHILD_HANG_GUARD_MS;
  while (!(await check())) {
    if (run.exit) throw new Error(`the child exited (${String(run.exit.status)}) before it got there\n${run.stderr}`);
    if (Date.now() > until) throw new Error('the child hung');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SQLite's own checks of the file, and of every foreign key. */
async function expectSqliteClean(db: Database): Promise<void> {
  if (db.dialect !== 'sqlite') return;
  expect(await sql(db, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(await sql(db, 'pragma foreign_key_check')).toEqual([]);
}

class FastThird extends Migration {
  override up(): void {
    this.addSql('create table half_done (id integer primary key, note text)');
  }
  override down(): void {
    this.addSql('drop table half_done');
  }
}

describeEachDialect('SIGKILL in the middle of work', (dialect) => {
  let target: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'overlay-crash-'));
  });
  afterEach(async () => {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a migration run killed mid-migration leaves the previous revision; the next up() finishes',
    async () => {
      const seeded = await openDatabase({ url: target.url, migrate: true });
      const company = await seedCompany(seeded);
      await seeded.close();

      // PostgreSQL: the migration's last statement waits for this lock until the test lets go.
      const blocker = dialect === 'postgresql' ? new pg.Client({ connectionString: target.url }) : undefined;
      let blockerOpen = false;
      onTestFinished(async () => {
        if (blockerOpen) await blocker?.end();
      });
      await blocker?.connect();
      blockerOpen = blocker !== undefined;
      await blocker?.query(`select pg_advisory_lock(${BLOCKER_LOCK})`);
      const marker = join(dir, 'marker');
      const run = start({ URL: target.url, MODE: 'migrate', MARKER: marker, BLOCKER_LOCK: String(BLOCKER_LOCK) });
      await waitFor(run, () => existsSync(marker));
      if (blocker) {
        // Killed only once the blocked statement runs: everything before it in the run has executed.
        await waitFor(run, async () => {
          const { rows } = await blocker.query(
            `select 1 from pg_stat_activity where query = 'select pg_advisory_lock(${BLOCKER_LOCK})' and pid <> pg_backend_pid()`,
          );
          return rows.length > 0;
        });
      } else {
        await new Promise((r) => setTimeout(r, 500));
      }
      run.proc.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      // The killed client's backend gets the lock, finds its client gone and rolls back.
      blockerOpen = false;
      await blocker?.end();

      const db = await openDatabase({ url: target.url });
      try {
        const runner = createMigrationRunner(db.orm, {
          migrations: withExtra(dialect, addNote, { name: '0004_slow', class: FastThird }),
        });
        // Consistent: the killed run's migrations are all or nothing (here: nothing); the bundled
        // ones, applied before, stay.
        expect(await runner.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
        expect(await runner.pending()).toEqual([addNote.name, '0004_slow']);
        const [row] = await sql<{ name: string }>(db, 'select name from companies where id = ?', [company.companyId]);
        expect(row.name).toBe('Acme');
        await expect(sql(db, 'select * from half_done')).rejects.toThrow();
        await expectSqliteClean(db);
        // On PostgreSQL the killed client's backend runs its statement to the end (once the blocker
        // lets go) before it notices the client is gone and rolls back; until then it holds the
        // migration lock, so this up() waits for it rather than running beside it.
        expect(await runner.up()).toEqual([addNote.name, '0004_slow']);
        expect(await runner.current()).toBe('0004_slow');
        expect(await sql(db, 'select note from companies')).toHaveLength(1);
        await expectSqliteClean(db);
      } finally {
        await db.close();
      }
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    `workflows.create with ${STEPS} steps killed mid-flight: each workflow has all its steps or does not exist`,
    async () => {
      const seeded = await openDatabase({ url: target.url, migrate: true });
      const company = await seedCompany(seeded);
      await seeded.close();

      const run = start({ URL: target.url, MODE: 'create', COMPANY: String(company.companyId), STEPS: String(STEPS) });
      // A few creates commit, then the kill lands at a random moment of the next ones (the child
      // creates back to back, so it is inside a create nearly all the time).
      await waitFor(run, () => run.lines.length >= 2);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      run.proc.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      const printed = run.lines.filter((l) => l.startsWith('created')).length;

      const db = await openDatabase({ url: target.url });
      try {
        const rows = await sql<{ id: number; n: number | string }>(
          db,
          'select w.id, (select count(*) from steps s where s.workflow_id = w.id) as n from workflows w order by w.id',
        );
        // Committed creates are the ones printed, plus at most one committed just before the kill.
        expect(rows.length === printed || rows.length === printed + 1).toBe(true);
        for (const row of rows) expect(Number(row.n)).toBe(STEPS);
        const [orphans] = await sql<{ n: number | string }>(
          db,
          'select count(*) as n from steps where workflow_id not in (select id from workflows)',
        );
        expect(Number(orphans.n)).toBe(0);
        await expectSqliteClean(db);
        // The database keeps working: the next migration run and the next create both succeed.
        expect(await db.migrator.up()).toEqual([]);
        const wf = await db
          .forCompany(company.companyId)
          .workflows.create({ name: 'after', startingUrl: 'https://x.test' });
        expect(wf.id).toBeGreaterThan(0);
      } finally {
        await db.close();
      }
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
