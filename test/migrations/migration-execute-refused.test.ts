import { Migration } from '@mikro-orm/migrations';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMigrationRunner, type Database, MIGRATIONS_TABLE } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { withExtra } from '../support/test-migrations.js';

/** Reads through MikroORM's `execute()`, which runs beside the runner's transaction, not in it. */
class ReadsWithExecute extends Migration {
  override async up(): Promise<void> {
    await this.execute(`select count(*) as n from ${MIGRATIONS_TABLE}`);
    this.addSql('create table never_made (id integer primary key)');
  }
}

// On SQLite the runner holds the pool's one connection, so `execute()` would wait for it forever;
// on PostgreSQL it would run outside the migration's transaction. It is refused instead.
describeEachDialect("a migration's execute()", (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  it('fails the run with MIGRATION_FAILED and rolls it back, instead of hanging', async () => {
    const runner = createMigrationRunner(db.orm, {
      migrations: withExtra(dialect, { name: '0003_reads_with_execute', class: ReadsWithExecute }),
    });
    const error = await runner.up().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED', migration: '0003_reads_with_execute' });
    expect((error as Error).message).toMatch(/addSql/);
    expect(await runner.pending()).toEqual(['0003_reads_with_execute']);
    expect((await db.migrator.check()).inSync).toBe(true);
  }, 20_000);
});
