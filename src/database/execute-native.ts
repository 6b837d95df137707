import type { SqlEntityManager } from '@mikro-orm/knex';
import { runOnConnection, type StatementOptions } from './native-connection.js';
import { heldNativeConnection, type KnexClient, poolOf } from './native-transaction.js';
import { namesStatements } from './prepared-statements-flag.js';

// The statements of the hot paths go to the driver's own connection with bound parameters.
// MikroORM's `execute` inlines every parameter into the SQL text and sends it through knex's
// query builder, promise chain and pool bookkeeping: several times the cost of the query itself
// for the small indexed reads and writes of the tenant scope. Same connection (the transaction's,
// inside a transaction), same type parsers, same MikroORM exceptions on failure; with query
// logging on, statements take MikroORM's path so that the log stays exactly as before.

/**
 * Whether {@link executeNative} sends `em`'s statements to the driver itself, with bound
 * parameters. Not with query logging on: then they take MikroORM's `execute`, which writes each
 * parameter into the SQL text as a literal (so a parameter must be something a literal can say).
 *
 * @example
 * const param = bindsNatively(em) ? bytes : bytes.toString('utf8');
 */
export function bindsNatively(em: SqlEntityManager): boolean {
  return !em.config.getLogger().isEnabled('query');
}

/**
 * Runs one statement with `?` placeholders on `em`'s connection and returns its rows, as
 * `em.execute(sql, params, 'all')` would: inside `em`'s transaction if it has one, else inside
 * the native transaction running in this async context, else on a connection of the pool.
 *
 * @example
 * const rows = await executeNative(em, 'select "id", "name" from "workflows" where "id" = ? and "company_id" = ?', [id, c]);
 */
export async function executeNative<T>(
  em: SqlEntityManager,
  sql: string,
  params: readonly unknown[],
  options?: StatementOptions,
): Promise<T[]> {
  if (!bindsNatively(em)) return em.execute<T[]>(sql, params as unknown[], 'all');
  const trx = em.getTransactionContext() as { client: KnexClient } | undefined;
  const pool = poolOf(em);
  const held = trx ? undefined : heldNativeConnection(pool);
  const joined = held?.connection;
  const client = trx ? trx.client : pool;
  const native = joined ?? (await client.acquireConnection());
  const inTransaction = trx !== undefined || held?.transaction === true;
  try {
    return await runOnConnection<T>(
      native,
      sql,
      params,
      namesStatements(em) ? { ...options, inTransaction } : { prepare: false },
    );
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  } finally {
    if (!trx && joined === undefined) await client.releaseConnection(native);
  }
}
