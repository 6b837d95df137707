import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { Dialect } from '../../database/options.js';
import { withMigrationLock } from '../migration-lock.js';

/**
 * Whether the bookkeeping table exists, so that a refused adopt can leave a foreign database
 * exactly as it found it (Alembic's autogenerate would otherwise offer to drop our table).
 *
 * @example
 * const existed = await bookkeepingTableExists(connection, 'sqlite', 'overlay_db_migrations');
 */
export async function bookkeepingTableExists(
  connection: AbstractSqlConnection,
  dialect: Dialect,
  table: string,
): Promise<boolean> {
  const rows =
    dialect === 'sqlite'
      ? await connection.execute<unknown[]>("select 1 from sqlite_master where type = 'table' and name = ?", [table])
      : await connection.execute<unknown[]>(
          'select 1 from information_schema.tables where table_schema = current_schema() and table_name = ?',
          [table],
        );
  return rows.length > 0;
}

/**
 * Drops the bookkeeping table if it holds no row, under the migration lock (so it cannot race
 * another process that is recording a migration).
 *
 * @example
 * if (!existed) await dropBookkeepingTableIfEmpty(connection, 'sqlite', 'overlay_db_migrations');
 */
export async function dropBookkeepingTableIfEmpty(
  connection: AbstractSqlConnection,
  dialect: Dialect,
  table: string,
): Promise<void> {
  if (!(await bookkeepingTableExists(connection, dialect, table))) return;
  const quoted = dialect === 'postgresql' ? `"${table}"` : `\`${table}\``;
  const dropIfEmpty = async (trx: Transaction) => {
    const rows = await connection.execute<unknown[]>(`select 1 from ${quoted} limit 1`, [], 'all', trx);
    if (rows.length === 0) await connection.execute(`drop table ${quoted}`, [], 'run', trx);
  };
  if (dialect === 'postgresql') {
    await withMigrationLock(connection, dialect, table, dropIfEmpty);
    return;
  }
  // Not withMigrationLock on SQLite: its closing foreign-key check would fail on the very
  // dangling rows that made adopt refuse. A first write takes the database lock instead.
  await connection.transactional(async (trx) => {
    await connection.execute(`delete from ${quoted} where 0`, [], 'run', trx);
    await dropIfEmpty(trx);
  });
}
