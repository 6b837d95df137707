import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { requirePeer } from '../src/database/require-peer.js';
import { InvalidInputError } from '../src/errors.js';
import { defineInitialSchemaPostgresql } from './postgresql/0001-initial-schema.js';
import { defineHealthSummaryIndexPostgresql } from './postgresql/0002-health-summary-index.js';
import { defineInitialSchemaSqlite } from './sqlite/0001-initial-schema.js';
import { defineHealthSummaryIndexSqlite } from './sqlite/0002-health-summary-index.js';

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

type MigrationBase = abstract new (...args: any[]) => Migration;

/**
 * An entry whose `class` is defined on first access, on MikroORM's `Migration` loaded then:
 * @mikro-orm/migrations pulls in umzug and costs every host's start-up, though only migrating
 * needs it. The entry still is the `{ name, class }` that `migrationsList` takes.
 */
function lazyEntry(name: string, define: (base: MigrationBase) => Constructor<Migration>): MigrationEntry {
  let defined: Constructor<Migration> | undefined;
  return Object.freeze({
    name,
    get class(): Constructor<Migration> {
      defined ??= define(requirePeer<typeof import('@mikro-orm/migrations')>('@mikro-orm/migrations').Migration);
      return defined;
    },
  });
}

const SQLITE: readonly MigrationEntry[] = Object.freeze([
  lazyEntry(INITIAL_MIGRATION, defineInitialSchemaSqlite),
  lazyEntry(HEALTH_SUMMARY_INDEX_MIGRATION, defineHealthSummaryIndexSqlite),
]);
const POSTGRESQL: readonly MigrationEntry[] = Object.freeze([
  lazyEntry(INITIAL_MIGRATION, defineInitialSchemaPostgresql),
  lazyEntry(HEALTH_SUMMARY_INDEX_MIGRATION, defineHealthSummaryIndexPostgresql),
]);

/**
 * The bundled migrations of one dialect, oldest first, in the `migrationsList` shape that
 * MikroORM's own migrator accepts.
 *
 * @example
 * MikroORM.init({ entities, migrations: { migrationsList: migrationsFor('postgresql') }, … })
 */
export function migrationsFor(dialect: 'sqlite' | 'postgresql'): MigrationEntry[] {
  if (dialect === 'sqlite') return [...SQLITE];
  if (dialect === 'postgresql') return [...POSTGRESQL];
  throw new InvalidInputError('dialect', "expected 'sqlite' or 'postgresql'");
}
