import type { SqlEntityManager } from '@mikro-orm/sql';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../../database/options.js';
import { InvalidInputError } from '../../errors.js';
import { inTransaction, query } from '../../executor/executor.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';

// The connections (Kysely instances of MikroORM's SQLite connection, one connection each) found
// with the settings below: checked once each, however many scopes run on them.
const ready = new WeakSet<object>();

/**
 * Whether the SQLite connection of `em` is known to have the settings the library needs: one it
 * opened itself (`openDatabase` runs them as each connection opens), or one checked before. Else
 * a function that checks them and applies what is missing; see {@link applySqliteSettings}.
 *
 * @example
 * const setup = sqliteConnectionSetup(orm.em);
 * if (setup) await setup();
 */
export function sqliteConnectionSetup(em: SqlEntityManager): (() => Promise<void>) | undefined {
  if (em.config.get('driverOptions') instanceof ImmediateSqliteDialect) return undefined;
  const connection: object = em.getConnection('write').getClient();
  if (ready.has(connection)) return undefined;
  return () => applySqliteSettings(em, connection);
}

async function pragma(em: SqlEntityManager, name: string): Promise<number> {
  const [row] = await query<Record<string, unknown>>(em, `pragma ${name}`, [], { prepare: false });
  return Number(Object.values(row ?? {})[0]);
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
async function applySqliteSettings(em: SqlEntityManager, connection: object): Promise<void> {
  if ((await pragma(em, 'foreign_keys')) !== 1) {
    const refusal = new InvalidInputError(
      'em',
      'SQLite foreign keys are off on this connection, and the schema\'s cascades depend on them; run "pragma foreign_keys = on" on it outside a transaction (SQLite cannot turn them on inside one)',
    );
    if (inTransaction(em)) throw refusal;
    await query(em, 'pragma foreign_keys = on', [], { prepare: false });
    if ((await pragma(em, 'foreign_keys')) !== 1) throw refusal;
  }
  if ((await pragma(em, 'busy_timeout')) < DEFAULT_BUSY_TIMEOUT_MS) {
    await query(em, `pragma busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`, [], { prepare: false });
  }
  ready.add(connection);
}
