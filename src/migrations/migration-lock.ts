import type { SqlEntityManager } from '@mikro-orm/sql';
import type { ForeignKeySuspension } from '../dialects/migration-sql.js';
import { DatabaseError } from '../errors.js';
import { dialectOfEm, query, transaction, withConnection } from '../executor/executor.js';

async function run(em: SqlEntityManager, sql: string): Promise<Record<string, unknown>[]> {
  return query(em, sql, [], { prepare: false });
}

/**
 * Runs `work` in one transaction that holds the cross-process migration lock: on PostgreSQL a
 * transaction-scoped advisory lock, released by COMMIT or ROLLBACK (so a killed process never
 * leaves it held); on SQLite the database's one write lock, which `begin immediate` takes before
 * anything is read. Every statement of `work` through the executor joins the transaction.
 *
 * @example
 * await withMigrationLock(em, () => query(em, 'create table if not exists …'));
 */
export async function withMigrationLock<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  const { lockStatements } = dialectOfEm(em).migrations;
  return transaction(em, async () => {
    for (const statement of lockStatements) await run(em, statement);
    return work();
  });
}

/**
 * {@link withMigrationLock} for a migration: where DDL can cascade (SQLite, whose table rebuilds
 * drop the parent table), foreign keys are off for the whole transaction, turned off before
 * BEGIN (where the pragma takes effect), renames leave other tables' references as written (a
 * host table's reference to a table we rebuild keeps naming it), and every reference is checked
 * before COMMIT; a dangling one rolls the run back. The pool's one connection stays held from
 * turning them off to turning them back on, so no other call of the Database ever runs without
 * them.
 *
 * @example
 * await withMigrationTransaction(em, async () => { for (const m of plan) await apply(m); });
 */
export async function withMigrationTransaction<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  const suspension = dialectOfEm(em).migrations.foreignKeys;
  if (suspension === null) return withMigrationLock(em, work);
  return withConnection(em, async () => {
    await run(em, suspension.off);
    try {
      await run(em, suspension.pinReferences);
      return await withMigrationLock(em, async () => {
        const result = await work();
        const violations = await run(em, suspension.violations);
        if (violations.length > 0) {
          throw new Error(`foreign key check failed: ${JSON.stringify(violations.slice(0, 5))}`);
        }
        return result;
      });
    } finally {
      // A failure here leaves a connection that restoreForeignKeys closes if it cannot be used.
      await run(em, suspension.unpinReferences).catch(() => undefined);
      await restoreForeignKeys(em, suspension);
    }
  });
}

/**
 * Turns foreign keys back on before the connection goes back to the pool. The pragma is silently
 * ignored inside a transaction (one that a failed ROLLBACK left open), so it is read back; when
 * they cannot be turned on, the connection is closed rather than handed out without them.
 */
async function restoreForeignKeys(em: SqlEntityManager, suspension: ForeignKeySuspension): Promise<void> {
  const turnOn = async () => {
    await run(em, suspension.on);
    const [row] = await run(em, suspension.state);
    return row !== undefined && Number(Object.values(row)[0]) === 1;
  };
  try {
    if (await turnOn()) return;
    await run(em, 'rollback');
    if (await turnOn()) return;
  } catch {
    // Handled below: the connection is unusable either way.
  }
  await em
    .getConnection()
    .close(true)
    .catch(() => undefined);
  throw new DatabaseError(
    'Foreign keys could not be turned back on after a migration; the database was closed so that nothing runs without them',
  );
}
