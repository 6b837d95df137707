import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { type Database, OverlayDbError } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// SQLite faults: a file that cannot grow (PRAGMA max_page_count, as a full disk would), and a file
// whose write lock another process holds longer than the busy timeout. Each gives a clean
// DATABASE_ERROR, writes nothing half, and leaves the file intact.
const holder = resolve(__dirname, 'support/lock-holder.mjs');
/** A generous bound on a call that fails on a busy file (its busy timeout is 300 ms, three runs). */
const SETTLE_BOUND_MS = 30_000;

async function integrity(db: Database): Promise<string> {
  const rows = await sql<{ integrity_check: string }>(db, 'pragma integrity_check');
  return rows.map((r) => r.integrity_check).join('; ');
}

async function counts(db: Database) {
  const [row] = await sql<{ workflows: number; steps: number; logs: number }>(
    db,
    'select (select count(*) from workflows) as workflows, (select count(*) from steps) as steps, (select count(*) from health_logs) as logs',
  );
  return row;
}

describe.runIf(requestedDialects().includes('sqlite'))('SQLite faults [sqlite]', () => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it('a full database (max_page_count): DATABASE_ERROR that says the database is full, no half-written workflow, integrity_check ok, writes resume once it may grow', async () => {
    const opened = await openTestDatabase('sqlite');
    dispose = opened.dispose;
    const { db } = opened;
    const company: SeededCompany = await seedCompany(db);
    const t = db.forCompany(company.companyId);
    const first = await t.workflows.create({ name: 'before', startingUrl: 'https://x.test', steps: [stepInput()] });
    // The one connection of this Database: its file may not grow beyond what it has now.
    const em = db.fork();
    const [{ page_count }] = await query<{ page_count: number }>(em, 'pragma page_count');
    await query(em, `pragma max_page_count = ${page_count}`);
    const before = await counts(db);
    const big = Array.from({ length: 400 }, (_, i) =>
      stepInput({ actionData: { note: `step ${i} ${'x'.repeat(400)}` } }),
    );
    const error = await t.workflows
      .create({ name: 'too big', startingUrl: 'https://x.test', steps: big })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverlayDbError);
    expect((error as OverlayDbError).code).toBe('DATABASE_ERROR');
    expect((error as OverlayDbError).message).toMatch(/full/);
    expect(await counts(db)).toEqual(before);
    expect(await integrity(db)).toBe('ok');
    expect((await t.workflows.getWithSteps(first.id))?.steps.length).toBe(1);
    await query(em, 'pragma max_page_count = 1073741823');
    const after = await t.workflows.create({ name: 'after', startingUrl: 'https://x.test', steps: big });
    expect((await t.workflows.getWithSteps(after.id))?.steps.length).toBe(big.length);
  }, 60_000);

  it('another process holds the write lock longer than busyTimeoutMs: DATABASE_ERROR that says the database is locked, within a bound, nothing written, file intact, the same call succeeds afterwards', async () => {
    const opened = await openTestDatabase('sqlite', { busyTimeoutMs: 300 });
    dispose = opened.dispose;
    const { db, target } = opened;
    const company = await seedCompany(db);
    const t = db.forCompany(company.companyId);
    const wf = await t.workflows.create({ name: 'busy', startingUrl: 'https://x.test', steps: [stepInput()] });
    const before = await counts(db);

    const child = spawn(process.execPath, [holder, target.name], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let out = '';
    const said = (word: string) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (out.includes(word)) done();
        };
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          check();
        });
        child.on('exit', () => (out.includes(word) ? done() : fail(new Error(`the child exited before "${word}"`))));
        check();
      });
    try {
      await said('locked');
      const started = performance.now();
      const error = await t.healthLogs
        .record({ workflowId: wf.id, userId: company.userId, status: 'success' })
        .catch((e: unknown) => e);
      const took = performance.now() - started;
      console.log(`sqlite busy figures: failed after ${Math.round(took)} ms (busyTimeoutMs 300): ${String(error)}`);
      expect(error).toBeInstanceOf(OverlayDbError);
      expect((error as OverlayDbError).code).toBe('DATABASE_ERROR');
      expect((error as OverlayDbError).message).toMatch(/locked/);
      expect(took).toBeLessThan(SETTLE_BOUND_MS);
      // Reads are not blocked by a writer (WAL).
      expect((await t.workflows.list({ limit: 5 })).items.length).toBe(1);
    } finally {
      child.stdin.write('release\n');
      await said('released').catch(() => undefined);
      await exited;
    }
    expect(await counts(db)).toEqual(before);
    expect(await integrity(db)).toBe('ok');
    await t.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'success' });
    expect((await counts(db)).logs).toBe(before.logs + 1);
  }, 60_000);
});
