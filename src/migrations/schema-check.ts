import type { MikroORM } from '@mikro-orm/core';
import type { SqlSchemaGenerator } from '@mikro-orm/sql';
import { redactSecrets } from '../database/redact.js';
import { DatabaseError } from '../errors.js';
import { notOurTables } from './host-config.js';

/**
 * The result of comparing the live schema with the entities.
 *
 * @example
 * const { inSync, statements }: SchemaCheck = await db.migrator.check();
 */
export interface SchemaCheck {
  /** True when the database matches the entities. */
  inSync: boolean;
  /** SQL that would bring the database to what the entities describe (empty when in sync). */
  statements: string[];
}

/**
 * Compares the live schema of the library's tables with our entities through MikroORM's schema
 * generator (which reads the catalog itself), ignoring the tables named in `skipTables`. A host's
 * tables and entities on the same ORM are not ours to check: a host table in the database, or a
 * host entity without its table yet, is not drift. The host's own `skipTables` (which name ours,
 * see `hostMigrationsConfig`) are set aside for the check.
 *
 * @example
 * const { inSync } = await checkSchema(orm, ['overlay_db_migrations']);
 */
export async function checkSchema(orm: MikroORM, skipTables: string[]): Promise<SchemaCheck> {
  const config = orm.config.get('schemaGenerator');
  const previous = config.skipTables;
  config.skipTables = [...skipTables, notOurTables()];
  try {
    const generator = orm.schema as unknown as SqlSchemaGenerator;
    const sql = await generator.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    const statements = sql
      .split(/;\s*\n/)
      .map((s) => s.trim().replace(/;$/, ''))
      .filter((s) => s.length > 0 && !/^(pragma|set )/i.test(s));
    return { inSync: statements.length === 0, statements };
  } catch (error) {
    throw new DatabaseError(
      `Schema check failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
      { cause: error },
    );
  } finally {
    config.skipTables = previous;
  }
}
