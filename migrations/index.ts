import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { InvalidInputError } from '../src/errors.js';
import { InitialSchemaPostgresql } from './postgresql/0001-initial-schema.js';
import { InitialSchemaSqlite } from './sqlite/0001-initial-schema.js';

/** A bundled migration: a stable name (never a class name, which minifiers mangle) and its class. */
export interface MigrationEntry {
  name: string;
  class: Constructor<Migration>;
}

/** The name of the migration that reproduces Alembic revision 0acd3e6b9445. */
export const INITIAL_MIGRATION = '0001_initial_schema';

const SQLITE: readonly MigrationEntry[] = Object.freeze([{ name: INITIAL_MIGRATION, class: InitialSchemaSqlite }]);
const POSTGRESQL: readonly MigrationEntry[] = Object.freeze([
  { name: INITIAL_MIGRATION, class: InitialSchemaPostgresql },
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
