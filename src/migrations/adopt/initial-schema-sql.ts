import type { Configuration } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/sql';
import { INITIAL_MIGRATION, type MigrationEntry } from '../../../migrations/index.js';
import { MigrationError } from '../../errors.js';

/**
 * The statements of the initial migration's `up()` among `migrations`, without running them:
 * adopt replays them so that an adopted database has exactly that migration's tables, indexes
 * and keys.
 *
 * @example
 * const statements = await initialSchemaSql(migrationsFor('sqlite'), driver, orm.config);
 */
export async function initialSchemaSql(
  migrations: readonly MigrationEntry[],
  driver: AbstractSqlDriver,
  config: Configuration,
): Promise<string[]> {
  const entry = migrations.find((m) => m.name === INITIAL_MIGRATION);
  if (!entry) throw new MigrationError(`Cannot adopt: this runner has no ${INITIAL_MIGRATION} migration to adopt into`);
  const migration = new entry.class(driver, config);
  migration.reset();
  await migration.up();
  return migration.getQueries().map((query) => {
    if (typeof query !== 'string') throw new MigrationError(`${INITIAL_MIGRATION} must consist of SQL strings`);
    return query;
  });
}
