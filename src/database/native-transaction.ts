import { AsyncLocalStorage } from 'node:async_hooks';
import type { AbstractSqlConnection, SqlEntityManager } from '@mikro-orm/knex';
import {
  discardConnection,
  execOnConnection,
  isDiscarded,
  isStalePlanError,
  type NativeConnection,
} from './native-connection.js';
import { platformDialect } from './platform-dialect.js';

// A transaction on one connection of knex's pool, begun and ended with plain statements. knex's
// own transactions (what `em.transactional` runs on) cost about 0.4 ms of JavaScript each (a
// transaction client cloned per call, a promise chain per statement, savepoint bookkeeping): more
// than every statement of `recordRun` together. The statements of the work find the connection
// through `activeNativeConnection`, so they need no EntityManager of their own; MikroORM's
// entity API must not be used inside (it would ask the pool for a second connection).

/** knex's client: the pool of native connections. */
export interface KnexClient {
  acquireConnection(): Promise<NativeConnection>;
  releaseConnection(connection: NativeConnection): Promise<unknown>;
}

interface ActiveConnection {
  client: KnexClient;
  connection: NativeConnection;
  /** True inside `nativeTransaction`, false inside `withNativeConnection` only. */
  transaction: boolean;
}

const active = new AsyncLocalStorage<ActiveConnection>();

function activeOn(client: KnexClient): ActiveConnection | undefined {
  const current = active.getStore();
  return current !== undefined && current.client === client ? current : undefined;
}

/** The pool (knex client) of `em`'s primary connection. */
export function poolOf(em: SqlEntityManager): KnexClient {
  return (em.getConnection() as AbstractSqlConnection).getKnex().client as unknown as KnexClient;
}

/**
 * The connection held in this async context on `client`'s pool (by `nativeTransaction` or
 * `withNativeConnection`), if any.
 *
 * @example
 * const connection = activeNativeConnection(poolOf(em));
 */
export function activeNativeConnection(client: KnexClient): NativeConnection | undefined {
  return activeOn(client)?.connection;
}

/**
 * The connection held in this async context on `client`'s pool, and whether a native transaction
 * is running on it (`nativeTransaction`) or it is only held (`withNativeConnection`).
 *
 * @example
 * const inTransaction = heldNativeConnection(poolOf(em))?.transaction === true;
 */
export function heldNativeConnection(
  client: KnexClient,
): { connection: NativeConnection; transaction: boolean } | undefined {
  return activeOn(client);
}

/**
 * Whether `nativeTransaction` may run on `em` now: not when `em` is inside a transaction of its
 * own (the work must join that one), and not with query logging on (the log must show every
 * statement, and only MikroORM's path writes it). Inside a native transaction or a held
 * connection it may: it joins them.
 *
 * @example
 * const result = canUseNativeConnection(em) ? await nativeTransaction(em, work) : await em.transactional(work);
 */
export function canUseNativeConnection(em: SqlEntityManager): boolean {
  return !em.isInTransaction() && !em.config.getLogger().isEnabled('query');
}

/**
 * Runs `work` in one transaction on a connection of `em`'s pool: `BEGIN IMMEDIATE` on SQLite
 * (the write lock first, as every transaction of this library), `BEGIN` on PostgreSQL; COMMIT
 * when `work` resolves, ROLLBACK when it throws. A call inside a running native transaction of
 * the same pool joins it. Errors come out as they were thrown (driver errors converted to
 * MikroORM's exceptions by the caller). Run once more when a statement of it was prepared before a
 * schema change that made it stale, so `work` must be safe to run again after a rollback.
 *
 * @example
 * await nativeTransaction(em, async () => queryRows(em, 'update "workflows" set … returning "id"', params));
 */
export async function nativeTransaction<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  const client = poolOf(em);
  const held = activeOn(client);
  if (held?.transaction) return work();
  if (held) return onceMoreIfStale(held.connection, () => transactionOn(em, held.connection, client, work));
  const connection = await client.acquireConnection();
  try {
    return await onceMoreIfStale(connection, () => transactionOn(em, connection, client, work));
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Runs a whole transaction again, once, when a prepared statement in it failed because a schema
 * change made it stale (see `isStalePlanError`): that statement aborted the transaction, which was
 * rolled back, and is prepared afresh the next time it runs, so the second run is the same work on
 * the same data as the first.
 */
async function onceMoreIfStale<T>(connection: NativeConnection, transaction: () => Promise<T>): Promise<T> {
  try {
    return await transaction();
  } catch (error) {
    // Not on a connection whose ROLLBACK failed (see transactionOn): it may still be in the transaction.
    if (!isStalePlanError(error) || isDiscarded(connection)) throw error;
    return transaction();
  }
}

/**
 * Runs `work` in one transaction: a native one when {@link canUseNativeConnection} allows it
 * (`work` gets `em`), else MikroORM's on a throwaway fork of `em`, joining `em`'s transaction if
 * it has one (`work` gets the transaction's EntityManager). Hand-written statements only.
 *
 * @example
 * const row = await sqlTransaction(em, (tx) => queryRows(tx, 'insert into … returning "id"', params));
 */
export function sqlTransaction<T>(em: SqlEntityManager, work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
  if (canUseNativeConnection(em)) return nativeTransaction(em, () => work(em));
  return em.fork({ clear: true, keepTransactionContext: true }).transactional((tx) => work(tx as SqlEntityManager));
}

/**
 * Runs `work` with one connection of `em`'s pool held for it: every statement of the work (and
 * a `nativeTransaction` inside it) runs on that connection, so a call of several statements asks
 * the pool once. Inside a running transaction or held connection, or with query logging on, the
 * work just runs. Hand-written statements only: the entity API inside would wait for a second
 * connection.
 *
 * @example
 * const [workflow, steps] = await withNativeConnection(em, async () => [await read1(), await read2()]);
 */
export async function withNativeConnection<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  const client = poolOf(em);
  // Inside a transaction of `em` its statements run on the transaction's connection anyway; with
  // query logging on they take MikroORM's path, which asks the pool itself.
  if (activeOn(client) || !canUseNativeConnection(em)) return work();
  const connection = await client.acquireConnection();
  try {
    return await active.run({ client, connection, transaction: false }, work);
  } finally {
    await client.releaseConnection(connection);
  }
}

async function transactionOn<T>(
  em: SqlEntityManager,
  connection: NativeConnection,
  client: KnexClient,
  work: () => Promise<T>,
): Promise<T> {
  try {
    await execOnConnection(connection, platformDialect(em.getPlatform()) === 'sqlite' ? 'begin immediate' : 'begin');
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  }
  let result: T;
  try {
    result = await active.run({ client, connection, transaction: true }, work);
  } catch (error) {
    await execOnConnection(connection, 'rollback').catch(() => {
      // A connection whose ROLLBACK failed may still hold a transaction: the pool must not reuse it.
      discardConnection(connection, 'rollback failed');
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
}
