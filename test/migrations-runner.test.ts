import { afterEach, beforeEach, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION } from '../migrations/index.js';
import {
  createMigrationRunner,
  type Database,
  INITIAL_MIGRATION,
  MIGRATIONS_TABLE,
  MigrationError,
  OverlayDbError,
  openDatabase,
} from '../src/index.js';
import { describeEachDialect, type TestDatabase } from './support/dialects.js';
import { openTestDatabase } from './support/open-test-database.js';
import {
  ADD_NOTE,
  addNote,
  FAILS,
  failsHalfway,
  orphanUsers,
  rebuildCompanies,
  withExtra,
} from './support/test-migrations.js';

/** Every bundled migration, oldest first. */
const BUNDLED = [INITIAL_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION];

describeEachDialect('migration runner', (dialect) => {
  let db: Database;
  let target: TestDatabase;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, target, dispose } = await openTestDatabase(dialect, { migrate: false }));
  });
  afterEach(async () => dispose());

  const tables = async () => {
    const rows =
      dialect === 'sqlite'
        ? await db.connection.execute<{ name: string }[]>(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
          )
        : await db.connection.execute<{ name: string }[]>(
            "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name",
          );
    return rows.map((t) => t.name);
  };
  const companies = async () =>
    (await db.connection.execute<{ name: string }[]>('select name from companies order by id')).map((r) => r.name);

  it('applies the bundled migrations, reports them, and is in sync with the entities', async () => {
    expect(await db.migrator.current()).toBeNull();
    expect(await db.migrator.pending()).toEqual(BUNDLED);
    expect(await db.migrator.up()).toEqual(BUNDLED);
    expect(await db.migrator.up()).toEqual([]);
    expect(await db.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
    expect(await db.migrator.pending()).toEqual([]);
    const history = await db.migrator.history();
    expect(history).toHaveLength(3);
    expect(history[0]).toMatchObject({ name: INITIAL_MIGRATION, applied: true });
    expect(history[0].appliedAt).toBeInstanceOf(Date);
    expect(history[1]).toMatchObject({ name: HEALTH_SUMMARY_INDEX_MIGRATION, applied: true });
    expect(history[1].appliedAt).toBeInstanceOf(Date);
    expect(history[2]).toMatchObject({ name: FAILED_RUNS_INDEX_MIGRATION, applied: true });
    expect(await db.migrator.check()).toEqual({ inSync: true, statements: [] });
    await db.migrator.assertInSync();
  });

  it('down to base leaves only the bookkeeping table, and up again works', async () => {
    await db.migrator.up();
    expect(await db.migrator.down({ to: 'base' })).toEqual([
      FAILED_RUNS_INDEX_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      INITIAL_MIGRATION,
    ]);
    expect(await tables()).toEqual([MIGRATIONS_TABLE]);
    expect(await db.migrator.current()).toBeNull();
    expect(await db.migrator.up()).toEqual(BUNDLED);
    expect((await db.migrator.check()).inSync).toBe(true);
  });

  it('up({ to }), down(), down({ steps }), down({ to }) follow Alembic semantics and keep data', async () => {
    const runner = createMigrationRunner(db.orm, { migrations: withExtra(dialect, addNote) });
    expect(await runner.up({ to: INITIAL_MIGRATION })).toEqual([INITIAL_MIGRATION]);
    expect(await runner.pending()).toEqual([HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION, ADD_NOTE]);
    await db.connection.execute("insert into companies (name, invite_token) values ('kept', 't1')");
    // a unique prefix names a revision
    expect(await runner.up({ to: '0004' })).toEqual([
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
      ADD_NOTE,
    ]);
    await db.connection.execute("update companies set note = 'n' where name = 'kept'");
    expect(await runner.down()).toEqual([ADD_NOTE]);
    expect(await companies()).toEqual(['kept']);
    expect(await runner.up()).toEqual([ADD_NOTE]);
    expect(await companies()).toEqual(['kept']);
    expect(await runner.down({ to: INITIAL_MIGRATION })).toEqual([
      ADD_NOTE,
      FAILED_RUNS_INDEX_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
    ]);
    expect(await runner.current()).toBe(INITIAL_MIGRATION);
    expect(await runner.up()).toEqual([HEALTH_SUMMARY_INDEX_MIGRATION, FAILED_RUNS_INDEX_MIGRATION, ADD_NOTE]);
    expect(await runner.down({ steps: 3 })).toEqual([
      ADD_NOTE,
      FAILED_RUNS_INDEX_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
    ]);
    expect(await runner.current()).toBe(INITIAL_MIGRATION);
    expect(await runner.down({ steps: 1 })).toEqual([INITIAL_MIGRATION]);
    expect(await runner.current()).toBeNull();
  });

  it('refuses unknown revisions and bad step counts without touching the database', async () => {
    await db.migrator.up();
    await expect(db.migrator.up({ to: 'nope' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'to' });
    await expect(db.migrator.down({ steps: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'steps' });
    await expect(db.migrator.down({ steps: 1.5 })).rejects.toBeInstanceOf(OverlayDbError);
    expect(await db.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
  });

  it('a failing migration rolls the whole run back to the revision before it', async () => {
    const runner = createMigrationRunner(db.orm, { migrations: withExtra(dialect, addNote, failsHalfway) });
    const error = await runner.up().catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.migration).toBe(FAILS);
    expect(await runner.current()).toBeNull();
    // The bookkeeping table is made in the run's transaction, so the failed run leaves none (issue 16).
    expect(await tables()).toEqual([]);

    await runner.up({ to: ADD_NOTE });
    await expect(runner.up()).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(await runner.current()).toBe(ADD_NOTE);
    expect(await tables()).not.toContain('half_done');
  });

  it('check() reports a column added by hand', async () => {
    await db.migrator.up();
    await db.connection.execute('alter table workflows add column sneaky integer');
    const result = await db.migrator.check();
    expect(result.inSync).toBe(false);
    expect(result.statements.join('\n')).toMatch(/sneaky/);
    await expect(db.migrator.assertInSync()).rejects.toMatchObject({ code: 'SCHEMA_DRIFT' });
  });

  it('two runners started together apply each migration once', async () => {
    const other = await openDatabase({ url: target.url });
    try {
      const [a, b] = await Promise.all([db.migrator.up(), other.migrator.up()]);
      expect([...a, ...b]).toEqual(BUNDLED);
      const rows = await db.connection.execute<{ name: string }[]>(
        `select name from ${MIGRATIONS_TABLE} order by name`,
      );
      expect(rows.map((r) => r.name)).toEqual(BUNDLED);
    } finally {
      await other.close();
    }
  });

  if (dialect === 'sqlite') {
    // SQLite-only: table rebuilds exist because SQLite cannot ALTER most things in place.
    it('a table rebuild inside a migration does not cascade-delete child rows', async () => {
      await db.migrator.up();
      await db.connection.execute("insert into companies (name, invite_token) values ('c', 't')");
      await db.connection.execute(
        "insert into users (company_id, email, password_hash, role) values (1, 'u@c.test', 'x', 'admin')",
      );
      const runner = createMigrationRunner(db.orm, { migrations: withExtra(dialect, rebuildCompanies) });
      await runner.up();
      const [{ n }] = await db.connection.execute<{ n: number }[]>('select count(*) as n from users');
      expect(n).toBe(1);
      const [{ foreign_keys }] = await db.connection.execute<{ foreign_keys: number }[]>('pragma foreign_keys');
      expect(foreign_keys).toBe(1);
    });

    it('a migration that leaves dangling references is rolled back by the foreign-key check', async () => {
      await db.migrator.up();
      await db.connection.execute("insert into companies (name, invite_token) values ('c', 't')");
      await db.connection.execute(
        "insert into users (company_id, email, password_hash, role) values (1, 'u@c.test', 'x', 'admin')",
      );
      const runner = createMigrationRunner(db.orm, { migrations: withExtra(dialect, orphanUsers) });
      await expect(runner.up()).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
      expect(await companies()).toEqual(['c']);
      expect(await runner.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
    });
  }
});
