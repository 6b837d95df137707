// The raw sides of the benchmark, each the fastest form of its driver: better-sqlite3 and
// `node:sqlite` (DatabaseSync) with cached prepared statements, `pg` with named prepared
// statements. Statements are written with `?` placeholders once and rewritten to `$n` for
// PostgreSQL (cached), so every raw side runs the same SQL text. Each counts the statements it
// sends (see `statements`), so the bench measures round trips instead of declaring them.

import { createRequire } from 'node:module';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import pg from 'pg';

export type Row = Record<string, any>;

/** The smallest driver surface the raw operations need. */
export interface RawDriver {
  readonly dialect: 'sqlite' | 'postgresql';
  /**
   * Runs one statement and returns its rows: prepared and cached by its text, unless `prepare` is
   * false (PostgreSQL then plans it on every call, as the library does for the health summary).
   */
  all(sql: string, params?: unknown[], options?: { prepare?: boolean }): Promise<Row[]>;
  /** Runs an unprepared batch (BEGIN, COMMIT, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `work` in one transaction (`begin immediate` on SQLite, like the library) on one
   * connection: a pooled driver checks a client out for it; SQLite callers of one process take turns.
   */
  transaction<T>(work: (tx: RawDriver) => Promise<T>): Promise<T>;
  /** Statements sent so far, transaction control (begin, commit, rollback) not counted. */
  readonly statements: { count: number };
  close(): Promise<void>;
}

const TRANSACTION_CONTROL = /^\s*(begin|commit|rollback|savepoint|release)\b/i;

/** Counts `sql` in `counter` unless it is transaction control. */
export function countStatement(counter: { count: number }, sql: string): void {
  if (!TRANSACTION_CONTROL.test(sql)) counter.count++;
}

const pgTexts = new Map<string, { name: string; text: string }>();

function pgStatement(sql: string): { name: string; text: string } {
  let prepared = pgTexts.get(sql);
  if (!prepared) {
    let n = 0;
    prepared = { name: `raw_${pgTexts.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    pgTexts.set(sql, prepared);
  }
  return prepared;
}

/**
 * Reports an idle pooled connection's error instead of crashing the run (`pg.Pool` emits them as
 * 'error' events, which end the process when nobody listens).
 */
export function watchPool(pool: pg.Pool): pg.Pool {
  pool.on('error', (error) => console.error(`idle pool connection: ${error.message}`));
  return pool;
}

type PgQueryable = Pick<pg.Client, 'query'>;

function pgDriver(
  client: PgQueryable,
  statements: { count: number },
  transaction: RawDriver['transaction'],
  close: () => Promise<void>,
): RawDriver {
  return {
    dialect: 'postgresql',
    async all(sql, params = [], options = {}) {
      countStatement(statements, sql);
      const { name, text } = pgStatement(sql);
      const prepared = options.prepare === false ? undefined : name;
      return (await client.query({ name: prepared, text, values: params as unknown[] })).rows;
    },
    async exec(sql) {
      countStatement(statements, sql);
      await client.query(sql);
    },
    transaction,
    statements,
    close,
  };
}

async function inTransaction<T>(tx: RawDriver, begin: string, work: (tx: RawDriver) => Promise<T>): Promise<T> {
  await tx.exec(begin);
  try {
    const result = await work(tx);
    await tx.exec('commit');
    return result;
  } catch (error) {
    await tx.exec('rollback');
    throw error;
  }
}

/** A raw `pg.Client` on `url`: named prepared statements, one connection. */
export async function openRawPostgres(url: string): Promise<RawDriver> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const statements = { count: 0 };
  const driver: RawDriver = pgDriver(
    client,
    statements,
    (work) => inTransaction(driver, 'begin', work),
    () => client.end(),
  );
  return driver;
}

/** A raw `pg.Pool` of `max` connections on `url`: named prepared statements (per connection, as `pg` keeps them). */
export function openRawPostgresPool(url: string, max: number): RawDriver {
  const pool = watchPool(new pg.Pool({ connectionString: url, max }));
  const statements = { count: 0 };
  return pgDriver(
    pool,
    statements,
    async (work) => {
      const client = await pool.connect();
      try {
        const tx = pgDriver(
          client,
          statements,
          () => Promise.reject(new Error('nested')),
          async () => undefined,
        );
        return await inTransaction(tx, 'begin', work);
      } finally {
        client.release();
      }
    },
    () => pool.end(),
  );
}

const SQLITE_PRAGMAS =
  'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;';

interface SqliteStatement {
  /** Rows of a statement that returns rows; runs (and returns []) one that does not. */
  rows(params: unknown[]): Row[];
}

/**
 * A raw driver on one synchronous SQLite connection. Transactions of this process's callers take
 * turns (a promise chain), since `work` awaits between its statements and another caller's
 * statement would otherwise land inside the transaction.
 */
function sqliteDriver(
  prepare: (sql: string) => SqliteStatement,
  exec: (sql: string) => void,
  close: () => void,
): RawDriver {
  const cache = new Map<string, SqliteStatement>();
  const statements = { count: 0 };
  let turn: Promise<unknown> = Promise.resolve();
  const driver: RawDriver = {
    dialect: 'sqlite',
    async all(sql, params = []) {
      countStatement(statements, sql);
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt.rows(params.map((p) => (p === true ? 1 : p === false ? 0 : p)));
    },
    async exec(sql) {
      countStatement(statements, sql);
      exec(sql);
    },
    transaction(work) {
      const result = turn.then(() => inTransaction(driver, 'begin immediate', work));
      turn = result.catch(() => undefined);
      return result;
    },
    statements,
    async close() {
      cache.clear();
      close();
    },
  };
  return driver;
}

interface BetterSqliteStatement {
  reader: boolean;
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): unknown;
}
export interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
  exec(sql: string): void;
  close(): void;
}

/** better-sqlite3 as @mikro-orm/sqlite installs it (the driver the library runs on by default). */
export function openBetterSqlite(file: string): BetterSqliteDatabase {
  const from = createRequire(import.meta.url).resolve('@mikro-orm/sqlite');
  const Database = createRequire(from)('better-sqlite3') as new (
    file: string,
    options: { timeout: number },
  ) => BetterSqliteDatabase;
  const db = new Database(file, { timeout: 10000 });
  db.exec(SQLITE_PRAGMAS);
  return db;
}

/** A raw better-sqlite3 `Database` on `file` with the library's pragmas and cached prepared statements. */
export async function openRawSqlite(file: string): Promise<RawDriver> {
  const db = openBetterSqlite(file);
  return sqliteDriver(
    (sql) => {
      const stmt = db.prepare(sql);
      return stmt.reader
        ? { rows: (params) => stmt.all(...params) }
        : {
            rows: (params) => {
              stmt.run(...params);
              return [];
            },
          };
    },
    (sql) => db.exec(sql),
    () => db.close(),
  );
}

/** A raw `node:sqlite` `DatabaseSync` on `file` with the library's pragmas and cached `StatementSync`s. */
export async function openRawNodeSqlite(file: string): Promise<RawDriver> {
  const db = new DatabaseSync(file, { timeout: 10000 });
  db.exec(SQLITE_PRAGMAS);
  return sqliteDriver(
    (sql) => {
      const stmt: StatementSync = db.prepare(sql);
      return { rows: (params) => stmt.all(...(params as never[])) as Row[] };
    },
    (sql) => db.exec(sql),
    () => db.close(),
  );
}
