import type { MikroORM } from '@mikro-orm/core';
import { DatabaseError, InvalidInputError, OverlayDbError } from '../errors.js';
import { validateOpenOptions } from '../reliability/validate-open-options.js';
import { markRowLevelSecurity } from '../security/row-level-security-flag.js';
import { buildOrmOptions } from './build-orm-options.js';
import { createOrm } from './create-orm.js';
import { Database } from './database.js';
import type { OpenDatabaseOptions } from './options.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactDatabaseUrl } from './parse-database-url.js';
import { markUnnamedStatements } from './prepared-statements-flag.js';
import { redactSecrets } from './redact.js';

/**
 * Opens a database from a SQLAlchemy-style URL: `options.url`, else `DATABASE_URL`, else
 * `sqlite:///./app.db`. With `migrate: true` it also applies pending bundled migrations.
 *
 * @example
 * const db = await openDatabase({ url: 'sqlite:///./app.db', migrate: true });
 * try { … } finally { await db.close(); }
 */
export async function openDatabase(input: OpenDatabaseOptions = {}): Promise<Database> {
  const options = validateOpenOptions(input);
  const url = options.url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const parsed = parseDatabaseUrl(url);
  if (options.rowLevelSecurity && parsed.dialect !== 'postgresql') {
    throw new InvalidInputError('rowLevelSecurity', 'row-level security is a PostgreSQL feature');
  }
  if (options.preparedStatements === false && parsed.dialect !== 'postgresql') {
    throw new InvalidInputError(
      'preparedStatements',
      "named prepared statements are a PostgreSQL feature; SQLite's live in the process and stay on",
    );
  }
  const ormOptions = await buildOrmOptions(parsed, options);
  let orm: MikroORM | undefined;
  try {
    // createOrm has run a first query by the time it returns, and closes what it opened if it fails.
    orm = await createOrm(ormOptions, parsed.dialect);
    if (options.rowLevelSecurity) markRowLevelSecurity(orm.config);
    if (options.preparedStatements === false) markUnnamedStatements(orm.config);
    const db = new Database(orm, parsed.dialect);
    if (options.migrate) await db.migrator.up();
    return db;
  } catch (error) {
    await orm?.close(true).catch(() => undefined);
    if (error instanceof OverlayDbError) throw error;
    const where = parsed.dialect === 'sqlite' ? parsed.path : redactDatabaseUrl(parsed.url);
    const reason = redactSecrets(error instanceof Error ? error.message : String(error))
      .split(parsed.dialect === 'postgresql' && parsed.password ? parsed.password : '\u0000')
      .join('***');
    throw new DatabaseError(`Could not open the ${parsed.dialect} database ${where}: ${reason}`, { cause: error });
  }
}
