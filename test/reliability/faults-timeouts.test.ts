import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { type Database, InvalidInputError, OverlayDbError, openDatabase } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { createTestDatabase } from '../support/scratch-database.js';
import { seedCompany, sql } from '../tenant/fixtures.js';

// statement_timeout and lock_timeout, hit for real: another connection holds the row lock that
// record-run needs (a lock wait is statement time too), so the call waits until the bound passes.
const pgAvailable = requestedDialects().includes('postgresql') && inject('postgresAvailable');

/** Another session that holds the row lock of one workflow until `release()`. */
async function holdRowLock(url: string, workflowId: number): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('select id from workflows where id = $1 for update', [workflowId]);
  return {
    release: async () => {
      await client.query('rollback');
      await client.end();
    },
  };
}

async function failureOf(work: () => Promise<unknown>): Promise<OverlayDbError> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OverlayDbError);
  return error as OverlayDbError;
}

describe.runIf(pgAvailable)('statementTimeoutMs and lockTimeoutMs [postgresql]', () => {
  const opened: { dispose: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const o of opened) await o.dispose();
  });

  async function open(options: { statementTimeoutMs?: number; lockTimeoutMs?: number }) {
    const o = await openTestDatabase('postgresql', options);
    opened.push(o);
    const company = await seedCompany(o.db);
    const t = o.db.forCompany(company.companyId);
    const wf = await t.workflows.create({ name: 'locked', startingUrl: 'https://x.test' });
    return { ...o, company, t, wf };
  }

  async function runsOf(db: Database, workflowId: number) {
    const [row] = await sql<{ logs: string; uses: number }>(
      db,
      'select (select count(*) from health_logs where workflow_id = ?) as logs, total_uses as uses from workflows where id = ?',
      [workflowId, workflowId],
    );
    return { logs: Number(row.logs), uses: Number(row.uses) };
  }

  it('a lock held longer than lockTimeoutMs: DATABASE_ERROR that names the lock timeout, nothing written; the same call succeeds once the lock is gone', async () => {
    const { db, target, company, t, wf } = await open({ lockTimeoutMs: 300 });
    const lock = await holdRowLock(target.url, wf.id);
    try {
      const error = await failureOf(() =>
        t.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'success' }),
      );
      expect(error.code).toBe('DATABASE_ERROR');
      expect(error.message).toMatch(/lock timeout/);
    } finally {
      await lock.release();
    }
    expect(await runsOf(db, wf.id)).toEqual({ logs: 0, uses: 0 });
    await t.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'success' });
    expect(await runsOf(db, wf.id)).toEqual({ logs: 1, uses: 1 });
  }, 60_000);

  it('a statement running longer than statementTimeoutMs: DATABASE_ERROR that names the statement timeout, nothing written', async () => {
    const { db, target, company, t, wf } = await open({ statementTimeoutMs: 300 });
    const lock = await holdRowLock(target.url, wf.id);
    try {
      const error = await failureOf(() =>
        t.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'failed' }),
      );
      expect(error.code).toBe('DATABASE_ERROR');
      expect(error.message).toMatch(/statement timeout/);
    } finally {
      await lock.release();
    }
    expect(await runsOf(db, wf.id)).toEqual({ logs: 0, uses: 0 });
  }, 60_000);

  it('the settings are on every connection of the pool, and 0 leaves the server default', async () => {
    const { db } = await open({ statementTimeoutMs: 1234, lockTimeoutMs: 567 });
    // Three transactions at once, each on its own connection (they wait for one another inside).
    let arrived = 0;
    let all: () => void = () => undefined;
    const together = new Promise<void>((resolve) => {
      all = resolve;
    });
    const rows = await Promise.all(
      [1, 2, 3].map(() =>
        db.transaction(async () => {
          const em = db.fork();
          const [row] = await query<{ pid: number; statement_timeout: string; lock_timeout: string }>(
            em,
            "select pg_backend_pid() as pid, current_setting('statement_timeout') as statement_timeout, current_setting('lock_timeout') as lock_timeout",
          );
          if (++arrived === 3) all();
          await together;
          return row;
        }),
      ),
    );
    expect(new Set(rows.map((r) => r.pid)).size).toBe(3);
    for (const row of rows) {
      expect({ s: row.statement_timeout, l: row.lock_timeout }).toEqual({ s: '1234ms', l: '567ms' });
    }
    const { db: plain } = await open({ statementTimeoutMs: 0 });
    const [row] = await sql<{ s: string }>(plain, "select current_setting('statement_timeout') as s");
    expect(row.s).toBe('0');
  }, 60_000);
});

describe('statementTimeoutMs and lockTimeoutMs are checked before anything opens', () => {
  it.each([
    ['statementTimeoutMs', -1],
    ['statementTimeoutMs', 1.5],
    ['statementTimeoutMs', '100'],
    ['lockTimeoutMs', Number.NaN],
    ['lockTimeoutMs', 2 ** 31],
  ])('%s = %s is INVALID_INPUT naming the option', async (key, value) => {
    const error = await openDatabase({ url: 'sqlite:///:memory:', [key]: value } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(key);
  });

  it.runIf(requestedDialects().includes('sqlite'))(
    'on SQLite they are INVALID_INPUT (the wait for a lock there is busyTimeoutMs), and no file is made',
    async () => {
      const target = await createTestDatabase('sqlite');
      try {
        for (const key of ['statementTimeoutMs', 'lockTimeoutMs']) {
          const error = await openDatabase({ url: target.url, [key]: 1000 }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).field).toBe(key);
          expect((error as InvalidInputError).message).toMatch(/busyTimeoutMs/);
        }
        const { existsSync } = await import('node:fs');
        expect(existsSync(target.name)).toBe(false);
      } finally {
        await target.drop();
      }
    },
  );
});
