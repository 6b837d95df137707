import type { SqlEntityManager } from '@mikro-orm/sql';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../../database/options.js';
import { InvalidInputError } from '../../errors.js';
import type { ConnectionSetup, SetupStatement } from '../dialect.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';

// The host transactions found with foreign keys on: SQLite ignores `pragma foreign_keys` inside a
// transaction, so the setting cannot change before it ends, and its later statements need no check.
const checkedTransactions = new WeakSet<object>();

// Both settings in one read (SQLite's table-valued pragma functions): a host connection pays one
// statement per library call (about 30-40 µs of CPU through the executor on better-sqlite3), the
// price of catching foreign keys turned off between two calls; the library's own connections pay nothing.
const READ_SETTINGS =
  'select f."foreign_keys" as "foreign_keys", b."timeout" as "busy_timeout" from pragma_foreign_keys() as f, pragma_busy_timeout() as b';

/**
 * Undefined when the SQLite connection of `em` is known to have the settings the library needs: one
 * it opened itself (`openDatabase` runs them as each connection opens), or a host transaction checked
 * before. Else a function that checks them and applies what is missing; see {@link applySqliteSettings}.
 * The executor runs it at the start of each of its calls on a host connection, so a host that turns
 * foreign keys off between two calls is caught too.
 *
 * @example
 * const setup = sqliteConnectionSetup(orm.em);
 * if (setup) await setup((sql) => run(sql));
 */
export function sqliteConnectionSetup(em: SqlEntityManager): ConnectionSetup | undefined {
  if (em.config.get('driverOptions') instanceof ImmediateSqliteDialect) return undefined;
  const transaction = em.getTransactionContext<object>();
  if (transaction !== undefined && checkedTransactions.has(transaction)) return undefined;
  return (run) => applySqliteSettings(run, transaction);
}

/**
 * Brings a host's SQLite connection to the settings the library needs: foreign keys on (every
 * cascade of the schema depends on them; SQLite starts with them off, MikroORM 7 turns them on as
 * it connects, a host or a failed `pragma foreign_keys = off` schema change can leave them off) and
 * a busy timeout of at least {@link DEFAULT_BUSY_TIMEOUT_MS} (MikroORM's node:sqlite dialect leaves
 * it at 0, so a writer of another process fails at once). SQLite ignores `pragma foreign_keys`
 * inside a transaction: there, foreign keys that are off are INVALID_INPUT (field `em`), before
 * anything is written.
 */
async function applySqliteSettings(run: SetupStatement, transaction: object | undefined): Promise<void> {
  const [settings] = await run(READ_SETTINGS);
  if (Number(settings?.foreign_keys) !== 1) {
    const refusal = new InvalidInputError(
      'em',
      'SQLite foreign keys are off on this connection, and the schema\'s cascades depend on them; run "pragma foreign_keys = on" on it outside a transaction (SQLite cannot turn them on inside one)',
    );
    if (transaction !== undefined) throw refusal;
    await run('pragma foreign_keys = on');
    const [again] = await run(READ_SETTINGS);
    if (Number(again?.foreign_keys) !== 1) throw refusal;
  }
  if (Number(settings?.busy_timeout) < DEFAULT_BUSY_TIMEOUT_MS) {
    await run(`pragma busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  }
  if (transaction !== undefined) checkedTransactions.add(transaction);
}
