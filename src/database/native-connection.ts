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
  base: string | undefined;
  text: string;
  /** `base` as named in `epoch`. */
  name: string | undefined;
  epoch: number;
}

// A prepared statement's result type is fixed when it is prepared. When another process changes a
// table it reads (a column's type, or the columns behind a `*`), PostgreSQL refuses to run it
// again: "cached plan must not change result type" (0A000), on every connection that prepared it,
// until that connection closes. The names therefore carry an epoch, moved on when that error is
// first seen: every statement is prepared afresh under a new name on its next use, on every
// connection (the change that hit one statement hit the others that read the table too). A new
// name rather than DEALLOCATE and the same name: pg remembers which names it has parsed on a
// connection and would skip the Parse of a name it thinks exists.
let pgEpoch = 0;
// The epoch each connection's named statements belong to; those of an older one are deallocated
// before the connection's next named statement, so a connection never keeps more than one set.
const pgConnectionEpochs = new WeakMap<PgNative, number>();

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
    const base = n <= PG_PREPARE_MAX_PARAMS ? `overlay_${createHash('sha1').update(text).digest('hex')}` : undefined;
    statement = { base, text, name: base, epoch: 0 };
    if (pgStatements.size >= PG_STATEMENT_CACHE) pgStatements.clear();
    pgStatements.set(sql, statement);
  }
  if (statement.epoch !== pgEpoch && statement.base !== undefined) {
    statement.epoch = pgEpoch;
    statement.name = `${statement.base}_${pgEpoch}`;
  }
  return statement;
}

/**
 * PostgreSQL's refusal to run a prepared statement whose result type a schema change altered, as
 * pg throws it, as MikroORM converts it, or as the `cause` of an error made from it.
 *
 * @example
 * if (isStalePlanError(error)) return runTransactionAgain();
 */
export function isStalePlanError(error: unknown): boolean {
  let e = error as { code?: unknown; routine?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if (
      e.code === '0A000' &&
      (e.routine === 'RevalidateCachedQuery' || String(e.message).includes('cached plan must not change result type'))
    ) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

// The names this library gives its statements (see pgStatement): nothing in them needs quoting.
const OUR_NAME = /^overlay_[0-9a-f]{40}(_[0-9]+)?$/;

/** Deallocates the statements this library prepared on `native` under the names of an older epoch. */
async function dropStaleStatements(native: PgNative): Promise<void> {
  const current = `_${pgEpoch}`;
  const { rows } = await native.query({
    text: "select name from pg_prepared_statements where name like 'overlay\\_%'",
    values: [],
  });
  const stale = (rows as { name: string }[])
    .map((r) => r.name)
    .filter((name) => OUR_NAME.test(name) && !name.endsWith(current));
  // Several statements in one simple-protocol query (no parameters), so one round trip.
  if (stale.length > 0)
    await native.query({ text: stale.map((name) => `deallocate "${name}";`).join(' '), values: [] });
}

/** Runs a statement on PostgreSQL, prepared under its name unless `prepare` is false. */
async function runPg<T>(
  native: PgNative,
  sql: string,
  params: readonly unknown[],
  options: StatementOptions,
  retry: boolean,
): Promise<T[]> {
  const statement = pgStatement(sql);
  const name = options.prepare === false ? undefined : statement.name;
  const epoch = statement.epoch;
  if (name !== undefined) {
    const connectionEpoch = pgConnectionEpochs.get(native);
    if (connectionEpoch !== epoch) {
      if (connectionEpoch !== undefined) await dropStaleStatements(native);
      pgConnectionEpochs.set(native, epoch);
    }
  }
  try {
    const result = await native.query({ name, text: statement.text, values: params as unknown[] });
    return result.rows as T[];
  } catch (error) {
    if (name === undefined || !isStalePlanError(error)) throw error;
    // Once per schema change, however many connections saw it at once.
    if (epoch === pgEpoch) pgEpoch++;
    // Inside a transaction the failed statement has aborted it: only the whole transaction can
    // run again (nativeTransaction and the scope's transactions do; a caller's own transaction is
    // the caller's to retry). Outside one, running the statement again under its new name is the
    // same as the call being made a moment later.
    if (!retry || options.inTransaction) throw error;
    return runPg(native, sql, params, options, false);
  }
}

/** How a statement runs. */
export interface StatementOptions {
  /**
   * PostgreSQL: prepare it once per connection (default true; statements with more than 32
   * parameters never are). False for statements whose best plan depends on the parameter values
   * (time windows over a table that grows): a prepared statement may switch to one generic plan.
   */
  prepare?: boolean;
  /**
   * True when the statement runs inside a transaction: a prepared statement that a schema change
   * made stale then fails (it aborted the transaction) instead of being prepared again and retried.
   */
  inTransaction?: boolean;
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
  if (isPostgres(native)) return runPg<T>(native, sql, params, options, true);
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

// Connections this library has given up on, so that it never retries work on one of them.
const discarded = new WeakSet<object>();

/**
 * Takes a connection out of service: knex's pool destroys a connection marked `__knex__disposed`
 * instead of handing it out again (the one place this library sets that mark), and
 * {@link isDiscarded} remembers it. For a connection that may still hold a transaction or a
 * changed setting.
 *
 * @example
 * await execOnConnection(native, 'rollback').catch(() => discardConnection(native, 'rollback failed'));
 */
export function discardConnection(native: NativeConnection, reason: string): void {
  (native as { __knex__disposed?: unknown }).__knex__disposed = reason;
  discarded.add(native as object);
}

/**
 * Whether {@link discardConnection} took this connection out of service.
 *
 * @example
 * if (isDiscarded(native)) throw error; // no second attempt on a connection that may be mid-transaction
 */
export function isDiscarded(native: NativeConnection): boolean {
  return discarded.has(native as object);
}
