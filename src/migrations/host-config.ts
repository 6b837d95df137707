import type { Options } from '@mikro-orm/core';
import { MIGRATIONS_TABLE } from '../database/options.js';

/**
 * The tables of the library's seven entities, in the order the initial migration creates them.
 * The bookkeeping table is {@link MIGRATIONS_TABLE}. (Written out rather than read from the
 * entities, which import this module's importers; a test holds the two equal.)
 *
 * @example
 * OVERLAY_DB_TABLES.includes('companies'); // true
 */
export const OVERLAY_DB_TABLES: readonly string[] = Object.freeze([
  'companies',
  'users',
  'workflows',
  'screenshots',
  'steps',
  'health_logs',
  'notifications',
]);

/**
 * MikroORM's `schemaGenerator` options, which {@link hostMigrationsConfig} extends.
 *
 * @example
 * const mine: HostSchemaGeneratorOptions = { skipTables: ['legacy_audit'] };
 */
export type HostSchemaGeneratorOptions = NonNullable<Options['schemaGenerator']>;

/**
 * The config fragment for a host that runs MikroORM with our entities beside its own: its schema
 * generator (and so `orm.migrator.create()` and `orm.schema`) skips our tables and our bookkeeping
 * table, so the host's generated migrations never create, alter or drop them; our migrations stay
 * ours, run by {@link createMigrationRunner} before the host's. Pass the host's own
 * `schemaGenerator` options to keep them.
 *
 * @example
 * const orm = await MikroORM.init({
 *   ...hostMigrationsConfig(),
 *   entities: [...entities, Project], // Project references Company
 *   extensions: [Migrator],
 *   migrations: { path: './migrations' }, // the host's own migrations only
 * });
 * await createMigrationRunner(orm).up(); // ours first
 * await orm.migrator.up();                // then the host's
 */
export function hostMigrationsConfig(schemaGenerator: HostSchemaGeneratorOptions = {}): {
  schemaGenerator: HostSchemaGeneratorOptions;
} {
  return {
    schemaGenerator: {
      ...schemaGenerator,
      skipTables: [...(schemaGenerator.skipTables ?? []), ...OVERLAY_DB_TABLES, MIGRATIONS_TABLE],
    },
  };
}

/**
 * Matches every table name that is not one of ours (schema-qualified or not), for a schema
 * generator that should compare our tables only. @internal
 */
export function notOurTables(): RegExp {
  const names = [...OVERLAY_DB_TABLES, MIGRATIONS_TABLE].map((name) => name.replace(/[^a-z0-9_]/gi, '\\$&'));
  return new RegExp(`^(?!(?:[^.]*\\.)?(?:${names.join('|')})$)`, 'i');
}
