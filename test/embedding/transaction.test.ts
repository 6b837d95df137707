import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  type Database,
  DatabaseError,
  type DatabaseTransaction,
  DuplicateEmailError,
  joinCompany,
  OverlayDbError,
  openDatabase,
} from '../../src/index.js';
import { describeEachDialect, type TestDatabase } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.connection.execute<{ n: number | string }[]>(`select count(*) as n from ${table}`);
  return Number(row.n);
}

describeEachDialect('db.transaction', (dialect) => {
  let db: Database;
  let target: TestDatabase;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, target, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  it("sign-up: createCompany then createAdmin with a taken email leaves no orphan company (README's sign-up)", async () => {
    const first = await createCompany(db, { name: 'First' });
    await createAdmin(db, { companyId: first.id, email: 'taken@acme.test', password: 'correct-horse-42' });
    const signUp = db.transaction(async (tx) => {
      const company = await createCompany(tx, { name: 'Second' });
      const admin = await createAdmin(tx, {
        companyId: company.id,
        email: 'TAKEN@acme.test',
        password: 'pass-word-42',
      });
      return { company, admin };
    });
    await expect(signUp).rejects.toBeInstanceOf(DuplicateEmailError);
    expect(await count(db, 'companies')).toBe(1);
    expect(await count(db, 'users')).toBe(1);
  });

  it('commits services and tenant scopes together, and returns what the function returns', async () => {
    const { company, workflowId } = await db.transaction(async (tx) => {
      const company = await createCompany(tx, { name: 'Acme' });
      const admin = await createAdmin(tx, { companyId: company.id, email: 'ada@acme.test', password: 'pass-word-42' });
      const workflow = await tx.forCompany(company.id).workflows.create({
        name: 'W',
        startingUrl: 'https://acme.test',
        createdBy: admin.id,
        steps: [{ stepNumber: 1, actionType: 'click', selectors: {}, elementMeta: {}, pageContext: {} }],
      });
      return { company, workflowId: workflow.id };
    });
    const scope = db.forCompany(company.id);
    expect((await scope.workflows.getWithSteps(workflowId))?.steps).toHaveLength(1);
    expect(await authenticate(db, { email: 'ada@acme.test', password: 'pass-word-42' })).not.toBeNull();
  });

  it('rolls back services and scopes together when the function throws, and rethrows its error as it was', async () => {
    const mine = new Error('changed my mind');
    const attempt = db.transaction(async (tx) => {
      const company = await createCompany(tx, { name: 'Acme' });
      const admin = await createAdmin(tx, { companyId: company.id, email: 'ada@acme.test', password: 'pass-word-42' });
      await tx
        .forCompany(company.id)
        .workflows.create({ name: 'W', startingUrl: 'https://a.test', createdBy: admin.id });
      throw mine;
    });
    await expect(attempt).rejects.toBe(mine);
    for (const table of ['companies', 'users', 'workflows']) expect(await count(db, table)).toBe(0);
  });

  it('a service or scope called with db (not tx) inside the function joins the transaction instead of waiting for the pool', async () => {
    const attempt = db.transaction(async () => {
      const company = await createCompany(db, { name: 'Acme' });
      await joinCompany(db, { inviteToken: company.inviteToken, email: 'bob@acme.test', password: 'pass-word-42' });
      expect(await db.forCompany(company.id).users.list()).toHaveLength(1);
      throw new Error('roll back');
    });
    await expect(attempt).rejects.toThrow('roll back');
    expect(await count(db, 'companies')).toBe(0);
    expect(await count(db, 'users')).toBe(0);
  });

  it('a nested db.transaction (or tx.transaction) joins the outer one: one commit, one rollback', async () => {
    const attempt = db.transaction(async (tx) => {
      const company = await db.transaction((inner) => createCompany(inner, { name: 'Inner' }));
      await tx.transaction((inner) =>
        createAdmin(inner, { companyId: company.id, email: 'a@a.test', password: 'pass-word-42' }),
      );
      // PostgreSQL reads beside the transaction: nothing is committed yet. (On SQLite the pool's one
      // connection is the transaction's: a read beside it would wait for the commit.)
      if (dialect === 'postgresql') expect(await count(db, 'companies')).toBe(0);
      throw new Error('outer fails');
    });
    await expect(attempt).rejects.toThrow('outer fails');
    expect(await count(db, 'companies')).toBe(0);
    expect(await count(db, 'users')).toBe(0);
  });

  it('refuses a tx used after its function returned (nothing runs outside the transaction)', async () => {
    let kept: DatabaseTransaction | undefined;
    const company = await db.transaction(async (tx) => {
      kept = tx;
      return createCompany(tx, { name: 'Acme' });
    });
    const late = () =>
      createAdmin(kept as DatabaseTransaction, { companyId: company.id, email: 'l@a.test', password: 'pass-word-42' });
    await expect(late()).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'db' });
    expect(() => kept?.forCompany(company.id)).toThrow(OverlayDbError);
    expect(await count(db, 'users')).toBe(0);
  });

  it('errors of the transaction itself come out as OverlayDbError, after the retries (SQLite: the write lock held by another process past the busy timeout)', async () => {
    if (dialect !== 'sqlite') return;
    const busy = await openDatabase({ url: target.url, busyTimeoutMs: 50 });
    // Another process holds the write lock until its stdin closes.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('node:sqlite').DatabaseSync)(process.argv[1]); db.exec('begin immediate');
         console.log('locked'); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`,
        target.name,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    let runs = 0;
    try {
      const error = await busy.transaction(async () => void runs++).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as OverlayDbError).code).toBe('DATABASE_ERROR');
      expect(runs).toBe(0);
    } finally {
      holder.stdin.end();
      await once(holder, 'exit');
      await busy.close();
    }
  });
});

describeEachDialect('db.transaction retries', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  it('a deadlock reruns the whole function: both transactions commit, the victim ran twice', async () => {
    if (dialect !== 'postgresql') return; // SQLite's transactions take the one write lock at begin: no deadlock
    const a = await createCompany(db, { name: 'A' });
    const b = await createCompany(db, { name: 'B' });
    const wa = await db.forCompany(a.id).workflows.create({ name: 'a', startingUrl: 'https://a.test' });
    const wb = await db.forCompany(b.id).workflows.create({ name: 'b', startingUrl: 'https://b.test' });
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHoldOne = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs = { ab: 0, ba: 0 };
    const crossed = (first: [number, number], second: [number, number], key: 'ab' | 'ba') =>
      db.transaction(async (tx) => {
        runs[key]++;
        await tx.forCompany(first[0]).workflows.update(first[1], { name: `${key} ${runs[key]}` });
        if (runs[key] === 1) {
          if (++arrived === 2) release();
          await bothHoldOne;
        }
        await tx.forCompany(second[0]).workflows.update(second[1], { name: `${key} ${runs[key]}` });
      });
    await Promise.all([crossed([a.id, wa.id], [b.id, wb.id], 'ab'), crossed([b.id, wb.id], [a.id, wa.id], 'ba')]);
    // At least one side was the deadlock's victim and ran again (on a loaded machine PostgreSQL may
    // pick a victim twice); both committed whole: the one that committed last wrote both rows.
    expect(Math.max(runs.ab, runs.ba)).toBeGreaterThanOrEqual(2);
    const nameA = (await db.forCompany(a.id).workflows.get(wa.id))?.name;
    const nameB = (await db.forCompany(b.id).workflows.get(wb.id))?.name;
    expect(nameA).toBe(nameB);
    expect([`ab ${runs.ab}`, `ba ${runs.ba}`]).toContain(nameA);
  });
});
