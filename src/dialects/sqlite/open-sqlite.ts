import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { InvalidInputError } from '../../errors.js';

/**
 * The SQLite driver under MikroORM: `better-sqlite3` (the one `@mikro-orm/sqlite` installs, with
 * prebuilt binaries) or Node's built-in `node:sqlite`, which needs no package at all.
 *
 * @example
 * const db = await openDatabase({ url: 'sqlite:///./app.db', sqliteDriver: 'node:sqlite' });
 */
export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

/** The SQLite drivers, in the order {@link resolveSqliteDriver} prefers them. */
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = Object.freeze(['better-sqlite3', 'node:sqlite']);

/**
 * `OVERLAY_SQLITE_DRIVER` from the environment, the default when `openDatabase` is given no
 * `sqliteDriver` (as `DATABASE_URL` is for `url`). INVALID_INPUT for a value that names no driver.
 *
 * @example
 * // OVERLAY_SQLITE_DRIVER=node:sqlite node app.js
 * sqliteDriverFromEnvironment(); // 'node:sqlite'
 */
export function sqliteDriverFromEnvironment(): SqliteDriverName | undefined {
  const value = process.env.OVERLAY_SQLITE_DRIVER;
  if (value === undefined || value === '') return undefined;
  if (!SQLITE_DRIVERS.includes(value as SqliteDriverName)) {
    throw new InvalidInputError(
      'OVERLAY_SQLITE_DRIVER',
      `expected one of ${SQLITE_DRIVERS.map((d) => `'${d}'`).join(', ')}`,
    );
  }
  return value as SqliteDriverName;
}

type BetterSqlite3 = new (path: string, options: { timeout: number }) => SqliteDatabase;

// Loaded from where `@mikro-orm/sqlite` is installed: that package depends on it, the host need not.
// In a host's bundle that package is not on disk (the library never imports it); better-sqlite3,
// which a bundler must leave external, is then the one installed beside the running code.
function loadBetterSqlite3(): BetterSqlite3 | undefined {
  const here = createRequire(import.meta.url);
  let from: string;
  try {
    from = here.resolve('@mikro-orm/sqlite');
  } catch {
    try {
      return here('better-sqlite3') as BetterSqlite3;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
      throw error;
    }
  }
  return createRequire(from)('better-sqlite3') as BetterSqlite3;
}

/**
 * The driver to open SQLite with: the one asked for, else better-sqlite3 when `@mikro-orm/sqlite`
 * is installed, else `node:sqlite`. INVALID_INPUT when better-sqlite3 is asked for and missing.
 *
 * @example
 * resolveSqliteDriver(undefined); // 'better-sqlite3' where @mikro-orm/sqlite is installed
 */
export function resolveSqliteDriver(asked: SqliteDriverName | undefined): SqliteDriverName {
  if (asked === 'node:sqlite') return asked;
  if (loadBetterSqlite3() !== undefined) return 'better-sqlite3';
  if (asked === 'better-sqlite3') {
    throw new InvalidInputError('sqliteDriver', 'better-sqlite3 comes with @mikro-orm/sqlite, which is not installed');
  }
  return 'node:sqlite';
}

// Kysely prepares every statement it runs; the library's statements are few and fixed, so each
// connection keeps its prepared statements (SQLite re-prepares one by itself after a schema change).
const STATEMENT_CACHE = 200;

/**
 * Opens one SQLite connection with `driver`, in the shape Kysely's `SqliteDialect` takes, with a
 * cache of prepared statements and `busyTimeoutMs` as the driver's own busy timeout.
 *
 * @example
 * new SqliteDialect({ database: async () => openSqlite('better-sqlite3', '/tmp/a.db', 5000) });
 */
export function openSqlite(driver: SqliteDriverName, path: string, busyTimeoutMs: number): SqliteDatabase {
  const database =
    driver === 'better-sqlite3' ? openBetterSqlite3(path, busyTimeoutMs) : openNodeSqlite(path, busyTimeoutMs);
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}

function openBetterSqlite3(path: string, timeout: number): SqliteDatabase {
  const Database = loadBetterSqlite3();
  if (Database === undefined) throw new Error('better-sqlite3 is not installed');
  return new Database(path, { timeout });
}

interface NodeStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns(): unknown[];
}

interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  close(): void;
}

// node:sqlite's statements take their parameters spread and say whether they return rows by their
// columns; Kysely's SqliteDialect expects better-sqlite3's shape.
function openNodeSqlite(path: string, timeout: number): SqliteDatabase {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as {
    DatabaseSync: new (path: string, options: { timeout: number }) => NodeDatabase;
  };
  const database = new DatabaseSync(path, { timeout });
  return {
    prepare(sql) {
      const statement = database.prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (params) => statement.all(...params),
        run: (params) => statement.run(...params),
        iterate: (params) => statement.iterate(...params),
      };
    },
    close: () => database.close(),
  };
}
