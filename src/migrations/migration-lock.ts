import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import {
  discardConnection,
  execOnConnection,
  type NativeConnection,
  runOnConnection,
} from '../database/native-connection.js';
import type { KnexClient } from '../database/native-transaction.js';
import type { Dialect } from '../database/options.js';

/** A stable 64-bit advisory-lock key: the first 8 bytes of sha1("overlay_db_migrations"), fixed. */
const PG_LOCK_KEY = '7345261109384117431';

/**
 * Runs `work` in one transaction that holds the cross-process migration lock.
 *
 * PostgreSQL: a transaction-scoped advisory lock on the migrating connection, released by
 * COMMIT or ROLLBACK (so a killed process never leaves it held). SQLite: a write to the
 * bookkeeping table as the first statement takes the database write lock before anything is
 * read; a deferred transaction that read first could not upgrade to a writer under WAL.
 * SQLite also runs the whole transaction with foreign keys off (set before BEGIN, where the
 * pragma takes effect) so that table rebuilds cannot cascade-delete child rows, and checks
 * every foreign key before committing; it holds the pool's one connection from turning them off
 * to turning them back on, so no other call of the Database ever runs without them.
 */
export async function withMigrationLock<T>(
  connection: AbstractSqlConnection,
  dialect: Dialect,
  table: string,
  work: (trx: Transaction) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgresql') {
    return connection.transactional(async (trx) => {
      // A killed client's backend otherwise finishes its running statement before the lock is
      // released; checking the socket every 500 ms frees the lock promptly (PostgreSQL 14+).
      await connection.execute(
        "select case when current_setting('server_version_num')::int >= 140000 " +
          "then set_config('client_connection_check_interval', '500ms', true) end",
        [],
        'all',
        trx,
      );
      await connection.execute(`select pg_advisory_xact_lock(${PG_LOCK_KEY})`, [], 'all', trx);
      return work(trx);
    });
  }
  // `foreign_keys` is a setting of the connection, and SQLite has one connection per Database:
  // between a pragma and the BEGIN (or the COMMIT and the pragma) the pool would hand it to
  // queued calls, which then delete without cascading. The connection stays held from the first
  // pragma to the last, and the transaction runs on it.
  const knex = connection.getKnex();
  const pool = knex.client as unknown as KnexClient;
  const native = await pool.acquireConnection();
  try {
    try {
      await execOnConnection(native, 'pragma foreign_keys = off');
      return await knex.transaction(
        async (trx) => {
          await connection.execute(`delete from \`${table}\` where 0`, [], 'run', trx);
          const result = await work(trx);
          const violations = await connection.execute<unknown[]>('pragma foreign_key_check', [], 'all', trx);
          if (violations.length > 0) {
            throw new Error(`foreign key check failed: ${JSON.stringify(violations.slice(0, 5))}`);
          }
          return result;
        },
        { connection: native },
      );
    } finally {
      await restoreForeignKeys(native);
    }
  } finally {
    await pool.releaseConnection(native);
  }
}

/**
 * Turns foreign keys back on before the connection goes back to the pool. The pragma is silently
 * ignored inside a transaction (one that a failed COMMIT left open), so it is read back; a
 * connection that still runs without foreign keys is never handed out again.
 */
async function restoreForeignKeys(native: NativeConnection): Promise<void> {
  const turnOn = async () => {
    await execOnConnection(native, 'pragma foreign_keys = on');
    const [row] = await runOnConnection<{ foreign_keys: number }>(native, 'pragma foreign_keys', []);
    return row?.foreign_keys === 1;
  };
  try {
    if (await turnOn()) return;
    await execOnConnection(native, 'rollback');
    if (await turnOn()) return;
  } catch {
    // Handled below: the connection is unusable either way.
  }
  discardConnection(native, 'foreign keys could not be turned back on');
}
