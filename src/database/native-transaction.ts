import { AsyncLocalStorage } from 'node:async_hooks';
import type { AbstractSqlConnection, SqlEntityManager } from '@mikro-orm/knex';
import { execOnConnection, type NativeConnection } from './native-connection.js';
import { platformDialect } from './platform-dialect.js';

// A transaction on one connection of knex's pool, begun and ended with plain statements. knex's
// own transactions (what `em.transactional` runs on) cost about 0.4 ms of JavaScript each (a
// transaction client cloned per call, a promise chain per statement, savepoint bookkeeping): more
// than every statement of `recordRun` together. The statements of the work find the connection
// through `activeNativeTransaction`, so they need no EntityManager of their own; MikroORM's
// entity API must not be used inside (it would ask the pool for a second connection).

/** knex's client: the pool of native connections. */
export interface KnexClient {
  acquireConnection(): Promise<NativeConnection>;
  releaseConnection(connection: NativeConnection): Promise<unknown>;
}

interface ActiveTransaction {
  client: KnexClient;
  connection: NativeConnection;
}

const active = new AsyncLocalStorage<ActiveTransaction>();

/** The pool (knex client) of `em`'s primary connection. */
export function poolOf(em: SqlEntityManager): KnexClient {
  return (em.getConnection() as AbstractSqlConnection).getKnex().client as unknown as KnexClient;
}

/**
 * The connection of the native transaction running in this async context on `client`'s pool,
 * if any.
 *
 * @example
 * const connection = activeNativeTransaction(poolOf(em));
 */
export function activeNativeTransaction(client: KnexClient): NativeConnection | undefined {
  const tx = active.getStore();
  return tx !== undefined && tx.client === client ? tx.connection : undefined;
}

/**
 * Whether a native transaction may run on `em` now: not when `em` is inside a transaction
 * (the work must join it), not inside another native transaction of its pool (it joins that),
 * and not with query logging on (the log must show every statement, which only MikroORM's path
 * writes).
 *
 * @example
 * const result = canBeginNativeTransaction(em) ? await nativeTransaction(em, work) : await em.transactional(work);
 */
export function canBeginNativeTransaction(em: SqlEntityManager): boolean {
  return (
    !em.isInTransaction() &&
    activeNativeTransaction(poolOf(em)) === undefined &&
    !em.config.getLogger().isEnabled('query')
  );
}

/**
 * Runs `work` in one transaction on a connection of `em`'s pool: `BEGIN IMMEDIATE` on SQLite
 * (the write lock first, as every transaction of this library), `BEGIN` on PostgreSQL; COMMIT
 * when `work` resolves, ROLLBACK when it throws. A call inside a running native transaction of
 * the same pool joins it. Errors come out as they were thrown (driver errors converted to
 * MikroORM's exceptions by the caller).
 *
 * @example
 * await nativeTransaction(em, async () => queryRows(em, 'update "workflows" set … returning *', params));
 */
export async function nativeTransaction<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  const client = poolOf(em);
  if (activeNativeTransaction(client) !== undefined) return work();
  const connection = await client.acquireConnection();
  let broken = false;
  try {
    try {
      await execOnConnection(connection, platformDialect(em.getPlatform()) === 'sqlite' ? 'begin immediate' : 'begin');
    } catch (error) {
      throw em.getDriver().convertException(error as Error);
    }
    let result: T;
    try {
      result = await active.run({ client, connection }, work);
    } catch (error) {
      await execOnConnection(connection, 'rollback').catch(() => {
        broken = true;
      });
      throw error;
    }
    try {
      await execOnConnection(connection, 'commit');
    } catch (error) {
      // A failed COMMIT leaves the transaction open on SQLite (SQLITE_BUSY): end it here.
      await execOnConnection(connection, 'rollback').catch(() => undefined);
      throw em.getDriver().convertException(error as Error);
    }
    return result;
  } finally {
    // A connection whose ROLLBACK failed may still hold a transaction: the pool must not reuse it.
    if (broken) (connection as { __knex__disposed?: unknown }).__knex__disposed = 'rollback failed';
    await client.releaseConnection(connection);
  }
}
