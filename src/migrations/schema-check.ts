import type { MikroORM } from '@mikro-orm/core';
import { type AbstractSqlConnection, DatabaseSchema, type SqlSchemaGenerator } from '@mikro-orm/sql';
import { dialectOf } from '../database/platform-dialect.js';
import { redactSecrets } from '../database/redact.js';
import { DatabaseError } from '../errors.js';
import { normalizeSqliteSchema } from './normalize-sqlite-schema.js';

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

/** Compares the live schema with the registered entities, ignoring the tables named in `skipTables`. */
export async function checkSchema(orm: MikroORM, skipTables: string[]): Promise<SchemaCheck> {
  const config = orm.config.get('schemaGenerator');
  const previous = config.skipTables;
  config.skipTables = [...(previous ?? []), ...skipTables];
  try {
    const generator = orm.getSchemaGenerator() as unknown as SqlSchemaGenerator;
    const connection = orm.em.getConnection() as AbstractSqlConnection;
    const platform = orm.em.getPlatform();
    const fromSchema = await DatabaseSchema.create(
      connection,
      platform as never,
      orm.config,
      undefined,
      undefined,
      undefined,
      config.skipTables,
    );
    if (dialectOf(orm) === 'sqlite') await normalizeSqliteSchema(fromSchema, connection);
    const sql = await generator.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true, fromSchema });
    const statements = sql
      .split(/;\s*\n/)
      .map((s) => s.trim().replace(/;$/, ''))
      .filter((s) => s.length > 0 && !/^(pragma|set )/i.test(s));
    return { inSync: statements.length === 0, statements };
  } catch (error) {
    throw new DatabaseError(
      `Schema check failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
      {
        cause: error,
      },
    );
  } finally {
    config.skipTables = previous;
  }
}
