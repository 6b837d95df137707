import { MikroORM } from '@mikro-orm/sql';
import type { OpeningMode } from '../dialects/dialect.js';
import { dialectNamed, requireDialect } from '../dialects/dialect-of.js';
import { applyDialectDefaults } from '../entities/apply-dialect-defaults.js';
import { DatabaseError, OverlayDbError } from '../errors.js';
import { query } from '../executor/executor.js';
import { observeStatements, type StatementObserver } from '../executor/statement-log.js';
import { refuseBeforeMigrating } from '../migrations/refuse-before-migrating.js';
import { validateOpenOptions } from '../reliability/validate-open-options.js';
import { markRowLevelSecurity } from '../security/row-level-security-flag.js';
import { Database } from './database.js';
import type { OpenDatabaseOptions } from './options.js';
import { ormOptions } from './orm-options.js';
import { DEFAULT_DATABASE_URL, describeDatabase, parseDatabaseUrl } from './parse-database-url.js';
import { queryHookObserver } from './query-hook.js';
import { queryLogLine } from './query-log-line.js';
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
  return openDatabaseAs(input, {});
}

/**
 * {@link openDatabase} with how a migration run opens it: the CLI opens every database with
 * `keepJournalMode` and calls {@link afterWritingRun} once a command that writes has succeeded;
 * `migrate: true` does both itself. @internal
 *
 * @example
 * const db = await openDatabaseAs({ url }, { keepJournalMode: true });
 * await db.migrator.up();
 * await afterWritingRun(db);
 */
export async function openDatabaseAs(input: OpenDatabaseOptions, opening: OpeningMode): Promise<Database> {
  const options = validateOpenOptions(input);
  const url = options.url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const parsed = parseDatabaseUrl(url);
  // Before anything opens it: a refused database is left as it was (SQLite's file not even switched to WAL).
  if (options.migrate) await refuseBeforeMigrating(parsed, options, { run: 'write', mustExist: false });
  // A failed run must leave a SQLite file as it was, header included: WAL comes after the run.
  const keepJournalMode = opening.keepJournalMode === true || options.migrate === true;
  const config = await ormOptions(parsed, options, { keepJournalMode });
  let orm: MikroORM | undefined;
  try {
    const opened: MikroORM = new MikroORM(config as never);
    orm = opened;
    const dialect = requireDialect(opened.config.getPlatform(), 'url');
    applyDialectDefaults(opened.getMetadata(), dialect.name);
    const observers: StatementObserver[] = [];
    if (options.debug) {
      const log = options.logger ?? ((message: string) => console.log(message));
      observers.push((event) => log(redactSecrets(queryLogLine(event))));
    }
    if (options.onQuery) observers.push(queryHookObserver(dialect.name, options.onQuery));
    if (observers.length > 0) {
      const [only] = observers;
      const all: StatementObserver = (event) => {
        for (const observer of observers) observer(event);
      };
      observeStatements(opened.config, observers.length === 1 ? only : all);
    }
    if (options.rowLevelSecurity) markRowLevelSecurity(opened.config);
    await opened.connect();
    // A first statement, so that a database that cannot be reached fails here, with its reason.
    await query(opened.em.fork(), 'select 1 as "ok"');
    const db = new Database(opened, dialect.name);
    if (options.migrate) {
      await db.migrator.up();
      await afterWritingRun(db);
    }
    return db;
  } catch (error) {
    await orm?.close(true).catch(() => undefined);
    if (error instanceof OverlayDbError) throw error;
    const { where, secret } = describeDatabase(parsed);
    const reason = redactSecrets(error instanceof Error ? error.message : String(error))
      .split(secret ?? '\u0000')
      .join('***');
    throw new DatabaseError(`Could not open the ${parsed.dialect} database ${where}: ${reason}`, { cause: error });
  }
}

/**
 * Brings a database opened with `keepJournalMode` to the settings the library runs with, once a
 * migration run on it has committed (SQLite: WAL). @internal
 *
 * @example
 * await afterWritingRun(db);
 */
export async function afterWritingRun(db: Database): Promise<void> {
  const em = db.orm.em.fork();
  for (const statement of dialectNamed(db.dialect).migrations.afterWritingRun) {
    await query(em, statement, [], { prepare: false });
  }
}
