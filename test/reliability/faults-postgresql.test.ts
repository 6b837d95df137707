import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, OverlayDbError, openDatabase } from '../../src/index.js';
import { component } from '../support/components.js';
import { requestedDialects } from '../support/env.js';
import { createTestDatabase, type TestDatabase } from '../support/scratch-database.js';
import { type SeededCompany, seedCompany } from '../tenant/fixtures.js';
import { type HotMix, STEPS_PER_WORKFLOW, startHotMix, type TrackedCall } from './support/hot-mix.js';

// Faults of a real PostgreSQL server under load, on a cluster of the tests' own (fault-cluster,
// port 5444): every backend of the pool terminated, several times, then a restart of the server.
// Every call settles (resolves, or rejects with DATABASE_ERROR) within a bound; calls succeed again
// soon after the server is back; and nothing is half-written.
const WORKERS = 16;
/** Every call settles within this, whatever the fault (a generous bound, not a figure). */
const SETTLE_BOUND_MS = 30_000;
/** After a fault, a call started afterwards succeeds within this. */
const RECOVERY_BOUND_MS = 20_000;
const TERMINATIONS = 3;

const script = fileURLToPath(new URL('../../scripts/components/fault-cluster.sh', import.meta.url));
const fault = requestedDialects().includes('postgresql') ? await component('fault-cluster') : undefined;

async function onAdmin<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

function restartServer(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, 'restart'], { timeout: 180_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`restart failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/** The calls that failed with anything but an OverlayDbError DATABASE_ERROR. */
function wrongFailures(calls: TrackedCall[]): string[] {
  return calls
    .filter((c) => c.ok === false)
    .filter((c) => !(c.error instanceof OverlayDbError) || c.error.code !== 'DATABASE_ERROR')
    .map((c) => `${c.kind}: ${String((c.error as Error)?.constructor?.name)} ${String((c.error as Error)?.message)}`);
}

describe.runIf(fault !== undefined)('PostgreSQL faults under the hot mix [postgresql]', () => {
  let target: TestDatabase;
  let db: Database;
  let company: SeededCompany;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    target = await createTestDatabase('postgresql', {
      adminUrl: fault?.OVERLAY_FAULT_PG_URL,
      prefix: 'overlay-db-faults',
    });
    db = await openDatabase({ url: target.url, migrate: true, pool: { min: 0, max: WORKERS }, lockTimeoutMs: 1000 });
    company = await seedCompany(db);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
    console.log(`faults figures: ${JSON.stringify(figures)}`);
  });

  it(`${WORKERS} workers: ${TERMINATIONS} × pg_terminate_backend on every connection, lock_timeout hit, then a server restart: every call settles, calls succeed again, nothing half-written`, async () => {
    const mix: HotMix = startHotMix(db, company, WORKERS);
    try {
      await mix.successAfter(performance.now(), RECOVERY_BOUND_MS);
      const terminateRecoveries: number[] = [];
      for (let i = 0; i < TERMINATIONS; i++) {
        // Let the pool fill up under the mix before each fault.
        await mix.successAfter(performance.now(), RECOVERY_BOUND_MS);
        const [{ killed }] = await onAdmin<{ killed: string }>(
          fault!.OVERLAY_FAULT_PG_URL,
          `select count(*) as killed from (select pg_terminate_backend(pid) from pg_stat_activity
             where datname = $1 and pid <> pg_backend_pid()) t`,
          [target.name],
        );
        const at = performance.now();
        expect(Number(killed)).toBeGreaterThan(0);
        terminateRecoveries.push(Math.round((await mix.successAfter(at, RECOVERY_BOUND_MS)) - at));
      }
      figures.terminateRecoveryMs = terminateRecoveries;

      // lock_timeout hit under the mix: another session locks every workflow row until a call has
      // failed on it (record-run waits for its workflow's row), then lets go.
      const locker = new pg.Client({ connectionString: target.url });
      await locker.connect();
      try {
        await locker.query('begin');
        const lockedAt = performance.now();
        await locker.query('select id from workflows for update');
        await mix.failureAfter(lockedAt, /lock timeout/, RECOVERY_BOUND_MS);
        await locker.query('rollback');
        const releasedAt = performance.now();
        figures.lockTimeoutRecoveryMs = Math.round(
          (await mix.successAfter(releasedAt, RECOVERY_BOUND_MS)) - releasedAt,
        );
      } finally {
        await locker.end();
      }

      await mix.successAfter(performance.now(), RECOVERY_BOUND_MS);
      const restartBegan = performance.now();
      await restartServer();
      const back = performance.now();
      const firstSuccess = await mix.successAfter(back, RECOVERY_BOUND_MS);
      figures.restartMs = Math.round(back - restartBegan);
      figures.restartRecoveryMs = Math.round(firstSuccess - back);
      // A few more rounds on the recovered pool.
      await mix.successAfter(performance.now(), RECOVERY_BOUND_MS);
    } finally {
      await mix.stop(SETTLE_BOUND_MS * 2);
    }

    const slowest = Math.max(...mix.calls.map((c) => (c.settledAt ?? Number.POSITIVE_INFINITY) - c.startedAt));
    figures.calls = mix.calls.length;
    figures.succeeded = mix.calls.filter((c) => c.ok).length;
    figures.failed = mix.calls.filter((c) => c.ok === false).length;
    figures.slowestSettleMs = Math.round(slowest);
    figures.lockTimeouts = mix.calls.filter((c) => c.ok === false && /lock timeout/.test(String(c.error))).length;
    figures.failedByKind = Object.fromEntries(
      ['create', 'list', 'get', 'record', 'dedupe'].map((k) => [
        k,
        mix.calls.filter((c) => c.kind === k && c.ok === false).length,
      ]),
    );
    figures.loadavg = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
    figures.sampleErrors = [
      ...new Set(mix.calls.filter((c) => c.ok === false).map((c) => (c.error as Error).message)),
    ].slice(0, 6);

    expect(mix.calls.every((c) => c.settledAt !== undefined)).toBe(true);
    expect(slowest).toBeLessThan(SETTLE_BOUND_MS);
    expect(wrongFailures(mix.calls)).toEqual([]);
    expect(figures.failed).toBeGreaterThan(0); // the faults did reach the calls

    // Nothing half-written: every workflow has exactly its steps, every counter matches its logs,
    // no row points at nothing, and every create that succeeded is there.
    const url = target.url;
    const partial = await onAdmin(
      url,
      `select w.id, count(s.id) as steps from workflows w left join steps s on s.workflow_id = w.id
        group by w.id having count(s.id) <> $1`,
      [STEPS_PER_WORKFLOW],
    );
    expect(partial).toEqual([]);
    const numbering = await onAdmin(
      url,
      `select workflow_id from steps group by workflow_id having min(step_number) <> 1 or max(step_number) <> $1`,
      [STEPS_PER_WORKFLOW],
    );
    expect(numbering).toEqual([]);
    const counters = await onAdmin(
      url,
      `select w.id, w.total_uses, (select count(*) from health_logs h where h.workflow_id = w.id) as runs
         from workflows w where w.total_uses <> (select count(*) from health_logs h where h.workflow_id = w.id)`,
    );
    expect(counters).toEqual([]);
    const orphans = await onAdmin(
      url,
      `select 'steps' as t, id from steps s where not exists (select 1 from workflows w where w.id = s.workflow_id)
       union all select 'health_logs', id from health_logs h where not exists (select 1 from workflows w where w.id = h.workflow_id)
       union all select 'screenshots', id from screenshots x where not exists (select 1 from workflows w where w.id = x.workflow_id)`,
    );
    expect(orphans).toEqual([]);
    const [{ missing }] = await onAdmin<{ missing: string }>(
      url,
      'select count(*) as missing from unnest($1::int[]) as c(id) where not exists (select 1 from workflows w where w.id = c.id)',
      [mix.created],
    );
    expect(Number(missing)).toBe(0);
    // And the pool serves calls as before.
    const listed = await db.forCompany(company.companyId).workflows.list({ limit: 1 });
    expect(listed.items.length).toBe(1);
  }, 300_000);
});

describe.runIf(fault !== undefined)('a connection lost under a call [postgresql]', () => {
  let target: TestDatabase;
  let db: Database;
  let company: SeededCompany;
  beforeAll(async () => {
    target = await createTestDatabase('postgresql', {
      adminUrl: fault?.OVERLAY_FAULT_PG_URL,
      prefix: 'overlay-db-faults',
    });
    db = await openDatabase({ url: target.url, migrate: true, pool: { min: 0, max: 2 } });
    company = await seedCompany(db);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  it('a transaction whose connection is lost before its COMMIT was sent runs again on a fresh connection: one workflow, written once', async () => {
    const t = db.forCompany(company.companyId);
    let runs = 0;
    const created = await db.transaction(async (tx) => {
      runs++;
      const scope = tx.forCompany(company.companyId);
      const wf = await scope.workflows.create({ name: `retried ${Date.now()}`, startingUrl: 'https://x.test' });
      if (runs === 1) {
        // The server ends this session mid-transaction: nothing of it was committed.
        await onAdmin(
          fault!.OVERLAY_FAULT_PG_URL,
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and state = 'idle in transaction'`,
          [target.name],
        );
      }
      await scope.workflows.list({ limit: 1 });
      return wf;
    });
    expect(runs).toBe(2);
    const rows = await onAdmin<{ n: string }>(target.url, 'select count(*) as n from workflows where name = $1', [
      created.name,
    ]);
    expect(Number(rows[0].n)).toBe(1);
    expect((await t.workflows.get(created.id))?.name).toBe(created.name);
  });

  it('a transaction whose backend is terminated on every run: after three runs a DATABASE_ERROR that says the connection was lost, nothing written, the pool serves the next call', async () => {
    const t = db.forCompany(company.companyId);
    let runs = 0;
    const error = await db
      .transaction(async (tx) => {
        runs++;
        const scope = tx.forCompany(company.companyId);
        await scope.workflows.create({ name: 'lost', startingUrl: 'https://x.test' });
        const [{ pid }] = await onAdmin<{ pid: number }>(
          fault!.OVERLAY_FAULT_PG_URL,
          `select pid from pg_stat_activity where datname = $1 and state = 'idle in transaction'`,
          [target.name],
        );
        await onAdmin(fault!.OVERLAY_FAULT_PG_URL, 'select pg_terminate_backend($1)', [pid]);
        await scope.workflows.list({ limit: 1 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverlayDbError);
    expect((error as OverlayDbError).code).toBe('DATABASE_ERROR');
    expect((error as OverlayDbError).message).toMatch(/the database connection was lost/);
    expect(runs).toBe(3);
    expect((await t.workflows.list({ limit: 100 })).items.filter((w) => w.name === 'lost')).toEqual([]);
  });
});
