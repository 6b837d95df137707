import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { type Database, type Dialect, OverlayDbError, openDatabase } from '../../src/index.js';
import { createTestDatabase, describeEachDialect, PG_ADMIN_URL, type TestDatabase } from '../support/dialects.js';
import { seedCompany, sql } from '../tenant/fixtures.js';
import { STEPS_PER_WORKFLOW, startHotMix } from './support/hot-mix.js';

// db.close(): calls in flight finish (up to a bound), calls started after close() began are
// refused with DATABASE_CLOSED, and a transaction still running at the bound is rolled back and its
// call rejected: no session is left idle in transaction, no SQLite file is left locked.

/** A promise the test resolves by hand: work waits on events, never on time. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

async function sessionsIdleInTransaction(name: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = $1 and state like 'idle in transaction%'`,
      [name],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** Whether another connection can take the database's write lock at once (SQLite) / the rows (PostgreSQL). */
async function workflowsOf(target: TestDatabase, dialect: Dialect): Promise<string[]> {
  const other = await openDatabase({ url: target.url, ...(dialect === 'sqlite' ? { busyTimeoutMs: 0 } : {}) });
  try {
    if (dialect === 'sqlite') {
      // busyTimeoutMs 0: a write lock still held by the closed database would fail this at once.
      await other.transaction(async () => undefined);
    }
    const rows = await sql<{ name: string }>(other, 'select name from workflows order by id');
    return rows.map((r) => r.name);
  } finally {
    await other.close();
  }
}

describeEachDialect('db.close()', (dialect) => {
  let target: TestDatabase;
  let db: Database;
  afterEach(async () => {
    await db?.close();
    await target?.drop();
  });

  async function open() {
    target = await createTestDatabase(dialect);
    db = await openDatabase({ url: target.url, migrate: true });
    const company = await seedCompany(db);
    return { t: db.forCompany(company.companyId), company };
  }

  it('lets a transaction in flight finish and commit, and refuses calls started after it began with DATABASE_CLOSED', async () => {
    const { t, company } = await open();
    const inside = gate();
    const proceed = gate();
    const running = db.transaction(async (tx) => {
      await tx.forCompany(company.companyId).workflows.create({ name: 'in flight', startingUrl: 'https://x.test' });
      inside.open();
      await proceed.wait;
      await tx.forCompany(company.companyId).workflows.create({ name: 'in flight 2', startingUrl: 'https://x.test' });
      return 'done';
    });
    await inside.wait;
    const closing = db.close({ timeoutMs: 60_000 });
    const refused = await t.workflows.list({ limit: 5 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OverlayDbError);
    expect((refused as OverlayDbError).code).toBe('DATABASE_CLOSED');
    expect((refused as OverlayDbError).message).toMatch(/closed/);
    const refusedTx = await db.transaction(async () => 'never').catch((e: unknown) => e);
    expect((refusedTx as OverlayDbError).code).toBe('DATABASE_CLOSED');
    proceed.open();
    await expect(running).resolves.toBe('done');
    await closing;
    expect(await workflowsOf(target, dialect)).toEqual(['in flight', 'in flight 2']);
  }, 60_000);

  it('at the bound, rolls back a transaction still running and rejects its call with DATABASE_CLOSED: nothing of it is written, no transaction left open', async () => {
    const { company } = await open();
    const inside = gate();
    const never = gate();
    let later: unknown;
    const running = db
      .transaction(async (tx) => {
        await tx.forCompany(company.companyId).workflows.create({ name: 'rolled back', startingUrl: 'https://x.test' });
        inside.open();
        await never.wait;
        // Resumed after the bound: refused, not run beside a closed database.
        later = await tx
          .forCompany(company.companyId)
          .workflows.create({ name: 'after the bound', startingUrl: 'https://x.test' })
          .catch((e: unknown) => e);
      })
      .catch((e: unknown) => e);
    await inside.wait;
    const closing = db.close({ timeoutMs: 200 });
    const error = await running;
    expect(error).toBeInstanceOf(OverlayDbError);
    expect((error as OverlayDbError).code).toBe('DATABASE_CLOSED');
    expect((error as OverlayDbError).message).toMatch(/rolled back/);
    if (dialect === 'postgresql') expect(await sessionsIdleInTransaction(target.name)).toBe(0);
    expect(await workflowsOf(target, dialect)).toEqual([]);
    never.open();
    await closing;
    expect((later as OverlayDbError).code).toBe('DATABASE_CLOSED');
    expect(await workflowsOf(target, dialect)).toEqual([]);
  }, 60_000);

  it('under 8 workers of the hot mix: every call settles, the refused ones with DATABASE_CLOSED only, nothing half-written', async () => {
    const { company } = await open();
    const seeded = { companyId: company.companyId, adminId: company.adminId, userId: company.userId };
    const mix = startHotMix(db, seeded, 8);
    await mix.successAfter(performance.now(), 60_000);
    await mix.successAfter(performance.now(), 60_000);
    const began = performance.now();
    await db.close({ timeoutMs: 10_000 });
    const closeMs = Math.round(performance.now() - began);
    await mix.stop(30_000);
    const failures = mix.calls.filter((c) => c.ok === false);
    const wrong = failures.filter((c) => (c.error as OverlayDbError).code !== 'DATABASE_CLOSED');
    expect(wrong.map((c) => `${c.kind}: ${String(c.error)}`)).toEqual([]);
    expect(mix.calls.every((c) => c.settledAt !== undefined)).toBe(true);
    const started = mix.calls.filter((c) => c.startedAt < began);
    console.log(
      `shutdown figures [${dialect}]: close took ${closeMs} ms; ${started.length} calls started before it, ` +
        `${started.filter((c) => c.ok).length} succeeded (${started.filter((c) => (c.settledAt ?? 0) > began).length} of them in flight when it began); ${failures.length} refused; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
    // Every call started before close() began finished as it would have (none was cut at the bound).
    expect(started.every((c) => c.ok)).toBe(true);
    if (dialect === 'postgresql') expect(await sessionsIdleInTransaction(target.name)).toBe(0);
    const other = await openDatabase({ url: target.url });
    try {
      const partial = await sql(
        other,
        `select w.id from workflows w where (select count(*) from steps s where s.workflow_id = w.id) <> ?
           or w.total_uses <> (select count(*) from health_logs h where h.workflow_id = w.id)`,
        [STEPS_PER_WORKFLOW],
      );
      expect(partial).toEqual([]);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('is safe to call twice, and at once', async () => {
    await open();
    await Promise.all([db.close(), db.close()]);
    await db.close();
  });
});
