import { createHash } from 'node:crypto';

// Statements on a connection of knex's pool, with bound parameters, without knex's query
// builder and promise chain: what the hot paths of the tenant scope run on. The connection comes
// from the pool (or a running transaction) through `executeNative` and `nativeTransaction`.

interface SqliteStatement {
  all(params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
  finalize(cb: () => void): void;
}

interface SqliteNative {
  exec(sql: string, cb: (err: Error | null) => void): void;
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
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PgStatement {
  /** Server-side prepared statement name, or undefined for a one-off (unnamed) statement. */
  name: string | undefined;
  text: string;
}

const pgStatements = new Map<string, PgStatement>();
const PG_STATEMENT_CACHE = 2000;
// Statements with few parameters come from a small, fixed set of texts (the hot reads and
// writes); they are prepared once per connection, so PostgreSQL parses and plans them once
// instead of on every call. Longer ones (multi-row inserts, long IN lists) vary with their data
// and stay unnamed, so a connection never accumulates thousands of prepared statements.
const PG_PREPARE_MAX_PARAMS = 32;

/**
 * `?` placeholders as `$1…$n` (the statements here never contain a literal `?`), and the name the
 * statement is prepared under: derived from the text, so one name always means one text on
 * every connection, also after this cache is cleared.
 */
function pgStatement(sql: string): PgStatement {
  let statement = pgStatements.get(sql);
  if (statement === undefined) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    const name = n <= PG_PREPARE_MAX_PARAMS ? `overlay_${createHash('sha1').update(text).digest('hex')}` : undefined;
    statement = { name, text };
    if (pgStatements.size >= PG_STATEMENT_CACHE) pgStatements.clear();
    pgStatements.set(sql, statement);
  }
  return statement;
}

/** How a statement runs. */
export interface StatementOptions {
  /**
   * PostgreSQL: prepare it once per connection (default true; statements with more than 32
   * parameters never are). False for statements whose best plan depends on the parameter values
   * (time windows over a table that grows): a prepared statement may switch to one generic plan.
   */
  prepare?: boolean;
}

/** A connection of knex's pool: a `sqlite3.Database` or a `pg.Client`. */
export type NativeConnection = unknown;

function isPostgres(native: NativeConnection): native is PgNative {
  return typeof (native as PgNative).query === 'function';
}

/**
 * Runs one statement with `?` placeholders on a connection of the pool and returns its rows:
 * a cached prepared statement on SQLite, a parameterized query on PostgreSQL. Driver errors come
 * out raw; callers convert them with the driver's `convertException`.
 *
 * @example
 * const rows = await runOnConnection(native, 'select 1 as x', []);
 */
export async function runOnConnection<T>(
  native: NativeConnection,
  sql: string,
  params: readonly unknown[],
  options: StatementOptions = {},
): Promise<T[]> {
  if (isPostgres(native)) {
    const { name, text } = pgStatement(sql);
    const prepared = options.prepare === false ? undefined : name;
    const result = await native.query({ name: prepared, text, values: params as unknown[] });
    return result.rows as T[];
  }
  const statement = await sqliteStatement(native as SqliteNative, sql);
  return new Promise<T[]>((resolve, reject) => {
    statement.all(params as unknown[], (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  });
}

/**
 * Runs one parameterless statement (BEGIN, COMMIT, ROLLBACK) on a connection of the pool,
 * unprepared.
 *
 * @example
 * await execOnConnection(native, 'begin immediate');
 */
export async function execOnConnection(native: NativeConnection, sql: string): Promise<void> {
  if (isPostgres(native)) {
    await native.query({ text: sql, values: [] });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    (native as SqliteNative).exec(sql, (err) => (err ? reject(err) : resolve()));
  });
}
