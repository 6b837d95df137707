import type { MikroORM } from '@mikro-orm/core';
import type { Dialect } from '../database/options.js';
import { InvalidInputError } from '../errors.js';

/** Which of the supported dialects a MikroORM instance talks to. */
export function dialectOf(orm: MikroORM): Dialect {
  const platform = orm.config.getPlatform().constructor.name.toLowerCase();
  if (platform.includes('sqlite')) return 'sqlite';
  if (platform.includes('postgre')) return 'postgresql';
  throw new InvalidInputError(
    'orm',
    `unsupported platform ${orm.config.getPlatform().constructor.name}; use SQLite or PostgreSQL`,
  );
}
