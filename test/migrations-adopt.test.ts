import bcrypt from 'bcryptjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION } from '../migrations/index.js';
import { type Database, INITIAL_MIGRATION, MigrationError, openDatabase, Step, User, Workflow } from '../src/index.js';
import {
  FIXTURE_PASSWORDS,
  FIXTURE_REVISION,
  FIXTURE_ROWS,
  loadAlembicFixture,
  rawQuery,
  snapshotDatabase,
} from './fixtures/alembic-fixture.js';
import { createTestDatabase, describeEachDialect, requestedDialects, type TestDatabase } from './support/dialects.js';
import { introspectTable } from './support/introspect.js';

/** The bundled migrations after the one adopt records. */
const LATER = [HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION];

const TABLES = ['companies', 'users', 'workflows', 'screenshots', 'steps', 'notifications', 'health_logs'];

/**
 * Adopt records only INITIAL_MIGRATION; until up() applies the later migrations, the differences
 * from the entities are the two indexes they create.
 */
async function expectOnlyLaterIndexesPending(db: Database): Promise<void> {
  expect(await db.migrator.current()).toBe(INITIAL_MIGRATION);
  expect(await db.migrator.pending()).toEqual(LATER);
  const check = await db.migrator.check();
  expect(check.inSync).toBe(false);
  expect(check.statements).toHaveLength(2);
  expect(check.statements).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        /^create index [`"]health_logs_workflow_id_created_at_covering_index[`"] on [`"]health_logs[`"] /,
      ),
      expect.stringMatching(/^create index [`"]?health_logs_failed_runs_index[`"]? on [`"]?health_logs[`"]? /),
    ]),
  );
}

describeEachDialect('adopt an Alembic 0acd3e6b9445 database', (dialect) => {
  let target: TestDatabase;
  let db: Database | undefined;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await target.drop();
  });

  const open = async () => {
    db = await openDatabase({ url: target.url });
    return db;
  };
  const count = async (table: string, where = '1 = 1') =>
    Number((await db!.connection.execute<{ n: number }[]>(`select count(*) as n from ${table} where ${where}`))[0].n);

  it('takes the database over with every row, id and value kept', async () => {
    await loadAlembicFixture(target);
    await open();
    expect(await db!.migrator.adopt()).toEqual({ adopted: true, fromRevision: FIXTURE_REVISION });
    await expectOnlyLaterIndexesPending(db!);
    // The later migrations apply on top of the adopted schema and bring it in sync.
    expect(await db!.migrator.up()).toEqual(LATER);
    expect(await db!.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
    expect(await db!.migrator.check()).toEqual({ inSync: true, statements: [] });
    expect(await db!.migrator.up()).toEqual([]);

    for (const table of TABLES) {
      const ids = await db!.connection.execute<{ id: number }[]>(`select id from ${table} order by id`);
      expect(
        ids.map((r) => Number(r.id)),
        table,
      ).toEqual(FIXTURE_ROWS[table].map((r) => r.id));
    }
    const tables = await listTables(db!);
    expect(tables).not.toContain('alembic_version');

    // company_id back-filled from each row's workflow.
    const steps = await db!.connection.execute<{ id: number; company_id: number }[]>(
      'select id, company_id from steps order by id',
    );
    expect(steps.map((s) => [Number(s.id), Number(s.company_id)])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [9, 1],
    ]);
    const logs = await db!.connection.execute<{ id: number; company_id: number }[]>(
      'select id, company_id from health_logs order by id',
    );
    expect(logs.map((l) => [Number(l.id), Number(l.company_id)])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);

    // Read back through the entities: timestamps, JSON, booleans, normalized emails.
    const em = db!.fork();
    const admin = await em.findOneOrFail(User, 1);
    expect(admin.email).toBe('admin@acme.com');
    expect(admin.role).toBe('admin');
    expect(admin.createdAt).toEqual(new Date('2024-01-15T10:31:00.000Z'));
    expect(admin.lastLoginAt).toEqual(new Date('2024-02-01T09:00:00.123Z'));
    for (const [id, password] of Object.entries(FIXTURE_PASSWORDS)) {
      const [{ password_hash }] = await db!.connection.execute<{ password_hash: string }[]>(
        `select password_hash from users where id = ${Number(id)}`,
      );
      expect(password_hash).toBe(FIXTURE_ROWS.users.find((u) => u.id === Number(id))?.password_hash);
      expect(await bcrypt.compare(password, password_hash)).toBe(true);
      expect(await bcrypt.compare(`${password}x`, password_hash)).toBe(false);
    }
    const workflow = await em.findOneOrFail(Workflow, 1);
    expect(workflow.tags).toEqual(['finance', 'weekly']);
    expect(workflow.status).toBe('active');
    expect(workflow.successRate).toBe(0.9);
    expect(workflow.updatedAt).toEqual(new Date('2024-01-20T12:00:00.000Z'));
    expect(workflow.lastFailedRun).toEqual(new Date('2024-01-18T07:15:00.000Z'));
    const step = await em.findOneOrFail(Step, 1);
    expect(step.selectors).toMatchObject({ primary: '#submit', stable_attrs: { name: 'submit' } });
    expect(step.healedSelectors).toEqual({ previous_primary: '#old-submit', healed_primary: '#submit' });
    expect(step.labelEdited).toBe(true);
    expect(step.instructionEdited).toBe(false);
    expect(step.editedAt).toEqual(new Date('2024-01-16T10:00:00.000Z'));
    expect(step.timestamp).toBe('2024-01-15T11:00:05.000Z');
    const settings = await db!.connection.execute<{ settings: unknown }[]>(
      'select settings from companies where id = 1',
    );
    expect(typeof settings[0].settings === 'string' ? JSON.parse(settings[0].settings) : settings[0].settings).toEqual({
      theme: 'dark',
      notify: true,
    });

    if (dialect === 'sqlite') {
      // One representation per column: ISO-8601 UTC text, as the entities write it.
      const raw = await db!.connection.execute<{ created_at: string; last_login_at: string | null }[]>(
        'select created_at, last_login_at from users order by id',
      );
      expect(raw).toEqual([
        { created_at: '2024-01-15T10:31:00.000Z', last_login_at: '2024-02-01T09:00:00.123Z' },
        { created_at: '2024-01-15T10:45:00.000Z', last_login_at: null },
        { created_at: '2024-01-16T08:01:00.000Z', last_login_at: null },
      ]);
      const [company2] = await db!.connection.execute<{ created_at: string }[]>(
        'select created_at from companies where id = 2',
      );
      expect(company2.created_at).toBe('2024-01-16T08:00:00.250Z');
    }
  });

  it('leaves exactly the schema a fresh migration creates', async () => {
    await loadAlembicFixture(target);
    await (await open()).migrator.adopt();
    const fresh = await createTestDatabase(dialect);
    const freshDb = await openDatabase({ url: fresh.url });
    const expectSameSchema = async () => {
      for (const table of TABLES) {
        // PostgreSQL appends the added company_id columns at the end; order aside, they must match.
        expect(normalized(await introspectTable(db!, table)), table).toEqual(
          normalized(await introspectTable(freshDb, table)),
        );
      }
      expect(await listTables(db!)).toEqual(await listTables(freshDb));
    };
    try {
      // Adopt reproduces the initial migration: compare with a fresh database migrated to it alone.
      expect(await freshDb.migrator.up({ to: INITIAL_MIGRATION })).toEqual([INITIAL_MIGRATION]);
      await expectSameSchema();
      // And both end the same at head.
      expect(await db!.migrator.up()).toEqual(LATER);
      expect(await freshDb.migrator.up()).toEqual(LATER);
      await expectSameSchema();
    } finally {
      await freshDb.close();
      await fresh.drop();
    }
  });

  it('orders converted timestamps correctly against ones written afterwards', async () => {
    await loadAlembicFixture(target);
    await (await open()).migrator.adopt();
    // 10:59 sorts before the adopted 11:00 only if the old rows became ISO text as well
    // (unconverted, '2024-01-15 11:00:00' < '2024-01-15T10:59…' since ' ' < 'T').
    const em = db!.fork();
    const created = em.create(Workflow, {
      company: 1,
      name: 'Written after adopt',
      startingUrl: 'https://erp.acme.test',
      createdAt: new Date('2024-01-15T10:59:00.000Z'),
      updatedAt: new Date('2024-01-15T10:59:00.000Z'),
    } as never);
    await em.flush();
    const rows = await db!.connection.execute<{ id: number }[]>(
      'select id from workflows where company_id = 1 order by created_at, id',
    );
    expect(rows.map((r) => Number(r.id))).toEqual([created.id, 1, 2]);
    const [stored] = await db!.connection.execute<{ created_at: unknown }[]>(
      `select created_at from workflows where id = ${created.id}`,
    );
    if (dialect === 'sqlite') expect(stored.created_at).toBe('2024-01-15T10:59:00.000Z');
  });

  it('enforces cascades and never reuses an id afterwards', async () => {
    await loadAlembicFixture(target);
    await (await open()).migrator.adopt();
    await db!.connection.execute('delete from companies where id = 2');
    for (const table of ['users', 'workflows', 'screenshots', 'steps', 'notifications', 'health_logs']) {
      expect(await count(table, 'company_id = 2'), table).toBe(0);
      expect(await count(table, 'company_id = 1'), table).toBeGreaterThan(0);
    }
    // AUTOINCREMENT on SQLite, an advanced sequence on PostgreSQL: the deleted id 2 stays unused.
    await db!.connection.execute("insert into companies (name, invite_token) values ('NewCo', 'new-token')");
    const [{ id }] = await db!.connection.execute<{ id: number }[]>("select id from companies where name = 'NewCo'");
    expect(Number(id)).toBe(3);
    await db!.connection.execute('delete from workflows where id = 1');
    expect(await count('steps', 'workflow_id = 1')).toBe(0);
    expect(await count('health_logs', 'workflow_id = 1')).toBe(0);
    expect(await count('steps', 'id = 9')).toBe(1);
  });

  it('makes screenshot hashes unique per company instead of globally', async () => {
    await loadAlembicFixture(target);
    await (await open()).migrator.adopt();
    const insert = (companyId: number, workflowId: number) =>
      db!.connection.execute(
        `insert into screenshots (company_id, workflow_id, hash, storage_key, storage_url) values (${companyId}, ${workflowId}, 'sha256:${'a'.repeat(64)}', 'k', 'u')`,
      );
    await insert(2, 5);
    await expect(insert(1, 2)).rejects.toThrow();
    expect(await count('screenshots')).toBe(3);
  });

  it('lets one of two concurrent adopts do the work and the other find it done', async () => {
    await loadAlembicFixture(target);
    const [a, b] = await Promise.all([openDatabase({ url: target.url }), openDatabase({ url: target.url })]);
    try {
      const results = await Promise.all([a.migrator.adopt(), b.migrator.adopt()]);
      expect(results.map((r) => r.adopted).sort()).toEqual([false, true]);
      expect(await a.migrator.history()).toEqual([
        { name: INITIAL_MIGRATION, applied: true, appliedAt: expect.any(Date) },
        { name: HEALTH_SUMMARY_INDEX_MIGRATION, applied: false, appliedAt: null },
        { name: FAILED_RUNS_INDEX_MIGRATION, applied: false, appliedAt: null },
      ]);
      await expectOnlyLaterIndexesPending(a);
      expect(await a.migrator.up()).toEqual(LATER);
      expect(await a.migrator.check()).toEqual({ inSync: true, statements: [] });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('is a no-op on a database it already adopted or migrated', async () => {
    await loadAlembicFixture(target);
    await (await open()).migrator.adopt();
    await db!.close();
    const before = await snapshotDatabase(target);
    await open();
    expect(await db!.migrator.adopt()).toEqual({ adopted: false, fromRevision: null });
    await db!.close();
    db = undefined;
    expect(await snapshotDatabase(target)).toEqual(before);

    const fresh = await createTestDatabase(dialect);
    const freshDb = await openDatabase({ url: fresh.url, migrate: true });
    try {
      expect(await freshDb.migrator.adopt()).toEqual({ adopted: false, fromRevision: null });
    } finally {
      await freshDb.close();
      await fresh.drop();
    }
  });

  /** Opens, adopts, expects MIGRATION_FAILED with `message`, and checks that nothing changed. */
  const expectRefusal = async (message: RegExp) => {
    const before = await snapshotDatabase(target);
    await open();
    const error = await db!.migrator.adopt().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
    expect((error as MigrationError).message).toMatch(message);
    expect((error as MigrationError).message).not.toMatch(/\$2b\$/);
    await db!.close();
    db = undefined;
    expect(await snapshotDatabase(target)).toEqual(before);
  };

  it('refuses another Alembic revision and changes nothing', async () => {
    await loadAlembicFixture(target, { revision: 'ffffffffffff' });
    await expectRefusal(/Alembic revision ffffffffffff.*only revision 0acd3e6b9445/);
  });

  it('refuses an Alembic database at base', async () => {
    await loadAlembicFixture(target, { revision: null, rows: false });
    await expectRefusal(/Alembic base/);
  });

  it('refuses a database with a table the revision did not create', async () => {
    await loadAlembicFixture(target, { extraSql: ['create table audit_trail (id integer primary key, note text)'] });
    await expectRefusal(/did not create: audit_trail/);
  });

  it('refuses a table with a column the revision did not create', async () => {
    await loadAlembicFixture(target, { extraSql: ['alter table users add column nickname text'] });
    await expectRefusal(/table users differs .*nickname/);
  });

  it('refuses a database that is neither empty, ours, nor Alembic', async () => {
    await rawQuery(target, 'create table things (id integer primary key)');
    await expectRefusal(/neither empty, nor managed by this library.*things/);
  });

  it('refuses an empty database and says to upgrade instead', async () => {
    await expectRefusal(/empty.*upgrade head/);
    expect(await listTablesRaw(target)).toEqual([]);
  });

  it('refuses emails that collide once trimmed and lower-cased', async () => {
    await loadAlembicFixture(target, {
      extraSql: [
        `insert into users (id, company_id, email, password_hash, role, created_at) values (8, 2, 'ADMIN@acme.com', 'x', 'regular', ${dialect === 'sqlite' ? "'2024-03-01 00:00:00'" : "'2024-03-01 00:00:00+00'"})`,
      ],
    });
    await expectRefusal(/users 1, 8/);
  });

  it('refuses JSON columns holding text that is not JSON', async () => {
    await loadAlembicFixture(target, { extraSql: ["update steps set selectors = 'not json {' where id = 2"] });
    await expectRefusal(/steps\.selectors .*not valid JSON/);
  });
});

// SQLite-only: the original enforced enums and foreign keys on PostgreSQL (enum types, FKs
// always on), so these rows cannot exist there.
describe.runIf(requestedDialects().includes('sqlite'))('adopt, SQLite rows the original never checked', () => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase('sqlite');
  });
  afterEach(async () => target.drop());

  const expectRefusal = async (extraSql: string[], message: RegExp) => {
    await loadAlembicFixture(target, { extraSql });
    const before = await snapshotDatabase(target);
    const db = await openDatabase({ url: target.url });
    try {
      await expect(db.migrator.adopt()).rejects.toMatchObject({ code: 'MIGRATION_FAILED', message });
    } finally {
      await db.close();
    }
    expect(await snapshotDatabase(target)).toEqual(before);
  };

  it('refuses rows that name a deleted parent', async () => {
    await expectRefusal(
      ['delete from users where id = 2'],
      /1 row\(s\) of workflows\.created_by → users.*1 row\(s\) of health_logs\.user_id → users/,
    );
  });

  it('refuses enum values outside the enum', async () => {
    await expectRefusal(["update workflows set status = 'paused' where id = 2"], /workflows\.status .*"paused"/);
  });

  it('refuses timestamps SQLite cannot read', async () => {
    await expectRefusal(["update notifications set read_at = 'yesterday' where id = 1"], /notifications\.read_at/);
  });
});

async function listTables(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.connection.execute<{ name: string }[]>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
        )
      : await db.connection.execute<{ name: string }[]>(
          "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name",
        );
  return rows.map((r) => r.name);
}

async function listTablesRaw(target: TestDatabase): Promise<string[]> {
  const rows =
    target.dialect === 'sqlite'
      ? await rawQuery<{ name: string }>(target, "select name from sqlite_master where type = 'table'")
      : await rawQuery<{ name: string }>(
          target,
          "select table_name as name from information_schema.tables where table_schema = 'public'",
        );
  return rows.map((r) => r.name);
}

function normalized(table: Awaited<ReturnType<typeof introspectTable>>) {
  const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
  return {
    columns: byName(table.columns),
    foreignKeys: [...table.foreignKeys].sort((a, b) => a.column.localeCompare(b.column)),
    indexes: byName(table.indexes),
    autoincrementId: table.autoincrementId,
  };
}
