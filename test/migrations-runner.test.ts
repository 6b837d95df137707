import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Database, INITIAL_MIGRATION, MIGRATIONS_TABLE } from '../src/index.js';
import { describeEachDialect } from './support/dialects.js';
import { openTestDatabase } from './support/open-test-database.js';

describeEachDialect('migration runner', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect, { migrate: false }));
  });
  afterEach(async () => dispose());

  it('applies the bundled migrations, reports them, and is in sync with the entities', async () => {
    expect(await db.migrator.current()).toBeNull();
    expect(await db.migrator.pending()).toEqual([INITIAL_MIGRATION]);
    expect(await db.migrator.up()).toEqual([INITIAL_MIGRATION]);
    expect(await db.migrator.up()).toEqual([]);
    expect(await db.migrator.current()).toBe(INITIAL_MIGRATION);
    const history = await db.migrator.history();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ name: INITIAL_MIGRATION, applied: true });
    expect(history[0].appliedAt).toBeInstanceOf(Date);
    expect(await db.migrator.check()).toEqual({ inSync: true, statements: [] });
  });

  it('down to base leaves only the bookkeeping table', async () => {
    await db.migrator.up();
    expect(await db.migrator.down({ to: 'base' })).toEqual([INITIAL_MIGRATION]);
    const tables =
      dialect === 'sqlite'
        ? await db.connection.execute<{ name: string }[]>(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
          )
        : await db.connection.execute<{ name: string }[]>(
            "select table_name as name from information_schema.tables where table_schema = 'public'",
          );
    expect(tables.map((t) => t.name)).toEqual([MIGRATIONS_TABLE]);
    expect(await db.migrator.current()).toBeNull();
  });
});
