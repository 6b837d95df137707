import type { SqlEntityManager } from '@mikro-orm/sql';
import { dialectOfEm, query } from '../../executor/executor.js';
import { withMigrationLock } from '../migration-lock.js';

/**
 * Whether the bookkeeping table exists, so that a refused adopt can leave a foreign database
 * exactly as it found it (Alembic's autogenerate would otherwise offer to drop our table).
 *
 * @example
 * const existed = await bookkeepingTableExists(em, 'overlay_db_migrations');
 */
export async function bookkeepingTableExists(em: SqlEntityManager, table: string): Promise<boolean> {
  const rows = await query(em, dialectOfEm(em).migrations.tableExists, [table], { prepare: false });
  return rows.length > 0;
}

/**
 * Creates the bookkeeping table if it is missing, under the migration lock: two processes
 * creating it at once would collide (PostgreSQL's pg_type), the lock orders them.
 *
 * @example
 * await ensureBookkeepingTable(em, 'overlay_db_migrations');
 */
export async function ensureBookkeepingTable(em: SqlEntityManager, table: string): Promise<void> {
  const sql = dialectOfEm(em).migrations.createBookkeepingTable(em.getPlatform().quoteIdentifier(table));
  await withMigrationLock(em, () => query(em, sql, [], { prepare: false }));
}

/**
 * Drops the bookkeeping table if it holds no row, under the migration lock (so it cannot race
 * another process that is recording a migration). Not in a migration transaction: its closing
 * foreign-key check would fail on the very dangling rows that made adopt refuse.
 *
 * @example
 * if (!existed) await dropBookkeepingTableIfEmpty(em, 'overlay_db_migrations');
 */
export async function dropBookkeepingTableIfEmpty(em: SqlEntityManager, table: string): Promise<void> {
  if (!(await bookkeepingTableExists(em, table))) return;
  const quoted = em.getPlatform().quoteIdentifier(table);
  await withMigrationLock(em, async () => {
    const rows = await query(em, `select 1 as found from ${quoted} limit 1`, [], { prepare: false });
    if (rows.length === 0) await query(em, `drop table ${quoted}`, [], { prepare: false });
  });
}
