import type { SqlEntityManager } from '@mikro-orm/sql';
import { inTransaction, query, transaction } from '../executor/executor.js';

let savepoints = 0;

/**
 * Runs `work` (statements on `em` only) as one unit that either happens whole or leaves nothing
 * behind: its own transaction, or inside a transaction `em` is in already (a host's, or one of the
 * library) a savepoint of it. A failed statement aborts a whole PostgreSQL transaction; rolled
 * back to the savepoint, the caller's transaction goes on, as with MikroORM's nested
 * `em.transactional`. @internal
 *
 * @example
 * const rows = await atomically(em, () => query(em, 'insert into "companies" … returning "id"', params));
 */
export async function atomically<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  if (!inTransaction(em)) return transaction(em, work);
  savepoints = (savepoints % 1_000_000) + 1;
  const name = `"overlay_savepoint_${savepoints}"`;
  await query(em, `savepoint ${name}`, [], { prepare: false });
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // If this fails too, the connection or the outer transaction is gone: the work's error is the news.
    await query(em, `rollback to savepoint ${name}`, [], { prepare: false })
      .then(() => query(em, `release savepoint ${name}`, [], { prepare: false }))
      .catch(() => undefined);
    throw error;
  }
  await query(em, `release savepoint ${name}`, [], { prepare: false });
  return result;
}
