import type { MikroORM, Platform } from '@mikro-orm/core';
import { InvalidInputError } from '../errors.js';
import type { Dialect } from './options.js';

/** Which supported dialect a MikroORM platform is (any of its SQLite flavours counts), or undefined. */
export function platformDialect(platform: Platform): Dialect | undefined {
  const name = platform.constructor.name.toLowerCase();
  if (name.includes('sqlite')) return 'sqlite';
  if (name.includes('postgre')) return 'postgresql';
  return undefined;
}

/** The dialect of `platform`, or INVALID_INPUT on `field` for a database this library does not support. */
export function requireDialect(platform: Platform, field: string): Dialect {
  const dialect = platformDialect(platform);
  if (!dialect) {
    throw new InvalidInputError(field, `unsupported platform ${platform.constructor.name}; use SQLite or PostgreSQL`);
  }
  return dialect;
}

/** Which of the supported dialects a MikroORM instance talks to. */
export function dialectOf(orm: MikroORM): Dialect {
  return requireDialect(orm.config.getPlatform(), 'orm');
}
