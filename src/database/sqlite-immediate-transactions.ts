import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';

interface KnexTransactionLike {
  begin(conn: unknown): Promise<unknown>;
  query(conn: unknown, sql: string): Promise<unknown>;
}

/**
 * Makes every top-level SQLite transaction start with `BEGIN IMMEDIATE`.
 *
 * knex begins with a deferred `BEGIN`: a transaction that reads before it writes holds only a
 * read snapshot, and when another connection commits first, its first write fails at once with
 * SQLITE_BUSY — the busy timeout never applies to that upgrade. Taking the write lock at BEGIN
 * makes writers queue on the busy timeout instead. Savepoints (nested transactions) are untouched.
 */
export function useImmediateTransactions(orm: MikroORM): void {
  const knex = (orm.em.getConnection() as AbstractSqlConnection).getKnex();
  const client = knex.client as { transaction: (...args: unknown[]) => KnexTransactionLike };
  const createTransaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = createTransaction(...args);
    trx.begin = (conn: unknown) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
}
