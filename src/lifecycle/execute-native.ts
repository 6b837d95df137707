import type { AbstractSqlConnection, SqlEntityManager } from '@mikro-orm/knex';

// The statements of the hot paths go to the driver's own connection with bound parameters.
// MikroORM's `execute` inlines every parameter into the SQL text and sends it through knex's
// query builder, promise chain and pool bookkeeping: several times the cost of the query itself
// for the small indexed reads and writes of the tenant scope. Same connection (the transaction's,
// inside a transaction), same type parsers, same MikroORM exceptions on failure; with query
// logging on, statements take MikroORM's path so that the log stays exactly as before.

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

interface SqliteStatement {
  all(params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
  finalize(cb: () => void): void;
}

interface SqliteNative {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
  prepare(sql: string, cb: (err: Error | null) => void): SqliteStatement;
  close(cb: (err: Error | null) => void): void;
}

// Prepared statements per SQLite connection (the hot statements are few and fixed); SQLite
// recompiles a prepared statement by itself after a schema change.
const sqliteStatements = new WeakMap<SqliteNative, Map<string, SqliteStatement>>();
const SQLITE_STATEMENT_CACHE = 200;

/** The connection's prepared statement for `sql`, preparing it on first use. */
function sqliteStatement(native: SqliteNative, sql: string): Promise<SqliteStatement> {
  let cache = sqliteStatements.get(native);
  if (!cache) {
    const statements = new Map<string, SqliteStatement>();
    cache = statements;
    sqliteStatements.set(native, statements);
    // SQLite refuses to close a connection with unfinalized statements: finalize them first.
    const close = native.close.bind(native);
    native.close = (cb) => {
      const pending = [...statements.values()].map((st) => new Promise<void>((resolve) => st.finalize(resolve)));
      statements.clear();
      void Promise.all(pending).then(() => close(cb));
    };
  }
  const cached = cache.get(sql);
  if (cached) return Promise.resolve(cached);
  const statements = cache;
  return new Promise((resolve, reject) => {
    const statement = native.prepare(sql, (err) => {
      if (err) return reject(err);
      const raced = statements.get(sql);
      if (raced) {
        // Another call prepared the same statement meanwhile: keep one, finalize the other.
        statement.finalize(() => undefined);
        return resolve(raced);
      }
      if (statements.size >= SQLITE_STATEMENT_CACHE) {
        const [oldest, evicted] = statements.entries().next().value as [string, SqliteStatement];
        statements.delete(oldest);
        evicted.finalize(() => undefined);
      }
      statements.set(sql, statement);
      resolve(statement);
    });
  });
}

interface PgNative {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const pgTexts = new Map<string, string>();
const PG_TEXT_CACHE = 2000;

/** `?` placeholders as `$1…$n` (the statements here never contain a literal `?`). */
function pgText(sql: string): string {
  let text = pgTexts.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (pgTexts.size >= PG_TEXT_CACHE) pgTexts.clear();
    pgTexts.set(sql, text);
  }
  return text;
}

/**
 * Runs one statement with `?` placeholders on `em`'s connection (inside its transaction, if it
 * has one) and returns its rows, as `em.execute(sql, params, 'all')` would.
 *
 * @example
 * const rows = await executeNative(em, 'select * from "workflows" where "id" = ? and "company_id" = ?', [id, c]);
 */
export async function executeNative<T>(em: SqlEntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const connection = em.getConnection() as AbstractSqlConnection;
  if (em.config.getLogger().isEnabled('query')) return em.execute<T[]>(sql, params as unknown[], 'all');
  const trx = em.getTransactionContext() as { client: KnexClient } | undefined;
  const client = (trx ? trx.client : connection.getKnex().client) as KnexClient;
  const native = await client.acquireConnection();
  try {
    if (typeof (native as PgNative).query === 'function' && typeof (native as SqliteNative).all !== 'function') {
      const result = await (native as PgNative).query({ text: pgText(sql), values: params as unknown[] });
      return result.rows as T[];
    }
    const statement = await sqliteStatement(native as SqliteNative, sql);
    return await new Promise<T[]>((resolve, reject) => {
      statement.all(params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows as T[])));
    });
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  } finally {
    if (!trx) await client.releaseConnection(native);
  }
}
