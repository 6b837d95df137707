import type { Options } from '@mikro-orm/core';
import type { OpeningMode } from '../dialects/dialect.js';
import { dialectNamed } from '../dialects/dialect-of.js';
import { entities } from '../entities/index.js';
import { MIGRATIONS_TABLE, type OpenDatabaseOptions } from './options.js';
import type { ParsedDatabaseUrl } from './parse-database-url.js';
import { redactSecrets } from './redact.js';

let opened = 0;

/**
 * MikroORM's options for a database `openDatabase` opens: ours, then the dialect module's
 * connection settings, then what the caller passes through `mikroOrm`.
 *
 * @example
 * const orm = new MikroORM(await ormOptions(parseDatabaseUrl(url), options));
 */
export async function ormOptions(
  parsed: ParsedDatabaseUrl,
  options: OpenDatabaseOptions,
  opening: OpeningMode = {},
): Promise<Partial<Options>> {
  const log = options.logger ?? ((message: string) => console.log(message));
  const passThrough = options.mikroOrm ?? {};
  const connection = await dialectNamed(parsed.dialect).ormOptions(parsed, options, opening);
  return {
    metadataCache: { enabled: false },
    allowGlobalContext: false,
    // MikroORM tracks the running transaction per context name: with the default one shared, a
    // host's second ORM would see (and join) this ORM's transactions.
    contextName: `overlay-db-${++opened}`,
    debug: options.debug ?? false,
    logger: (message: string) => log(redactSecrets(message)),
    colors: false,
    ensureDatabase: false,
    ...connection,
    ...passThrough,
    entities: [...entities, ...((passThrough.entities as unknown[]) ?? [])] as Options['entities'],
    migrations: { tableName: MIGRATIONS_TABLE, snapshot: false, ...(passThrough.migrations ?? {}) },
  };
}
