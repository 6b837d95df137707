import { BasePostgreSqlPlatform, type Platform, SqlitePlatform } from '@mikro-orm/sql';
import { InvalidInputError } from '../errors.js';
import type { SqlDialect } from './dialect.js';
import { postgresqlDialect } from './postgresql/postgresql-dialect.js';
import { sqliteDialect } from './sqlite/sqlite-dialect.js';

/**
 * The dialect module of a MikroORM platform: the one place that asks which database it is. Both
 * SQLite drivers (better-sqlite3 and node:sqlite) share MikroORM's `SqlitePlatform`.
 *
 * @example
 * const dialect = dialectOf(em.getPlatform()); // sqliteDialect or postgresqlDialect
 */
export function dialectOf(platform: Platform): SqlDialect | undefined {
  if (platform instanceof SqlitePlatform) return sqliteDialect;
  if (platform instanceof BasePostgreSqlPlatform) return postgresqlDialect;
  return undefined;
}

/**
 * {@link dialectOf}, or INVALID_INPUT naming `field` for a platform this library does not run on.
 *
 * @example
 * const dialect = requireDialect(orm.config.getPlatform(), 'orm');
 */
export function requireDialect(platform: Platform, field: string): SqlDialect {
  const dialect = dialectOf(platform);
  if (!dialect) {
    throw new InvalidInputError(field, `unsupported platform ${platform.constructor.name}; use SQLite or PostgreSQL`);
  }
  return dialect;
}

/**
 * The dialect module for a URL's dialect name (`openDatabase`, the CLI).
 *
 * @example
 * dialectNamed(parseDatabaseUrl(url).dialect).ormOptions(parsed, options);
 */
export function dialectNamed(name: SqlDialect['name']): SqlDialect {
  return name === 'sqlite' ? sqliteDialect : postgresqlDialect;
}
