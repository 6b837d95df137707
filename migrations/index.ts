import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { InvalidInputError } from '../src/errors.js';
import { InitialSchemaPostgresql } from './postgresql/0001-initial-schema.js';
import { HealthSummaryIndexPostgresql } from './postgresql/0002-health-summary-index.js';
import { FailedRunsIndexPostgresql } from './postgresql/0003-failed-runs-index.js';
import { InitialSchemaSqlite } from './sqlite/0001-initial-schema.js';
import { HealthSummaryIndexSqlite } from './sqlite/0002-health-summary-index.js';
import { FailedRunsIndexSqlite } from './sqlite/0003-failed-runs-index.js';

/**
 * A bundled migration: a stable name (never a class name, which minifiers mangle) and its class.
 *
 * @example
 * const names = migrationsFor('sqlite').map((m: MigrationEntry) => m.name);
 */
export interface MigrationEntry {
  name: string;
  class: Constructor<Migration>;
}

/**
 * The name of the migration that reproduces Alembic revision 0acd3e6b9445.
 *
 * @example
 * await db.migrator.up({ to: INITIAL_MIGRATION });
 */
export const INITIAL_MIGRATION = '0001_initial_schema';

/**
 * The name of the migration that adds the index covering the health summary's reads.
 *
 * @example
 * await db.migrator.up({ to: HEALTH_SUMMARY_INDEX_MIGRATION });
 */
export const HEALTH_SUMMARY_INDEX_MIGRATION = '0002_health_summary_index';

/**
 * The name of the migration that adds the index of failed runs the health summary reads.
 *
 * @example
 * await db.migrator.up({ to: FAILED_RUNS_INDEX_MIGRATION });
 */
export const FAILED_RUNS_INDEX_MIGRATION = '0003_failed_runs_index';

function entry(name: string, migration: Constructor<Migration>): MigrationEntry {
  return Object.freeze({ name, class: migration });
}

// One explicit list per dialect, oldest first: the names are what the bookkeeping table records.
const BUNDLED: Readonly<Record<'sqlite' | 'postgresql', readonly MigrationEntry[]>> = Object.freeze({
  sqlite: Object.freeze([
    entry(INITIAL_MIGRATION, InitialSchemaSqlite),
    entry(HEALTH_SUMMARY_INDEX_MIGRATION, HealthSummaryIndexSqlite),
    entry(FAILED_RUNS_INDEX_MIGRATION, FailedRunsIndexSqlite),
  ]),
  postgresql: Object.freeze([
    entry(INITIAL_MIGRATION, InitialSchemaPostgresql),
    entry(HEALTH_SUMMARY_INDEX_MIGRATION, HealthSummaryIndexPostgresql),
    entry(FAILED_RUNS_INDEX_MIGRATION, FailedRunsIndexPostgresql),
  ]),
});

/**
 * The bundled migrations of one dialect, oldest first, in the `migrationsList` shape that
 * MikroORM's own migrator accepts.
 *
 * @example
 * MikroORM.init({ entities, migrations: { migrationsList: migrationsFor('postgresql') }, … })
 */
export function migrationsFor(dialect: 'sqlite' | 'postgresql'): MigrationEntry[] {
  const list = Object.hasOwn(BUNDLED, dialect) ? BUNDLED[dialect] : undefined;
  if (list === undefined) throw new InvalidInputError('dialect', "expected 'sqlite' or 'postgresql'");
  return [...list];
}
