import type { Options } from '@mikro-orm/core';
import type { SqliteDriverName } from '../dialects/sqlite/open-sqlite.js';
import type { QueryHook } from './query-hook.js';

/**
 * Which SQL dialect a database speaks.
 *
 * @example
 * if (db.dialect === 'postgresql') { … }
 */
export type Dialect = 'sqlite' | 'postgresql';

/**
 * Options of {@link openDatabase}; every field is optional.
 *
 * @example
 * const options: OpenDatabaseOptions = { url: process.env.DATABASE_URL, migrate: true, pool: { max: 20 } };
 */
export interface OpenDatabaseOptions {
  /** Database URL; default `process.env.DATABASE_URL`, else {@link DEFAULT_DATABASE_URL}. */
  url?: string;
  /** Apply pending bundled migrations while opening (default `false`). */
  migrate?: boolean;
  /** Log SQL (default `false`). Passwords and password hashes are redacted from every line. */
  debug?: boolean;
  /** Where log lines go (default `console.log`). Receives already-redacted text. */
  logger?: (message: string) => void;
  /**
   * Called after every statement the library runs, with its SQL (placeholders, no values, secrets
   * redacted), time, dialect, row count or error code: for OpenTelemetry spans or a structured
   * logger. Independent of `debug`. A hook that throws never breaks the call (see {@link QueryHook}).
   */
  onQuery?: QueryHook;
  /** PostgreSQL connection pool size (default {@link DEFAULT_POOL}). SQLite always uses one connection. */
  pool?: { min?: number; max?: number };
  /**
   * PostgreSQL read-replica URLs (hot standbys streaming from `url`). The tenant scope's plain reads
   * outside a transaction run on a replica once it has replayed this database's writes, and fall back
   * to the primary while it is behind, down or not answering (5 s connect timeout); writes, reads
   * inside transactions and the services run on the primary (docs/replicas.md). MikroORM's own reads
   * through `db.fork()` go to a replica too (`preferReadReplicas`), without that fallback.
   */
  replicas?: string[];
  /**
   * SQLite: the driver. Default: `OVERLAY_SQLITE_DRIVER` from the environment, else
   * `'better-sqlite3'` where `@mikro-orm/sqlite` is installed, else Node's built-in `'node:sqlite'`
   * (no native package at all). INVALID_INPUT on PostgreSQL.
   */
  sqliteDriver?: SqliteDriverName;
  /** SQLite: how long a writer waits for the lock before failing, in ms (default {@link DEFAULT_BUSY_TIMEOUT_MS}). */
  busyTimeoutMs?: number;
  /**
   * SQLite: how many bytes of the database file are read through a memory map instead of a read
   * call per page (default 256 MiB; 0 turns it off, for file systems where mapped I/O is unsafe).
   */
  sqliteMmapBytes?: number;
  /**
   * PostgreSQL row-level security (default `false`): every tenant-scope call runs in a transaction
   * that first sets `app.company_id` for the policies created by `enableRowLevelSecurity`.
   * Connect as the non-owner app role those policies bind. INVALID_INPUT on SQLite.
   */
  rowLevelSecurity?: boolean;
  /**
   * PostgreSQL: prepare the library's fixed statements once per connection, under a name (default
   * `true`). `false` sends every statement unnamed, for a connection pooler in transaction mode
   * without prepared-statement support (PgBouncer before 1.21, or without `max_prepared_statements`).
   * Costs a parse and a plan per call. INVALID_INPUT on SQLite, whose statements live in the process.
   */
  preparedStatements?: boolean;
  /**
   * PostgreSQL: the longest a statement may run, in ms, lock waits included (`statement_timeout` of
   * every connection); past it the call fails with DATABASE_ERROR and its transaction rolls back.
   * Default: the server's setting (0 there: no limit). INVALID_INPUT on SQLite, whose writers wait
   * at most `busyTimeoutMs`.
   */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL: the longest a statement waits for a lock, in ms (`lock_timeout` of every
   * connection); past it the call fails with DATABASE_ERROR, not retried. Default: the server's
   * setting. INVALID_INPUT on SQLite (see `busyTimeoutMs`).
   */
  lockTimeoutMs?: number;
  /** Passed through to MikroORM as-is (entities are added to ours). Use with care. */
  mikroOrm?: Partial<Options>;
}

/**
 * PostgreSQL pool size used when `pool` is not given.
 *
 * @example
 * openDatabase({ url, pool: { ...DEFAULT_POOL, max: 30 } });
 */
export const DEFAULT_POOL = Object.freeze({ min: 0, max: 10 });
/**
 * SQLite busy timeout used when `busyTimeoutMs` is not given.
 *
 * @example
 * openDatabase({ url: 'sqlite:///./app.db', busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS * 2 });
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/**
 * The bookkeeping table of applied migrations (ours, not MikroORM's `mikro_orm_migrations`).
 *
 * @example
 * await query(db.fork(), `select "name" from "${MIGRATIONS_TABLE}"`);
 */
export const MIGRATIONS_TABLE = 'overlay_db_migrations';
